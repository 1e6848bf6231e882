import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';

/**
 * Items 1, 5 and 6 of the hardening issue, replayed through the real Bolt receiver: what a channel
 * member can make the bot do, and what the channel gets to see.
 */

const PROD = '111111111111';
const BROKEN = '444444444444';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
const TARO = 'U0JA00001';
const ALICE = 'U0EN00001';
const MALLORY = 'U0MALLORY1';

const config = {
  defaultLanguage: 'en',
  accounts: [
    { id: PROD, name: 'prod', roleArn: `arn:aws:iam::${PROD}:role/FsbpBotRole`, regions: [TOKYO] },
    // Its ExternalId is wrong: AssumeRole is refused with a message naming the bot's own principal.
    {
      id: BROKEN,
      name: 'broken',
      roleArn: `arn:aws:iam::${BROKEN}:role/FsbpBotRole`,
      externalId: 'not-the-right-one',
      regions: [TOKYO],
    },
    { id: '333333333333', name: 'secret-m-and-a', regions: [TOKYO] },
  ],
  channels: [{ id: CHANNEL, accounts: ['prod', 'broken'] }],
  suppression: { allowedUsers: [TARO] },
};

const state = {
  ...buildState([
    {
      id: PROD,
      role: { name: 'FsbpBotRole' },
      regions: { [TOKYO]: { controls: { 'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }] } } },
    },
    {
      id: BROKEN,
      role: { name: 'FsbpBotRole', externalId: 'the-right-one' },
      regions: { [TOKYO]: { controls: { 'EC2.19': [{ id: 'sg-0def', compliance: 'NON_COMPLIANT' }] } } },
    },
  ]),
  startEvaluationMinIntervalMs: 0,
};

const users = {
  [TARO]: { name: 'taro', locale: 'ja-JP' },
  [ALICE]: { name: 'alice', locale: 'en-US' },
  [MALLORY]: { name: 'mallory', locale: 'en-US' },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state, config, users });
});
afterAll(() => h.stop());
afterEach(() => h.aws.setFaults({ latencyMs: 0 }));

const text = (value: unknown) => JSON.stringify(value);

/** The asker's private answer to a slash command (a response_url post). */
async function privateAnswer(responseUrl: string) {
  const answer = await eventually(() => h.slack.responses(responseUrl)[0]);
  expect((answer.body as { response_type?: string }).response_type).toBe('ephemeral');
  return text(answer.body);
}

const channelPosts = () => h.slack.calls('chat.postMessage').filter((c) => c.args.channel === CHANNEL);

describe('refusals go to the asker only and name nothing outside the channel', () => {
  it('an account of another channel is unknown here, and only this channel’s accounts are listed', async () => {
    const posts = channelPosts().length;
    for (const ref of ['secret-m-and-a', 'nonexistent']) {
      const reply = await h.slash(`check EC2.19 --account ${ref}`, { user: ALICE });
      const answer = await privateAnswer(reply.responseUrl);
      expect(answer).toContain(`Unknown account \\"${ref}\\". Accounts you can use here: prod, broken`);
      expect(answer).toContain('ここで使えるアカウント: prod, broken');
      if (ref !== 'secret-m-and-a') expect(answer).not.toContain('secret-m-and-a');
      expect(answer).not.toContain('333333333333');
    }
    // Nothing was posted in the channel: no "Checking ..." before the input was validated.
    expect(channelPosts().length).toBe(posts);
  });

  it('a channel without accounts and an unconfigured Region are refused privately, before any post', async () => {
    const posts = h.slack.calls('chat.postMessage').length;
    const none = await h.slash('check S3', { channel: 'C0NOACCOUNT', user: ALICE });
    expect(await privateAnswer(none.responseUrl)).toContain('This channel has no AWS accounts');
    const region = await h.slash('check S3 us-east-1', { user: ALICE });
    expect(await privateAnswer(region.responseUrl)).toContain(
      'Region \\"us-east-1\\" is not configured for -. Configured Regions: ap-northeast-1',
    );
    expect(h.slack.calls('chat.postMessage').length).toBe(posts);
  });

  it('an AWS refusal shows its code, the refused action and the request ID, never AWS’s message', async () => {
    const reply = await h.slash('check EC2.19 --account broken', { user: ALICE });
    expect(reply.status).toBe(200);
    const result = await eventually(() =>
      h.slack.messages(CHANNEL).find((m) => text(m.blocks).includes('could not be checked')),
    );
    const shown = text(result.blocks);
    expect(shown).toContain('AccessDenied');
    expect(shown).toMatch(/AWS request ID: [\w-]+/);
    // AWS's text names the bot's principal: it is in the log, not in the channel.
    expect(shown).not.toContain('is not authorized');
    expect(shown).not.toContain('arn:aws:iam::000000000000');
    expect(h.logs.join('\n')).toContain('is not authorized to perform: sts:AssumeRole');
  });
});

