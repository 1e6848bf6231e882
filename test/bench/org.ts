/**
 * Organization benchmark: 300 accounts in 20 OUs, 4 Regions (the home Region and 3 linked), 200,000
 * failing findings of which 5,000 are new, 20 channels routed by OU and tag, GetFindings limited by the
 * emulator at Security Hub's 3/s for the administrator. The digest of every channel runs in its own
 * process from one stream through the administrator; reported: pages fetched against the minimum
 * (every finding read once: ceil(findings / 100)), wall time against the rate-limit bound, peak RSS.
 * Three runs on one emulator, a fresh store each; the figures are the medians, each run shown.
 * BENCH_ORG_FINDINGS scales the findings down for a quick try; BENCH_ORG_PARTS=digest or =check runs
 * one side only (discovery always runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { createCheckEngine, maxDetailsRuleNameLength } from '../../src/engine/check.ts';
import { createAccountDirectory } from '../../src/organization/directory.ts';
import { type DiscoverySnapshot, discoveryScope } from '../../src/organization/snapshot.ts';
import { buildAccountView } from '../../src/organization/view.ts';
import { openStore, parseStoreLocation } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { selectControls } from '../../src/subcommand/targets.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import { awsEmulatorEnv } from '../helpers/aws-env.ts';
import { type AccountSpec, buildState, catalog, type ResourceSpec, ruleName } from '../helpers/aws-state.ts';
import { type RemoteEmulator, startRemoteEmulator } from './remote-emulator.ts';

const accountCount = 300;
const ouCount = 20;
/** The OU the check figure covers: 50 accounts; the other 250 spread over 19 OUs. */
const bigOu = 50;
const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-northeast-1'];
const home = regions[0] as string;
const findingCount = Number(process.env.BENCH_ORG_FINDINGS ?? 200_000);
const freshCount = Math.round(findingCount / 40);
const teams = 5;
const ADMIN = '799999999999';
const MGMT = '799999999998';
const ORG_ID = 'o-benchorg001';
const ROOT = 'r-bnch';

const accountId = (i: number) => String(700000000000 + i);
const ouId = (k: number) => `ou-bnch-${String(k).padStart(8, '0')}`;
/** Account i's OU: the first 50 in OU 0, the rest round the other 19. */
const ouOf = (i: number) => (i < bigOu ? 0 : 1 + ((i - bigOu) % (ouCount - 1)));
const teamOf = (i: number) => `t${i % teams}`;

/** 20 channels: 15 by OU (OU 0-14), 5 by team tag (every account has one). */
function channels() {
  return [
    ...Array.from({ length: 15 }, (_, k) => ({
      id: `C0BENCH${String(k).padStart(4, '0')}`,
      accounts: [ouId(k)],
    })),
    ...Array.from({ length: teams }, (_, t) => ({
      id: `C0BENCH${String(15 + t).padStart(4, '0')}`,
      accounts: [`tag:team=t${t}`],
    })),
  ];
}

/** Which accounts each channel gets (what the account directory resolves from the selectors). */
function routedAccounts(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const channel of channels()) {
    const selector = channel.accounts[0] as string;
    out[channel.id] = Array.from({ length: accountCount }, (_, i) => i).filter((i) =>
      selector.startsWith('ou-') ? ouId(ouOf(i)) === selector : `tag:team=${teamOf(i)}` === selector,
    );
  }
  return out;
}

function s3Controls(): Record<string, ResourceSpec[]> {
  const out: Record<string, ResourceSpec[]> = {};
  for (const c of selectControls(catalog, [{ kind: 'service', service: 'S3' }])) {
    if (!c.configRule) continue;
    out[c.id] = ['a', 'b'].map((x) => ({
      id: `${c.id.toLowerCase().replace('.', '-')}-${x}`,
      compliance: 'COMPLIANT',
    }));
  }
  return out;
}

