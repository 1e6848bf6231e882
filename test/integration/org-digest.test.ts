// Organization mode through the delegated administrator: one GetFindings stream in the home Region
// serves several channels' digests; suppressing and lifting a member's finding goes through the
// administrator too; a control a member disabled is asked of the member through its role and left out.
// Real SDK clients over HTTP to the AWS emulator, real posts to the Slack emulator.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { channelSla } from '../../src/config/load.ts';
import { Config } from '../../src/config/schema.ts';
import { runOrganizationDigests } from '../../src/digest/org-run.ts';
import { slaSnapshot } from '../../src/digest/posture.ts';
import type { DigestItem } from '../../src/digest/types.ts';
import { digestPoster } from '../../src/document/digest-doc.ts';
import type { DocPoster } from '../../src/document/doc.ts';
import { errorInfo } from '../../src/engine/errors.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { type AccountDirectory, createAccountDirectory } from '../../src/organization/directory.ts';
import { createCliPoster } from '../../src/slack/poster.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import { liftSuppression } from '../../src/suppression/lift.ts';
import { maintainSuppressions, workflowFor } from '../../src/suppression/maintain.ts';
import { suppressTarget } from '../../src/suppression/request.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { type AccountSpec, buildState, type ResourceSpec } from '../helpers/aws-state.ts';
import { botToken } from '../helpers/bot.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

const ADMIN = '500000000000';
const [M1, M2, M3, M4, UNROUTED] = [
  '600000000001',
  '600000000002',
  '600000000003',
  '600000000004',
  '600000000005',
];
const HOME = 'us-east-1';
const LINKED = 'us-west-2';
const [C1, C2, C3] = ['C0ORG00001', 'C0ORG00002', 'C0ORG00003'];

const failing = (prefix: string, n: number): ResourceSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, compliance: 'NON_COMPLIANT' as const }));

/** S3.8 is HIGH, EC2.19 CRITICAL, S3.5 MEDIUM in the catalog. */
function member(id: string, n: number): AccountSpec {
  return {
    id,
    role: { name: 'FsbpMember' },
    regions: {
      [HOME]: { controls: { 'S3.8': failing(`${id}-home`, n), 'S3.5': failing(`${id}-ssl`, 3) } },
      [LINKED]: { controls: { 'EC2.19': failing(`sg-${id}`, 2), 'S3.5': failing(`${id}-west`, 4) } },
    },
  };
}

/** M1's S3.8 findings began over the last 45 days, a few hours and odd minutes apart (SLA standing varies). */
const staggerMs = 26_009_000;

function state(): EmulatorState {
  const built = buildState(
    [
      {
        id: ADMIN,
        role: { name: 'FsbpAdmin' },
        regions: { [HOME]: { controls: {} }, [LINKED]: { controls: {} } },
      },
      member(M1, 150),
      member(M2, 20),
      member(M3, 20),
      member(M4, 5),
      member(UNROUTED, 30),
    ],
    { rateLimits: false },
  );
  const started = Date.now();
  const s3 = (built.accounts?.[M1]?.regions?.[HOME]?.findings ?? []).filter((f) =>
    String(f.GeneratorId).endsWith('S3.8'),
  );
  s3.forEach((f, i) => {
    f.FirstObservedAt = new Date(started - i * staggerMs).toISOString();
  });
  return {
    ...built,
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: [M1, M2, M3, M4, UNROUTED].map((AccountId) => ({ AccountId })),
      findingAggregator: { region: HOME, regionLinkingMode: 'SPECIFIED_REGIONS', regions: [LINKED] },
    },
  };
}

const config = Config.parse({
  defaultLanguage: 'en',
  organization: {
    adminAccount: { id: ADMIN, roleArn: `arn:aws:iam::${ADMIN}:role/FsbpAdmin` },
    homeRegion: HOME,
    memberRole: { name: 'FsbpMember' },
  },
  // Listed for their names; the channels name them by ID.
  accounts: [M1, M2, M3, M4].map((id, i) => ({ id, name: `member-${i + 1}`, regions: [HOME, LINKED] })),
  channels: [
    { id: C1, accounts: [M1, M2], digest: { language: 'en' } },
    { id: C2, accounts: [M2, M3], digest: { language: 'en' } },
    { id: C3, accounts: [M4], digest: { language: 'en', minSeverity: 'HIGH' } },
  ],
  suppression: { allowedUsers: ['U0ORG00001'] },
});

