// Organization mode through the delegated administrator: one GetFindings stream in the home Region
// serves several channels' digests; suppressing and lifting a member's finding goes through the
// administrator too. Real SDK clients over HTTP to the AWS emulator, real posts to the Slack emulator.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { Config } from '../../src/config/schema.ts';
import { runOrganizationDigests } from '../../src/digest/org-run.ts';
import type { DigestItem } from '../../src/digest/types.ts';
import { digestPoster } from '../../src/document/digest-doc.ts';
import type { DocPoster } from '../../src/document/doc.ts';
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
    for (const o of outcomes) firstItems.set(o.channel, o.run?.items ?? []);
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
