/**
 * Digest benchmark: 10 accounts, 20,000 failing findings of which 1,000 are new to the channel,
 * GetFindings limited by the emulator at Security Hub's 3/s per account and Region. Reports pages
 * fetched against the minimum (ceil(findings / 100) per account and Region), wall time of the read
 * and plan against the rate-limit bound, and peak RSS. Runs the digest as a dry run: posting is
 * bounded by Slack's one message per second per channel, not by this work.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Config } from '../../src/config/schema.ts';
import { openStore, parseStoreLocation } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { type AccountSpec, buildState, catalog, type ResourceSpec } from '../helpers/aws-state.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const accounts = 10;
const perAccount = 2000;
const fresh = 1000;
const region = 'ap-northeast-1';

/**
 * `backend`: where the store lives. The digest runs for real against it (plan, every reply recorded,
 * the lease renewed before each post), posting to an instant poster: Slack's pace would otherwise
 * hide the store's share.
 */
export async function benchDigest(backend: 'sqlite' | 'postgres' = 'sqlite') {
  const controls = catalog.controls.filter((c) => !c.deprecated && c.configRule).slice(0, 100);
  const specs: AccountSpec[] = Array.from({ length: accounts }, (_, a) => {
    const perControl: Record<string, ResourceSpec[]> = {};
    controls.forEach((c, i) => {
      perControl[c.id] = Array.from({ length: perAccount / controls.length }, (_, r) => ({
        id: `res-${a}-${i}-${r}`,
        compliance: 'NON_COMPLIANT' as const,
      }));
    });
    return {
      id: String(300000000000 + a),
      role: { name: 'FsbpBotRole' },
      regions: { [region]: { controls: perControl } },
    };
  });
  let state: ReturnType<typeof buildState> | undefined = buildState(specs);
  const emulator = await startRemoteEmulator(state);
  // Everything but 1,000 findings was reported by earlier digests.
  const findingIds = Object.values(
    state.accounts as Record<string, { regions: Record<string, { findings: { Id: string }[] }> }>,
  ).flatMap((a) => a.regions[region]?.findings.map((f) => f.Id) ?? []);
  state = undefined;
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-digest-bench-'));
  const pgSchema = backend === 'postgres' ? await benchSchema() : null;
  const storePath = pgSchema?.url ?? join(dir, 'fsbp.db');
  const store = await openStore(parseStoreLocation(storePath));
  await seedReported(store, 'C0BENCH0001', findingIds.slice(fresh));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  const config = Config.parse({
    accounts: specs.map((s) => ({
      id: s.id,
      roleArn: `arn:aws:iam::${s.id}:role/FsbpBotRole`,
      regions: [region],
    })),
    channels: [{ id: 'C0BENCH0001', accounts: specs.map((s) => s.id) }],
  });
  await store.close();
  const configFile = join(dir, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  await emulator.resetCalls();
  const digest = await runChild({ BENCH_CONFIG: configFile, FSBP_STORE: storePath });
  const calls = await emulator.calls();
  const pages = calls.filter((c) => c.operation === 'GetFindings');
  const pagesPerAccount = Math.ceil(perAccount / 100);
  // Pages per account and Region at 3/s, the first 3 at once: the rate-limit bound, all in parallel.
  const boundMs = (Math.ceil(pagesPerAccount / 3) - 1) * 1000;
  await emulator.close();
  await pgSchema?.drop();
  return {
    name: 'digest',
    backend,
    setup: {
      accounts,
      regions: 1,
      failingFindings: accounts * perAccount,
      newFindings: fresh,
      getFindingsRate: '3/s per account and Region',
    },
    pages: {
      fetched: pages.length,
      throttled: pages.filter((c) => c.status === 429).length,
      minimum: accounts * pagesPerAccount,
    },
    newCount: digest.newCount,
    replies: digest.replies,
    overflow: digest.overflow,
    wallMs: Math.round(digest.wallMs),
    rateLimitBoundMs: boundMs,
    ratio: Number((digest.wallMs / boundMs).toFixed(2)),
    // The digest's own process, start-up included (VmHWM).
    peakRssMb: digest.peakRssMb,
    posted: digest.posted,
    // Store calls (record the reply, renew the lease) per posted message, the post itself excluded.
    storeMsPerReply: Number(digest.storeMsPerReply.toFixed(2)),
  };
}

/** Runs test/bench/digest-run.ts in a fresh Node process and returns what it printed. */
async function runChild(env: Record<string, string>) {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const script = new URL('./digest-run.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', tsx, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`digest process exited with ${code}`);
  return JSON.parse(out) as {
    wallMs: number;
    peakRssMb: number;
    newCount: number;
    replies: number;
    overflow: number;
    posted: number;
    storeMsPerReply: number;
  };
}

/** Marks findings as told to the channel, through the store's own API: a finished run that counted them. */
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

/** A schema of its own on the test PostgreSQL server (FSBP_TEST_PG_URL overrides it). */
async function benchSchema() {
  const { freshSchema } = await import('../helpers/postgres.ts');
  return freshSchema();
}
