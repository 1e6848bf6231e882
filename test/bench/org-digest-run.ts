/**
 * The digest side of the organization benchmark, in a process of its own (as the bot would be): reads
 * the config, the routing and the store location from the environment, runs every channel's digest
 * from one administrator stream, posting to an instant poster, and prints its figures as JSON. Its peak
 * RSS (VmHWM) is the bot's alone.
 */
import { readFileSync } from 'node:fs';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { runOrganizationDigests } from '../../src/digest/org-run.ts';
import type { DigestPoster } from '../../src/digest/run.ts';
import { createAccountDirectory } from '../../src/organization/directory.ts';
import { openStore, parseStoreLocation } from '../../src/store/open.ts';

const config = Config.parse(JSON.parse(readFileSync(process.env.BENCH_CONFIG as string, 'utf8')));
const store = await openStore(parseStoreLocation(process.env.FSBP_STORE));
let posted = 0;
const poster: DigestPoster = {
  async post(_channel, _message, _threadTs, beforeSend) {
    await beforeSend?.();
    posted += 1;
    return `1700000000.${String(posted).padStart(6, '0')}`;
  },
};
const aws = createAwsPort();
const org = config.organization;
if (!org) throw new Error('the benchmark config is in organization mode');
// The discovery the parent saved in the store: read, not repeated (no AWS call for it here).
const accounts = createAccountDirectory({
  config,
  store,
  reader: () => aws.organization(org),
  holder: 'bench',
});
const channels = config.channels.map((c) => c.id);
const started = performance.now();
const outcomes = await runOrganizationDigests(
  { config, accounts, store, aws: aws.background, poster },
  channels,
);
const wallMs = performance.now() - started;
aws.close();
await store.close();
const status = readFileSync('/proc/self/status', 'utf8');
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
process.stdout.write(
  JSON.stringify({
    wallMs,
    peakRssMb: Math.round(peakKb / 1024),
    statuses: [...new Set(outcomes.map((o) => o.status))],
    newCount: outcomes.reduce((n, o) => n + (o.run?.summary.newCount ?? 0), 0),
    failing: outcomes.reduce(
      (n, o) => n + Object.values(o.run?.summary.failing ?? {}).reduce((a, b) => a + b, 0),
      0,
    ),
    replies: outcomes.reduce((n, o) => n + (o.run?.items.length ?? 0), 0),
    posted,
  }),
);
