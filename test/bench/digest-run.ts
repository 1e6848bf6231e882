/**
 * The digest side of the digest benchmark, in a process of its own (as the bot would be): reads the
 * config and store path from the environment, runs one dry-run digest, prints its figures as JSON.
 * Its peak RSS (VmHWM) is the bot's, without the parent's 20,000-finding test state.
 */
import { readFileSync } from 'node:fs';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { runDigest } from '../../src/digest/run.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const config = Config.parse(JSON.parse(readFileSync(process.env.BENCH_CONFIG as string, 'utf8')));
const store = openSqliteStore({ path: process.env.FSBP_STORE as string });
const aws = createAwsPort();
const channel = config.channels[0]?.id as string;
const started = performance.now();
const outcome = await runDigest({ config, store, aws }, channel, {
  dryRun: true,
});
const wallMs = performance.now() - started;
aws.close();
await store.close();
const status = readFileSync('/proc/self/status', 'utf8');
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
process.stdout.write(
  JSON.stringify({
    wallMs,
    peakRssMb: Math.round(peakKb / 1024),
    newCount: outcome.run?.summary.newCount,
    replies: outcome.run?.items.length,
    overflow: outcome.run?.summary.overflow,
  }),
);