let aws: AwsEmulator;
let slack: SlackEmulator;
/** The first digest's replies per channel (their Suppress buttons are used below). */
const firstItems = new Map<string, DigestItem[]>();
const firstOverdueDays = new Map<string, Record<string, number>>();
let port: ReturnType<typeof createAwsPort>;
let store: Store;
/** The account directory as `serve` builds it: the administrator's members, discovered and saved. */
let accounts: AccountDirectory;
beforeAll(async () => {
  aws = await startAwsEmulator({ state: state() });
  slack = await startSlackEmulator({
    botToken,
    channels: Object.fromEntries([C1, C2, C3].map((c) => [c, { name: c.toLowerCase(), member: true }])),
  });
  useAwsEndpoint(aws.url);
  port = createAwsPort({ maxAttempts: 1 });
  store = await openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'fsbp-org-')), 'fsbp.db') });
  const org = config.organization;
  if (!org) throw new Error('organization mode expected');
  accounts = createAccountDirectory({ config, store, reader: () => port.organization(org), holder: 'test' });
});
afterAll(async () => {
  port.close();
  await store.close();
  await slack.close();
  await aws.close();
});

const poster = () =>
  digestPoster(
    createCliPoster({ SLACK_BOT_TOKEN: botToken, SLACK_API_URL: slack.url }) as DocPoster,
    loadCatalog(),
    createI18n(),
  );
const deps = () => ({ config, accounts, store, aws: port.background, poster: poster() });

/** SLA standing as the per-account digest computes it: every open failure, one by one. */
async function slaReference(accountIds: string[], suppressed: ReadonlySet<string>) {
  const channel = config.channels[0] as (typeof config.channels)[number];
  const open = await store.openFailures(accountIds);
  return slaSnapshot(open, suppressed, channelSla(config, channel), Date.now(), channel.digest.timezone);
}