function baseState(): EmulatorState {
  const built = buildState(
    [
      {
        id: ADMIN,
        role: { name: 'FsbpAdmin' },
        regions: Object.fromEntries(regions.map((r) => [r, { controls: {} }])),
      },
      { id: MGMT, role: { name: 'FsbpOrgReader' }, regions: {} },
      ...Array.from(
        { length: accountCount },
        (_, i): AccountSpec => ({
          id: accountId(i),
          role: { name: 'FsbpMember' },
          // The checked OU has Security Hub's S3 rules, every resource passing (nothing for the digest).
          regions: Object.fromEntries(regions.map((r) => [r, { controls: i < bigOu ? s3Controls() : {} }])),
        }),
      ),
    ],
    { evaluationDelayMs: 2000 },
  );
  return {
    ...built,
    startEvaluationMinIntervalMs: 0,
    organization: {
      id: ORG_ID,
      managementAccountId: MGMT,
      delegatedAdministrators: [ADMIN],
      root: { id: ROOT },
      organizationalUnits: Array.from({ length: ouCount }, (_, k) => ({
        Id: ouId(k),
        Name: `ou-${k}`,
        parentId: ROOT,
      })),
      accounts: [
        { Id: MGMT, Name: 'management', Email: 'mgmt@example.com', parentId: ROOT },
        { Id: ADMIN, Name: 'security', Email: 'security@example.com', parentId: ROOT },
        ...Array.from({ length: accountCount }, (_, i) => ({
          Id: accountId(i),
          Name: `acct-${i}`,
          Email: `a${i}@example.com`,
          parentId: ouId(ouOf(i)),
          tags: { team: teamOf(i) },
        })),
      ],
    },
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: Array.from({ length: accountCount }, (_, i) => ({ AccountId: accountId(i) })),
      findingAggregator: { region: home, regionLinkingMode: 'SPECIFIED_REGIONS', regions: regions.slice(1) },
    },
  };
}

/** Finding n: account and Region round-robin over the 1,200 scopes, one of 20 controls. */
function findingOf(n: number, controls: { id: string; severity: string; title: string }[]) {
  const scope = n % (accountCount * regions.length);
  const account = accountId(Math.floor(scope / regions.length));
  const region = regions[scope % regions.length] as string;
  const control = controls[n % controls.length] as { id: string; severity: string; title: string };
  const at = new Date(Date.UTC(2026, 10, 1) - n * 1000).toISOString();
  return {
    account,
    region,
    finding: {
      SchemaVersion: '2018-10-08',
      Id: `arn:aws:securityhub:${region}:${account}:security-control/${control.id}/finding/bench-${String(n).padStart(8, '0')}`,
      ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
      GeneratorId: `security-control/${control.id}`,
      AwsAccountId: account,
      Region: region,
      CreatedAt: at,
      UpdatedAt: at,
      FirstObservedAt: at,
      Severity: { Label: control.severity, Original: control.severity },
      Title: control.title,
      Resources: [{ Type: 'AwsS3Bucket', Id: `arn:aws:s3:::bench-${n}`, Partition: 'aws', Region: region }],
      Compliance: { Status: 'FAILED', SecurityControlId: control.id },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    },
  };
}

