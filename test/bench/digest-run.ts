/**
 * The digest side of the digest benchmark, in a process of its own (as the bot would be): reads the
 * config and store location from the environment, runs one digest that posts to an instant poster,
 * prints its figures as JSON. Its peak RSS (VmHWM) is the bot's, without the parent's test state.
 */
import { readFileSync } from 'node:fs';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { type DigestPoster, runDigest } from '../../src/digest/run.ts';
import { staticAccountDirectory } from '../../src/organization/directory.ts';
import { openStore, parseStoreLocation } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';

/** Store calls made for each posted message: the lease renewal before it and the record after it. */
const perPost = new Set(['renewLease', 'setDigestParent', 'recordDigestItem']);

const config = Config.parse(JSON.parse(readFileSync(process.env.BENCH_CONFIG as string, 'utf8')));
const opened = await openStore(parseStoreLocation(process.env.FSBP_STORE));
let storeMs = 0;
const store = new Proxy(opened, {
  get(target, name, receiver) {
    const value = Reflect.get(target, name, receiver);
    if (typeof value !== 'function' || !perPost.has(String(name))) return value;
    return async (...args: unknown[]) => {
      const started = performance.now();
      try {
        return await value.apply(target, args);
      } finally {
        storeMs += performance.now() - started;
      }
    };
  },
}) as Store;
let posted = 0;
const poster: DigestPoster = {
  async post(_channel, _message, _threadTs, beforeSend) {
    await beforeSend?.();
    posted += 1;
    return `1700000000.${String(posted).padStart(6, '0')}`;
  },
};
const aws = createAwsPort();
const channel = config.channels[0]?.id as string;
const started = performance.now();
const outcome = await runDigest(
  { config, accounts: staticAccountDirectory(config), store, aws, poster },
  channel,
);
const wallMs = performance.now() - started;
const run = await store.lastDigest(channel);
aws.close();
await store.close();
const status = readFileSync('/proc/self/status', 'utf8');
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
process.stdout.write(
  JSON.stringify({
    wallMs,
    peakRssMb: Math.round(peakKb / 1024),
    newCount: run?.summary.newCount,
    replies: run?.items.length,
    overflow: run?.summary.overflow,
    status: outcome.status,
    posted,
    storeMsPerReply: storeMs / Math.max(1, posted),
  }),
);
