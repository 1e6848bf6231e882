import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';

/**
 * Item 1 of the hardening issue: slash-command checks and background work (the digest) each have
 * their own AWS call budget. Deterministic, not timed: Config is made to hold every call, 16 checks
 * fill the interactive budget, and the digest (Security Hub only) must still finish while they wait.
 */

const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
const accountIds = Array.from({ length: 8 }, (_, i) => `${i + 1}`.repeat(12));
const userIds = Array.from({ length: 16 }, (_, i) => `U0CHECK${String(i).padStart(3, '0')}`);
// Each check in its own channel: Slack's one post per second per channel would otherwise pace them.
const checkChannels = userIds.map((_, i) => `C0CHECK${String(i).padStart(4, '0')}`);
const allAccounts = accountIds.map((_, i) => `acct${i}`);

const config = {
  defaultLanguage: 'en',
  accounts: accountIds.map((id, i) => ({
    id,
    name: `acct${i}`,
    roleArn: `arn:aws:iam::${id}:role/FsbpBotRole`,
    regions: [TOKYO],
  })),
  channels: [CHANNEL, ...checkChannels].map((id) => ({ id, accounts: allAccounts })),
};

const state = {
  ...buildState(
    accountIds.map((id) => ({
      id,
      role: { name: 'FsbpBotRole' },
      regions: {
        [TOKYO]: {
          controls: {
            'EC2.19': [{ id: `sg-${id}`, compliance: 'NON_COMPLIANT' as const }],
          },
        },
      },
    })),
  ),
  startEvaluationMinIntervalMs: 0,
};

/** Long enough that no held Config call can finish while the test runs. */
const holdConfigMs = 45_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    state,
    config,
    users: Object.fromEntries(userIds.map((id) => [id, { name: id.toLowerCase(), locale: 'en-US' }])),
    channels: Object.fromEntries(
      [CHANNEL, ...checkChannels].map((id) => [id, { name: id.toLowerCase(), member: true }]),
    ),
    env: { FSBP_CONCURRENCY: '8', FSBP_BACKGROUND_CONCURRENCY: '8', FSBP_COMMAND_CONCURRENCY: '16' },
  });
});
afterAll(async () => {
  h.aws.setFaults({ latencyMs: 0 });
  await h.stop();
});

describe('AWS call budgets', () => {
  it('a digest finishes while 16 checks hold every interactive AWS call slot', {
    timeout: 40_000,
  }, async () => {
    h.aws.setFaults({ latencyMs: holdConfigMs, services: ['config'] });
    await Promise.all(userIds.map((user, i) => h.slash('check all', { user, channel: checkChannels[i] })));
    // Every check has begun (its placeholder is posted) and is waiting on Config.
    await eventually(
      () =>
        h.slack.calls('chat.postMessage').filter((c) => String(c.args.text).startsWith('Checking')).length ===
        16,
    );
    // Each check has its sessions (16 users x 8 accounts), so its next call is to Config and is held.
    await eventually(() => h.aws.calls().filter((c) => c.operation === 'AssumeRole').length >= 128);
    await new Promise((resolve) => setTimeout(resolve, 200));

    // Well within the held Config calls: if the digest queued behind them, it is still waiting here.
    const outcome = await Promise.race([
      h.bot.runDigest(CHANNEL),
      new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), holdConfigMs / 2)),
    ]);
    if (outcome === 'still waiting') expect.fail('the digest is stuck behind the checks');
    expect(outcome.status).toBe('posted');
    // A parent and one reply per account (its failing EC2.19).
    expect(outcome.postedMessages).toBe(1 + accountIds.length);
    expect(outcome.run?.items.every((item) => item.ts)).toBe(true);
    // The checks are all still waiting: no Config call has come back, no result was posted.
    expect(h.aws.calls().filter((c) => c.service === 'config')).toEqual([]);
    expect(h.slack.calls('chat.update')).toEqual([]);
  });
});