/** Loads the findings into the emulator, one account and Region a call; returns each channel's reported IDs. */
async function loadFindings(emulator: RemoteEmulator) {
  const controls = catalog.controls
    .filter((c) => !c.deprecated && c.configRule)
    .slice(0, 20)
    .map((c) => ({ id: c.securityControlId, severity: c.severity, title: c.title.en }));
  const byScope = new Map<string, { account: string; region: string; findings: unknown[] }>();
  const reportedOf = new Map<string, string[]>();
  const channelsOf = new Map<string, string[]>();
  for (const [channel, members] of Object.entries(routedAccounts())) {
    for (const i of members) channelsOf.set(accountId(i), [...(channelsOf.get(accountId(i)) ?? []), channel]);
  }
  for (let n = 0; n < findingCount; n++) {
    const { account, region, finding } = findingOf(n, controls);
    const key = `${account}|${region}`;
    const scope = byScope.get(key) ?? { account, region, findings: [] };
    scope.findings.push(finding);
    byScope.set(key, scope);
    // Every 40th finding is new to its channels; the others were told before.
    if (n % 40 === 0) continue;
    for (const channel of channelsOf.get(account) ?? []) {
      const ids = reportedOf.get(channel) ?? [];
      ids.push(finding.Id);
      reportedOf.set(channel, ids);
    }
  }
  for (const scope of byScope.values()) {
    const response = await fetch(`${emulator.url}/_emulator/findings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: JSON.stringify({ accountId: scope.account, region: scope.region, findings: scope.findings }),
    });
    if (!response.ok) throw new Error(`loading findings: ${response.status} ${await response.text()}`);
  }
  return reportedOf;
}

/** Marks findings as told to a channel, through the store's own API: a finished run that counted them. */
async function seedReported(store: Store, channel: string, ids: string[]): Promise<void> {
  const run = await store.createDigest({
    channel,
    startedAt: new Date(0).toISOString(),
    summary: {
      date: '1970-01-01',
      accounts: [],
      failing: {},
      newCount: ids.length,
      overflow: ids.length,
      resolvedCount: 0,
      previousFailingTotal: null,
      resolvedIds: [],
      overflowIds: ids,
      consoleUrl: null,
    },
    items: [],
  });
  await store.finishDigest(run.id);
}

function config() {
  return Config.parse({
    organization: {
      adminAccount: { id: ADMIN, roleArn: `arn:aws:iam::${ADMIN}:role/FsbpAdmin` },
      homeRegion: home,
      memberRole: { name: 'FsbpMember' },
      discover: { source: 'organizations', organizationsRoleArn: `arn:aws:iam::${MGMT}:role/FsbpOrgReader` },
    },
    channels: channels(),
  });
}

async function digestRun(
  emulator: RemoteEmulator,
  dir: string,
  reportedOf: Map<string, string[]>,
  discovery: DiscoverySnapshot,
  run: number,
) {
  const storePath = join(dir, `fsbp-${run}.db`);
  const store = await openStore(parseStoreLocation(storePath));
  for (const [channel, ids] of reportedOf) await seedReported(store, channel, ids);
  const org = config().organization;
  if (org) await store.saveDiscovery(discoveryScope(org), discovery);
  await store.close();
  await emulator.resetCalls();
  const out = await runChild('./org-digest-run.ts', {
    ...awsEmulatorEnv(emulator.url, home),
    BENCH_CONFIG: join(dir, 'config.json'),
    FSBP_STORE: storePath,
  });
  const pages = (await emulator.calls()).filter((c) => c.operation === 'GetFindings');
  return { ...out, pages: pages.length, throttled: pages.filter((c) => c.status === 429).length };
}

export async function benchOrg(runs = Number(process.env.BENCH_RUNS ?? 3)) {
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-org-bench-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config()));
  const emulator = await startRemoteEmulator(baseState());
  try {
    const parts = new Set((process.env.BENCH_ORG_PARTS ?? 'digest,check').split(','));
    const reportedOf = parts.has('digest') ? await loadFindings(emulator) : new Map<string, string[]>();
    const found = await discover(emulator, dir);
    const minimum = Math.ceil(findingCount / 100);
    // The steady 3/s: page k starts at floor(k / 3) s, so the last one at that many seconds.
    const boundMs = Math.floor((minimum - 1) / 3) * 1000;
    const digests = [];
    for (let run = 0; parts.has('digest') && run < runs; run++) {
      process.stderr.write(`org digest run ${run + 1}/${runs}...\n`);
      digests.push(await digestRun(emulator, dir, reportedOf, found.snapshot, run));
    }
    const check = parts.has('check') ? await checkOu(emulator, found.snapshot, runs) : null;
    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const wallMs = Math.round(median(digests.map((d) => d.wallMs)));
    return {
      name: 'org',
      setup: {
        accounts: accountCount,
        ous: ouCount,
        regions: regions.length,
        failingFindings: findingCount,
        newFindings: freshCount,
        channels: channels().length,
        getFindingsRate: '3/s for the administrator in the home Region',
        runs,
      },
      discovery: {
        source: 'organizations',
        accounts: found.snapshot.accounts.length,
        calls: found.calls,
        callsTotal: Object.values(found.calls).reduce((a, b) => a + b, 0),
        minimum: found.minimum,
        minimumTotal: Object.values(found.minimum).reduce((a, b) => a + b, 0),
        wallMs: found.wallMs,
      },
      check,
      digest: {
        pages: { fetched: median(digests.map((d) => d.pages)), minimum },
        wallMs,
        rateLimitBoundMs: boundMs,
        ratio: Number((wallMs / boundMs).toFixed(3)),
        peakRssMb: median(digests.map((d) => d.peakRssMb)),
        runs: digests.map((d) => ({
          pages: d.pages,
          throttled: d.throttled,
          wallMs: Math.round(d.wallMs),
          ratio: Number((d.wallMs / boundMs).toFixed(3)),
          peakRssMb: d.peakRssMb,
          newCount: d.newCount,
          failing: d.failing,
          replies: d.replies,
          statuses: d.statuses,
        })),
      },
    };
  } finally {
    await emulator.close();
  }
}

/**
 * Discovery through Organizations (the management account's role), as the bot's directory does it,
 * saved in a store; the calls it made against the fewest the page sizes allow.
 */
async function discover(emulator: RemoteEmulator, dir: string) {
  const cfg = config();
  const org = cfg.organization;
  if (!org) throw new Error('organization mode expected');
  Object.assign(process.env, awsEmulatorEnv(emulator.url, home));
  const store = await openStore(parseStoreLocation(join(dir, 'discovery.db')));
  const aws = createAwsPort();
  const directory = createAccountDirectory({
    config: cfg,
    store,
    reader: () => aws.organization(org),
    holder: 'bench',
  });
  await emulator.resetCalls();
  const started = performance.now();
  const outcome = await directory.refresh();
  const wallMs = Math.round(performance.now() - started);
  const snapshot = await store.loadDiscovery(discoveryScope(org));
  aws.close();
  await store.close();
  if (!snapshot || outcome.status !== 'discovered') throw new Error(`discovery: ${outcome.status}`);
  const calls: Record<string, number> = {};
  for (const call of await emulator.calls()) {
    if (call.operation === 'AssumeRole') continue;
    calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  }
  // Pages of 20 (the model's MaxResults) per container for OUs and accounts, one tag page per account.
  const pages = (n: number) => Math.max(1, Math.ceil(n / 20));
  const containers = [ROOT, ...Array.from({ length: ouCount }, (_, k) => ouId(k))];
  const accountsIn = (c: string) =>
    c === ROOT
      ? 2
      : Array.from({ length: accountCount }, (_, i) => i).filter((i) => ouId(ouOf(i)) === c).length;
  const minimum = {
    ListRoots: 1,
    ListOrganizationalUnitsForParent: containers.reduce((n, c) => n + pages(c === ROOT ? ouCount : 0), 0),
    ListAccountsForParent: containers.reduce((n, c) => n + pages(accountsIn(c)), 0),
    ListTagsForResource: accountCount + 2,
    ListFindingAggregators: 1,
    GetFindingAggregator: 1,
  };
  return { snapshot, calls, minimum, wallMs };
}

/**
 * `check S3` across the 50 accounts of one OU in its 4 Regions, through each member's role, as
 * test/bench/check.ts measures a check: 20 ms a call, a 2 s evaluation, the same lower bound.
 */
async function checkOu(emulator: RemoteEmulator, snapshot: DiscoverySnapshot, runs: number) {
  const latencyMs = 20;
  const evaluationDelayMs = 2000;
  const concurrency = 8;
  const cfg = config();
  const view = buildAccountView(cfg, snapshot);
  const accounts = view.select(ouId(0), view.all());
  const controls = selectControls(catalog, [{ kind: 'service', service: 'S3' }]);
  const rules = [...new Set(controls.flatMap((c) => (c.configRule ? [ruleName(c.configRule)] : [])))];
  const readable = rules.filter((r) => r.length <= maxDetailsRuleNameLength).length;
  const jobs = accounts.length * regions.length;
  const ceil = (n: number, d: number) => Math.ceil(n / d);
  const minimum: Record<string, number> = {
    AssumeRole: accounts.length,
    DescribeConfigRules: jobs * ceil(rules.length, 25),
    DescribeConfigRuleEvaluationStatus: jobs * 2 * ceil(rules.length, 25),
    StartConfigRulesEvaluation: jobs * ceil(rules.length, 25),
    GetComplianceDetailsByConfigRule: jobs * readable,
    GetFindings: jobs * ceil(controls.length, 20),
    // Which of them are enabled there (disabled ones are neither started nor read).
    BatchGetStandardsControlAssociations: jobs * ceil(controls.length, 100),
  };
  const minimumCalls = Object.values(minimum).reduce((a, b) => a + b, 0);
  const chain = (1 + ceil(rules.length, 25) + 1 + 1 + 1 + 1 + 1) * latencyMs;
  const lowerBoundMs = evaluationDelayMs + Math.max(chain, (minimumCalls * latencyMs) / concurrency);
  const walls: number[] = [];
  let calls: Record<string, number> = {};
  for (let run = 0; run < runs; run++) {
    await emulator.setFaults({ latencyMs, services: ['sts', 'config', 'securityhub'] });
    await emulator.resetCalls();
    const aws = createAwsPort({ concurrency });
    const engine = createCheckEngine({ aws });
    const started = performance.now();
    const report = await engine.run({
      targets: ['S3'],
      controls,
      accounts,
      requester: 'bench',
      reevaluate: true,
      timeoutMs: 300_000,
    });
    walls.push(performance.now() - started);
    aws.close();
    if (report.results.some((r) => r.error))
      throw new Error(`check failed: ${JSON.stringify(report.results.find((r) => r.error)?.error)}`);
    calls = {};
    for (const call of await emulator.calls()) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  }
  await emulator.setFaults({});
  const sorted = [...walls].sort((a, b) => a - b);
  const wall = sorted[Math.floor(sorted.length / 2)] as number;
  return {
    target: `S3 in ${ouId(0)}`,
    accounts: accounts.length,
    regions: regions.length,
    controls: controls.length,
    wallMs: Math.round(wall),
    runs: walls.map(Math.round),
    lowerBoundMs: Math.round(lowerBoundMs),
    ratio: Number((wall / lowerBoundMs).toFixed(2)),
    calls,
    minimumCalls: minimum,
  };
}

/** Runs a script of this folder in a fresh Node process and returns what it printed as JSON. */
async function runChild(script: string, env: Record<string, string>) {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, new URL(script, import.meta.url).pathname], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`${script} exited with ${code}`);
  return JSON.parse(out) as {
    wallMs: number;
    peakRssMb: number;
    newCount: number;
    failing: number;
    replies: number;
    posted: number;
    statuses: string[];
  };
}