/** Failing findings of the emulator's state per account, at or above a severity rank. */
function failingIn(accounts: string[], minimum: string[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']) {
  const all = aws.getState().accounts ?? {};
  return accounts.flatMap((a) =>
    Object.values(all[a]?.regions ?? {}).flatMap((r) =>
      (r.findings ?? []).filter(
        (f) =>
          (f.Compliance as { Status?: string }).Status === 'FAILED' &&
          minimum.includes(String((f.Severity as { Label?: string }).Label)),
      ),
    ),
  );
}

describe('organization digests through the delegated administrator', () => {
  it('three channels from one stream: every finding read once (pages = the minimum), each routed by its account', async () => {
    await accounts.refresh();
    aws.resetCalls();
    const outcomes = await runOrganizationDigests(deps(), [C1, C2, C3]);
    expect(outcomes.map((o) => o.status)).toEqual(['posted', 'posted', 'posted']);
    for (const o of outcomes) {
      firstItems.set(o.channel, o.run?.items ?? []);
      firstOverdueDays.set(o.channel, o.run?.summary.overdueDays ?? {});
    }
    const reads = aws.calls().filter((c) => c.operation === 'GetFindings');
    const everything = failingIn([ADMIN, M1, M2, M3, M4, UNROUTED]).length;
    expect(everything).toBe(5 * 9 + 150 + 20 + 20 + 5 + 30);
    expect(reads).toHaveLength(Math.ceil(everything / 100));
    // All through the administrator in the home Region; no member was read on its own.
    expect(new Set(reads.map((c) => `${c.accountId} ${c.region}`))).toEqual(new Set([`${ADMIN} ${HOME}`]));
    expect(reads.every((c) => c.principal?.startsWith(`arn:aws:sts::${ADMIN}:assumed-role/FsbpAdmin/`))).toBe(
      true,
    );

    const counted = (o: (typeof outcomes)[number]) =>
      Object.values(o.run?.summary.failing ?? {}).reduce((a, b) => a + b, 0);
    const [one, two, three] = outcomes;
    expect(counted(one as never)).toBe(failingIn([M1, M2]).length);
    expect(counted(two as never)).toBe(failingIn([M2, M3]).length);
    expect(counted(three as never)).toBe(failingIn([M4], ['CRITICAL', 'HIGH']).length);
    // Replies name only the channel's accounts, from both the home and the linked Region.
    for (const [o, accounts] of [
      [one, [M1, M2]],
      [two, [M2, M3]],
      [three, [M4]],
    ] as const) {
      const items = o?.run?.items ?? [];
      expect(items.length).toBeGreaterThan(0);
      expect(items.every((i) => (accounts as readonly string[]).includes(i.accountId))).toBe(true);
      expect(new Set(items.map((i) => i.region))).toEqual(new Set([HOME, LINKED]));
      expect(slack.messages(o?.channel ?? '').length).toBe(1 + items.length);
    }
    // C3 reports HIGH and above only: EC2.19 (CRITICAL) in the linked Region, S3.8 (HIGH) at home.
    expect(new Set(three?.run?.items.map((i) => i.controlId))).toEqual(new Set(['EC2.19', 'S3.8']));
  });

  it('overdue counts and days over SLA are what standing each open failure against the SLA gives', async () => {
    const outcomes = await runOrganizationDigests(deps(), [C1, C2, C3]);
    for (const [o, members] of [
      [outcomes[0], [M1, M2]],
      [outcomes[1], [M2, M3]],
    ] as const) {
      const reference = await slaReference([...members], new Set());
      expect(o?.run?.summary.overdue).toEqual(reference.overdue);
    }
    const c1 = (await slaReference([M1, M2], new Set())).overdue;
    // EC2.19 (7 days) and the older S3.8 findings (30 days) of the staggered ones are over; MEDIUM (90) not.
    expect(c1.CRITICAL).toBe(4);
    expect(c1.HIGH).toBeGreaterThan(20);
    expect(c1.HIGH).toBeLessThan(150 + 20);
    expect(c1.MEDIUM).toBe(0);
    // The first run's replies: days over SLA of the most overdue finding of each.
    const reference = await slaReference([M1, M2], new Set());
    const expected: Record<string, number> = {};
    for (const item of firstItems.get(C1) ?? []) {
      const over = Math.max(0, ...item.findingIds.map((id) => reference.status.get(id)?.daysOver ?? 0));
      if (over > 0) expected[item.key] = over;
    }
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(firstOverdueDays.get(C1)).toEqual(expected);
  });

  it('the next run reads the same pages and finds nothing new', async () => {
    aws.resetCalls();
    const outcomes = await runOrganizationDigests(deps(), [C1, C2, C3]);
    expect(outcomes.map((o) => o.run?.summary.newCount)).toEqual([0, 0, 0]);
    expect(aws.calls().filter((c) => c.operation === 'GetFindings')).toHaveLength(
      Math.ceil(failingIn([ADMIN, M1, M2, M3, M4, UNROUTED]).length / 100),
    );
  });
});

describe('a finding that stops failing, in organization mode', () => {
  /** Sets one finding's compliance in the emulator, as Security Hub does when its resource is fixed. */
  function setCompliance(findingId: string, status: 'PASSED' | 'FAILED') {
    const next = aws.getState();
    for (const account of Object.values(next.accounts ?? {}))
      for (const region of Object.values(account.regions ?? {}))
        for (const f of region.findings ?? [])
          if (f.Id === findingId) (f.Compliance as { Status: string }).Status = status;
    aws.setState(next);
  }
  const resolvedOf = (outcomes: Awaited<ReturnType<typeof runOrganizationDigests>>) =>
    outcomes.map((o) => o.run?.summary.resolvedIds);

  it('is resolved in each channel told about it (a dry run says the same), and new again when it fails again', async () => {
    // M2 is in C1 and C2, not in C3.
    const fixed = String(failingIn([M2], ['HIGH'])[0]?.Id);
    setCompliance(fixed, 'PASSED');
    const preview = await runOrganizationDigests(deps(), [C1, C2, C3], { dryRun: true });
    expect(resolvedOf(preview)).toEqual([[fixed], [fixed], []]);
    const resolved = await runOrganizationDigests(deps(), [C1, C2, C3]);
    expect(resolvedOf(resolved)).toEqual([[fixed], [fixed], []]);
    expect(resolved.map((o) => o.run?.summary.newCount)).toEqual([0, 0, 0]);
    expect((await store.reportedChannels([fixed])).get(fixed)).toBeUndefined();

    setCompliance(fixed, 'FAILED');
    const again = await runOrganizationDigests(deps(), [C1, C2, C3]);
    expect(again.map((o) => o.run?.summary.newCount)).toEqual([1, 1, 0]);
    expect(resolvedOf(again)).toEqual([[], [], []]);
    for (const o of again.slice(0, 2)) expect(o.run?.items.flatMap((i) => i.findingIds)).toEqual([fixed]);
  });
});

describe("suppressing a member's finding through the administrator", () => {
  it('suppress and lift a linked-Region finding of a member: BatchUpdateFindings by the administrator in the home Region', async () => {
    const item = firstItems
      .get(C1)
      ?.find((i) => i.region === LINKED && i.accountId === M2 && i.controlId === 'EC2.19');
    expect(item).toBeDefined();
    aws.resetCalls();
    const outcome = await suppressTarget(
      { config, accounts, catalog: loadCatalog(), store, aws: port },
      {
        key: item?.key ?? '',
        channel: C1,
        userId: 'U0ORG00001',
        userName: 'alice',
        reason: 'accepted until the migration',
        expiresAt: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
        scope: 'resource',
      },
      'holder-1',
    );
    expect(outcome.suppression.state).toBe('active');
    expect(outcome.suppression.updated).toHaveLength(2);
    const calls = aws.calls().filter((c) => ['GetFindings', 'BatchUpdateFindings'].includes(c.operation));
    expect(calls.map((c) => `${c.operation} ${c.accountId} ${c.region}`)).toEqual([
      `GetFindings ${ADMIN} ${HOME}`,
      `BatchUpdateFindings ${ADMIN} ${HOME}`,
    ]);
    // Stored once, in its own Region: the member sees it suppressed there.
    const inLinked = () =>
      (aws.getState().accounts?.[M2]?.regions?.[LINKED]?.findings ?? []).filter((f) =>
        item?.findingIds.includes(f.Id),
      );
    expect(inLinked().map((f) => (f.Workflow as { Status: string }).Status)).toEqual([
      'SUPPRESSED',
      'SUPPRESSED',
    ]);
    expect(JSON.stringify(inLinked()[0]?.Note)).toContain('accepted until the migration');

    // Held while suppressed: neither overdue nor due soon, in each channel that has the account.
    const during = await runOrganizationDigests(deps(), [C1, C2, C3]);
    const held = new Set(item?.findingIds);
    expect(during[0]?.run?.summary.overdue).toEqual((await slaReference([M1, M2], held)).overdue);
    expect(during[0]?.run?.summary.overdue?.CRITICAL).toBe(2);
    expect(during[1]?.run?.summary.overdue).toEqual((await slaReference([M2, M3], held)).overdue);
    expect(during[1]?.run?.summary.overdue?.CRITICAL).toBe(2);

    aws.resetCalls();
    const lifted = await liftSuppression(
      store,
      await workflowFor({ aws: port, accounts }, M2, LINKED, 'U0ORG00001'),
      outcome.suppression.id,
      {
        state: 'lifted',
        actor: 'U0ORG00001',
        actorName: 'alice',
        reason: 'fixed',
        holder: 'holder-2',
        waitMs: 0,
      },
    );
    expect(lifted.failed).toEqual([]);
    expect(
      aws
        .calls()
        .filter((c) => c.operation === 'BatchUpdateFindings')
        .map((c) => `${c.accountId} ${c.region}`),
    ).toEqual([`${ADMIN} ${HOME}`]);
    expect(inLinked().map((f) => (f.Workflow as { Status: string }).Status)).toEqual(['NEW', 'NEW']);
  });

  it('the expiry job lifts through the administrator as well', async () => {
    const item = firstItems.get(C2)?.find((i) => i.accountId === M3 && i.region === HOME);
    const suppressed = await suppressTarget(
      { config, accounts, catalog: loadCatalog(), store, aws: port },
      {
        key: item?.key ?? '',
        channel: C2,
        userId: 'U0ORG00001',
        userName: 'alice',
        reason: 'short-lived exception',
        expiresAt: new Date(Date.now() + 60_000).toISOString(),
        scope: 'resource',
      },
      'holder-3',
    );
    aws.resetCalls();
    const report = await maintainSuppressions(
      { config, accounts, store, aws: port, now: () => Date.now() + 120_000 },
      'job-1',
    );
    expect(report.expired).toEqual([suppressed.suppression.id]);
    expect(
      aws
        .calls()
        .filter((c) => c.operation === 'BatchUpdateFindings')
        .map((c) => `${c.accountId} ${c.region}`),
    ).toEqual([`${ADMIN} ${HOME}`]);
  });
});

describe('controls disabled in a member account and Region, in organization mode', () => {
  type Finding = Record<string, unknown>;
  type Outcomes = Awaited<ReturnType<typeof runOrganizationDigests>>;
  const controlOf = (f: Finding) => String(f.GeneratorId).replace('security-control/', '');
  const findingsOf = (accountId: string, region: string, controlId: string) =>
    (aws.getState().accounts?.[accountId]?.regions?.[region]?.findings ?? []).filter(
      (f) => controlOf(f) === controlId,
    );
  /** Another failing resource of a control the member already fails there (a copy with a new ID). */
  function addFailing(accountId: string, region: string, controlId: string): string {
    const next = aws.getState();
    const findings = next.accounts?.[accountId]?.regions?.[region]?.findings ?? [];
    const model = structuredClone(findings.find((f) => controlOf(f) === controlId));
    if (!model) throw new Error(`no ${controlId} in ${accountId} ${region}`);
    const id = String(model.Id).replace(/finding\/.*$/, `finding/${randomUUID()}`);
    const [resource] = model.Resources as { Id: string }[];
    findings.push({
      ...model,
      Id: id,
      Resources: [{ ...resource, Id: `${resource?.Id}-added` }],
      Compliance: { ...(model.Compliance as object), Status: 'FAILED' },
      Workflow: { Status: 'NEW' },
      WorkflowState: 'NEW',
    });
    aws.setState(next);
    return id;
  }
  /** Switches a control off in FSBP in one member account and Region, as its owner would. */
  function disable(accountId: string, region: string, controlId: string) {
    const next = aws.getState();
    const where = next.accounts?.[accountId]?.regions?.[region];
    if (!where) throw new Error(`no ${accountId} ${region}`);
    where.standardsControlAssociations = [
      ...(where.standardsControlAssociations ?? []),
      {
        StandardsArn: `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`,
        SecurityControlId: controlId,
        AssociationStatus: 'DISABLED',
        UpdatedAt: '2026-10-01T00:00:00.000Z',
        UpdatedReason: 'Covered by a service control policy',
      },
    ];
    aws.setState(next);
  }
  const total = (o: Outcomes[number] | undefined) =>
    Object.values(o?.run?.summary.failing ?? {}).reduce((a, b) => a + b, 0);
  const reported = (o: Outcomes[number] | undefined) =>
    new Set(o?.run?.items.flatMap((i) => i.findingIds) ?? []);
  const getFindings = () => aws.calls().filter((c) => c.operation === 'GetFindings').length;
  /** What the last real run counted, per channel (each case compares with it). */
  let last: Outcomes = [];

  it('a control disabled in one member Region: its findings are neither reported, counted nor resolved (a dry run alike); other members and Regions are not affected', async () => {
    aws.resetCalls();
    last = await runOrganizationDigests(deps(), [C1, C2, C3]);
    const pages = getFindings();
    // M2 is in C1 and C2, which were told about its S3.5 findings of the linked Region by the first digest.
    const told = findingsOf(M2, LINKED, 'S3.5').map((f) => String(f.Id));
    expect(told).toHaveLength(4);
    expect((await store.reportedChannels(told)).get(told[0] as string)).toEqual(
      expect.arrayContaining([C1, C2]),
    );
    const hidden = addFailing(M2, LINKED, 'S3.5');
    const home = addFailing(M2, HOME, 'S3.5');
    const otherMember = addFailing(M3, LINKED, 'S3.5');
    disable(M2, LINKED, 'S3.5');

    aws.resetCalls();
    const preview = await runOrganizationDigests(deps(), [C1, C2, C3], { dryRun: true });
    const after = await runOrganizationDigests(deps(), [C1, C2, C3]);
    for (const outcomes of [preview, after]) {
      const status = outcomes === preview ? 'dry-run' : 'posted';
      expect(outcomes.map((o) => o.status)).toEqual([status, status, status]);
      expect(outcomes.map((o) => o.run?.summary.resolvedIds)).toEqual([[], [], []]);
      expect(outcomes.map((o) => o.disabledFindings)).toEqual([5, 5, 0]);
      expect(outcomes.map((o) => reported(o))).toEqual([
        new Set([home]),
        new Set([home, otherMember]),
        new Set(),
      ]);
      // The four told and the one added are not counted; the two other added ones are.
      expect(outcomes.map(total)).toEqual([total(last[0]) - 4 + 1, total(last[1]) - 4 + 2, total(last[2])]);
      expect(outcomes.flatMap((o) => [...reported(o)])).not.toContain(hidden);
    }
    // Still told (not resolved), and still open in the posture history (not fixed).
    expect((await store.reportedChannels(told)).get(told[0] as string)).toEqual(
      expect.arrayContaining([C1, C2]),
    );
    const open = new Set((await store.openFailures([M2])).map((f) => f.findingId));
    expect(told.every((id) => open.has(id))).toBe(true);

    // Each member account-Region with failing findings was asked once a run, through the member's role,
    // about the controls the stream brought (three here: one call, not one per 100 catalog controls);
    // the stream read no more pages than before.
    const asked = aws.calls().filter((c) => c.operation === 'BatchGetStandardsControlAssociations');
    const scopes = [M1, M2, M3, M4].flatMap((m) => [`${m} ${HOME}`, `${m} ${LINKED}`]);
    expect(new Set(asked.map((c) => `${c.accountId} ${c.region}`))).toEqual(new Set(scopes));
    expect(asked).toHaveLength(2 * scopes.length);
    expect(
      asked.every((c) => c.principal?.startsWith(`arn:aws:sts::${c.accountId}:assumed-role/FsbpMember/`)),
    ).toBe(true);
    expect(getFindings()).toBe(2 * pages);
    last = after;
  });

  it('a member whose role is refused: enablement unknown, its findings reported as before; the log is told', async () => {
    const next = aws.getState();
    const m3 = next.accounts?.[M3];
    if (!m3) throw new Error('no M3');
    m3.roles = {};
    aws.setState(next);
    disable(M3, HOME, 'S3.5');
    const added = addFailing(M3, HOME, 'S3.5');
    // A port of its own: the shared one still holds M3's session from the case before.
    const fresh = createAwsPort({ maxAttempts: 1 });
    const heard: { where: string; code: string }[] = [];
    try {
      const outcomes = await runOrganizationDigests(
        {
          ...deps(),
          aws: fresh.background,
          onEnablementError: (where, error) =>
            heard.push({ where: `${where.accountId} ${where.region}`, code: errorInfo(error).code }),
        },
        [C1, C2, C3],
      );
      expect(outcomes.map((o) => o.status)).toEqual(['posted', 'posted', 'posted']);
      expect(reported(outcomes[1])).toEqual(new Set([added]));
      expect(outcomes.map(total)).toEqual([total(last[0]), total(last[1]) + 1, total(last[2])]);
      expect(outcomes.map((o) => o.run?.summary.resolvedIds)).toEqual([[], [], []]);
      // M2's control disabled in the linked Region is still left out.
      expect(outcomes.map((o) => o.disabledFindings)).toEqual([5, 5, 0]);
      expect(heard.sort((a, b) => a.where.localeCompare(b.where))).toEqual([
        { where: `${M3} ${HOME}`, code: 'aws_assume_role_failed' },
        { where: `${M3} ${LINKED}`, code: 'aws_assume_role_failed' },
      ]);
    } finally {
      fresh.close();
    }
  });
});
