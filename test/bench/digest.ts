/**
 * Digest benchmark: 10 accounts, 20,000 failing findings of which 1,000 are new to the channel,
 * GetFindings limited by the emulator at Security Hub's 3/s per account and Region. Reports pages
 * fetched against the minimum (ceil(findings / 100) per account and Region), wall time of the read
 * and plan against the rate-limit bound, and peak RSS. Runs the digest as a dry run: posting is
 * bounded by Slack's one message per second per channel, not by this work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDigest } from '../../commands/digest-run.ts';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { type AccountSpec, buildState, catalog, type ResourceSpec } from '../helpers/aws-state.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const accounts = 10;
const perAccount = 2000;
const fresh = 1000;
const region = 'ap-northeast-1';

export async function benchDigest() {
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
  const store = openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'fsbp-digest-bench-')), 'fsbp.db') });
  const seed = store.db.prepare('INSERT INTO digest_reported (channel, finding_id, run_id) VALUES (?, ?, 0)');
  store.db.transaction(() => {
    for (const id of findingIds.slice(fresh)) seed.run('C0BENCH0001', id);
  })();
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
  const aws = createAwsPort();
  await emulator.resetCalls();
  (globalThis as { gc?: () => void }).gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const outcome = await runDigest({ config, catalog, i18n: createI18n(), store, aws }, 'C0BENCH0001', {
    dryRun: true,
  });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  const calls = await emulator.calls();
  const pages = calls.filter((c) => c.operation === 'GetFindings');
  const pagesPerAccount = Math.ceil(perAccount / 100);
  // Pages per account and Region at 3/s, the first 3 at once: the rate-limit bound, all in parallel.
  const boundMs = (Math.ceil(pagesPerAccount / 3) - 1) * 1000;
  aws.close();
  store.close();
  await emulator.close();
  return {
    name: 'digest',
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
    newCount: outcome.run?.summary.newCount,
    replies: outcome.run?.items.length,
    overflow: outcome.run?.summary.overflow,
    wallMs: Math.round(wallMs),
    rateLimitBoundMs: boundMs,
    ratio: Number((wallMs / boundMs).toFixed(2)),
    // The whole benchmark process (it also built the 20,000-finding state), and what the digest added.
    peakRssMb: Math.round(peakRss / 1024 / 1024),
    rssBeforeDigestMb: Math.round(rssBefore / 1024 / 1024),
  };
}
