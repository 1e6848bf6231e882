import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { Config } from '../../src/config/schema.ts';
import { type DigestDeps, type DigestPoster, runDigest } from '../../src/digest/run.ts';
import { digestPoster } from '../../src/document/digest-doc.ts';
import type { DocPoster } from '../../src/document/doc.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { staticAccountDirectory } from '../../src/organization/directory.ts';
import { createCliPoster } from '../../src/slack/poster.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { botToken } from '../helpers/bot.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';

const config = Config.parse({
  defaultLanguage: 'en',
  accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
  channels: [{ id: CHANNEL, accounts: ['prod'], digest: { language: 'en' } }],
});

let aws: AwsEmulator;
let slack: SlackEmulator;
let port: ReturnType<typeof createAwsPort>;
beforeAll(async () => {
  aws = await startAwsEmulator({
    state: ownAccountState(PROD, TOKYO, {
      'S3.8': [{ id: 'prod-assets', compliance: 'NON_COMPLIANT' }],
      'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }],
      'IAM.3': [{ id: 'AIDAEXAMPLEKEY', compliance: 'NON_COMPLIANT' }],
    }),
  });
  slack = await startSlackEmulator({ botToken, channels: { [CHANNEL]: { name: 'security', member: true } } });
  useAwsEndpoint(aws.url);
  port = createAwsPort({ maxAttempts: 1 });
});
afterAll(async () => {
  port.close();
  await slack.close();
  await aws.close();
});

/** A real poster to the Slack emulator that stalls before its `stallAt`-th message until released. */
function stallingPoster(stallAt: number) {
  const real = digestPoster(
    createCliPoster({ SLACK_BOT_TOKEN: botToken, SLACK_API_URL: slack.url }) as DocPoster,
    loadCatalog(),
    createI18n(),
  );
  let count = 0;
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let stalled: () => void = () => {};
  const reached = new Promise<void>((r) => {
    stalled = r;
  });
  const poster: DigestPoster = {
    async post(channel, doc, threadTs, beforeSend) {
      count += 1;
      if (count === stallAt) {
        stalled();
        await released;
      }
      return real.post(channel, doc, threadTs, beforeSend);
    },
  };
  return { poster, reached, release };
}

function freshStore(clock: { at: number }) {
  const path = join(mkdtempSync(join(tmpdir(), 'fsbp-lease-')), 'fsbp.db');
  return openSqliteStore({ path, now: () => clock.at });
}

function deps(
  store: DigestDeps['store'],
  clock: { at: number },
  poster: DigestPoster,
  lease: DigestDeps['lease'],
): DigestDeps {
  return {
    config,
    accounts: staticAccountDirectory(config),
    store,
    aws: port,
    poster,
    now: () => clock.at,
    lease,
  };
}

/** Each digest message's text: the parent once, then one reply per control. */
function postedTexts(since: number): string[] {
  return slack
    .messages(CHANNEL)
    .slice(since)
    .map((m) => JSON.stringify(m.blocks));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('digest leases', () => {
  it('a run longer than its lease keeps it by renewing: `digest now` meanwhile is refused, nothing is posted twice', async () => {
    const clock = { at: Date.parse('2026-12-01T00:00:00Z') };
    const store = freshStore(clock);
    const before = slack.messages(CHANNEL).length;
    const a = stallingPoster(3);
    const lease = { ttlMs: 1000, renewEveryMs: 10 };
    const first = runDigest(deps(store, clock, a.poster, lease), CHANNEL);
    await a.reached;
    // The run stalls for twice its TTL on the store's clock, renewing all along.
    for (let i = 0; i < 5; i++) {
      clock.at += 400;
      await sleep(60);
    }
    const second = await runDigest(deps(store, clock, stallingPoster(0).poster, lease), CHANNEL);
    expect(second.status).toBe('locked');
    a.release();
    expect((await first).status).toBe('posted');
    const texts = postedTexts(before);
    expect(texts).toHaveLength(4);
    expect(new Set(texts).size).toBe(4);
    await store.close();
  });

  it('a stalled holder whose lease was taken over stops: the new holder completes the run, every reply once', async () => {
    const clock = { at: Date.parse('2026-12-01T00:00:00Z') };
    const store = freshStore(clock);
    const before = slack.messages(CHANNEL).length;
    const a = stallingPoster(3);
    // No background renewal: the holder is stalled (a long GC pause, a frozen container).
    const lease = { ttlMs: 1000, renewEveryMs: 3_600_000 };
    const first = runDigest(deps(store, clock, a.poster, lease), CHANNEL);
    await a.reached;
    clock.at += 1500;
    const second = await runDigest(deps(store, clock, stallingPoster(0).poster, lease), CHANNEL);
    expect(second.status).toBe('resumed');
    expect(second.postedMessages).toBe(2);
    a.release();
    const outcome = await first;
    expect(outcome.status).toBe('taken-over');
    expect(outcome.postedMessages).toBe(2);
    const texts = postedTexts(before);
    expect(texts).toHaveLength(4);
    expect(new Set(texts).size).toBe(4);
    await store.close();
  });
});