describe('one check per user and channel', () => {
  it('a second check while the first runs gets a private "still running" with a link to the first', async () => {
    // Config answers slowly, so the first check is still running when the second arrives.
    h.aws.setFaults({ latencyMs: 1500, services: ['config'] });
    await h.slash('check EC2.19 --account prod', { user: ALICE });
    const placeholder = await eventually(() =>
      h.slack.messages(CHANNEL).find((m) => m.text.includes('Checking EC2.19 --account prod')),
    );
    const starts = h.aws.calls().length;
    const placeholders = () => channelPosts().filter((c) => !c.args.thread_ts).length;
    const posted = placeholders();
    const second = await h.slash('check all', { user: ALICE });
    const answer = await privateAnswer(second.responseUrl);
    expect(answer).toContain('Your check in this channel is still running');
    expect(answer).toContain(`/archives/${CHANNEL}/p${placeholder.ts.replace('.', '')}`);
    // Someone else may check at the same time.
    const other = await h.slash('check EC2.19 --account prod', { user: TARO });
    await eventually(() => placeholders() === posted + 1);
    expect(h.slack.responses(other.responseUrl)).toEqual([]);
    h.aws.setFaults({ latencyMs: 0 });
    // Once the first is over, the same user may check again.
    await eventually(
      () => h.slack.messages(CHANNEL).find((m) => m.ts === placeholder.ts && m.edited),
      30_000,
    );
    expect(h.aws.calls().length).toBeGreaterThan(starts);
    const third = await h.slash('check EC2.19 --account prod', { user: ALICE });
    await eventually(() => placeholders() === posted + 2);
    expect(h.slack.responses(third.responseUrl)).toEqual([]);
  });
});

describe('who may change the channel’s digest', () => {
  it('digest off needs a digest manager (by default the suppression policy); others change nothing', async () => {
    const refused = await h.slash('digest off', { user: MALLORY });
    const answer = await privateAnswer(refused.responseUrl);
    expect(answer).toContain('You are not allowed to do this: digest.managers');
    const status = await h.slash('digest status', { user: MALLORY });
    expect(await privateAnswer(status.responseUrl)).toContain('Digest: on');
    const allowed = await h.slash('digest off', { user: TARO });
    const done = await eventually(() => h.slack.responses(allowed.responseUrl)[0]);
    expect(text(done.body)).toContain('ダイジェストを無効にしました');
    const on = await h.slash('digest on', { user: TARO });
    await eventually(() => h.slack.responses(on.responseUrl)[0]);
  });

  it('digest now runs once per cooldown, says when it can run again, and remembers it across a restart', async () => {
    const first = await h.slash('digest now', { user: MALLORY });
    expect(text((await eventually(() => h.slack.responses(first.responseUrl)[0], 30_000)).body)).toContain(
      'Digest posted',
    );
    const getFindings = () => h.aws.calls().filter((c) => c.operation === 'GetFindings').length;
    const reads = getFindings();
    const again = await h.slash('digest now', { user: MALLORY });
    const answer = await privateAnswer(again.responseUrl);
    expect(answer).toMatch(
      /ran less than 10 minutes ago\. It can run again at \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
    );
    expect(answer).toContain('10 分以内に実行済みです');
    expect(getFindings()).toBe(reads);
    // A second bot on the same store (a restart, or a replica) refuses too.
    const replica = await startHarness({ state, config, users, env: { FSBP_STORE: h.storePath } });
    try {
      const there = await replica.slash('digest now', { user: MALLORY });
      const refused = await eventually(() => replica.slack.responses(there.responseUrl)[0]);
      expect(text(refused.body)).toContain('It can run again at');
    } finally {
      await replica.stop();
    }
  });
});
