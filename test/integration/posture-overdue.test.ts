import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { blockActionPayload, interactionBody, postToBot } from '../emulator/slack/signing.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { eventually, type Harness, signingSecret, startHarness } from '../helpers/bot.ts';
import { runWithConfig } from '../helpers/cli.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
const MEMBER = 'U0EN00001';

/**
 * The channel's digest posts HIGH and above; its SLA makes MEDIUM and LOW failures overdue sooner.
 * The helper's findings carry FirstObservedAt 2026-11-01T00:00Z; on 2026-11-30 in Tokyo they are 29
 * days old: CRITICAL (7) 22 days over, HIGH (30) not over, MEDIUM (10) 19 over, LOW (20) 9 over.
 */
const config = {
  defaultLanguage: 'en',
  accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
  channels: [
    {
      id: CHANNEL,
      accounts: ['prod'],
      digest: { schedule: '0 9 * * *', timezone: 'Asia/Tokyo', language: 'en', minSeverity: 'HIGH' },
      sla: { MEDIUM: 10, LOW: 20 },
    },
  ],
  digest: { nowCooldownMinutes: 0 },
};

function state(opts: { mediumFixed?: boolean } = {}) {
  return {
    ...ownAccountState(PROD, TOKYO, {
      'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }], // CRITICAL
      'S3.8': [{ id: 'prod-assets', compliance: 'NON_COMPLIANT' }], // HIGH
      'IAM.3': opts.mediumFixed ? [] : [{ id: 'AIDAEXAMPLEKEY', compliance: 'NON_COMPLIANT' }], // MEDIUM
      'AutoScaling.1': [{ id: 'asg-web', compliance: 'NON_COMPLIANT' }], // LOW
    }),
    startEvaluationMinIntervalMs: 0,
  };
}

let clock = Date.parse('2026-11-30T01:00:00.000Z'); // 10:00 JST, a Monday
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state: state(), config, now: () => clock });
});
afterAll(() => h.stop());

function parents(): StoredMessage[] {
  return h.slack
    .messages(CHANNEL)
    .filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks).includes('FSBP'));
}

async function digestNow(): Promise<{ parent: StoredMessage; replies: StoredMessage[] }> {
  const before = parents().length;
  const reply = await h.slash('digest now', { user: MEMBER });
  expect(reply.status).toBe(200);
  await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
  const parent = parents()[before] as StoredMessage;
  const replies = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
  return { parent, replies };
}

async function clickOverdue(channel: string, parentTs: string) {
  const responseUrl = h.slack.responseUrl({ channel, messageTs: parentTs });
  const payload = blockActionPayload({
    user: MEMBER,
    channel,
    message_ts: parentTs,
    action_id: 'overdue_show',
    value: 'overdue',
    response_url: responseUrl,
    trigger_id: h.slack.mintTriggerId(),
  });
  const reply = await postToBot(h.url, interactionBody(payload), { secret: signingSecret });
  expect(reply.status).toBe(200);
  return (await eventually(() => h.slack.responses(responseUrl)[0], 30_000)).body as {
    response_type?: string;
    replace_original?: boolean;
    blocks: unknown[];
  };
}

let first: { parent: StoredMessage; replies: StoredMessage[] };

describe('posture history at every severity, the digest at minSeverity', () => {
  it('records MEDIUM and LOW failures in the history while the replies stay at HIGH and above', async () => {
    first = await digestNow();
    const replies = JSON.stringify(first.replies.map((r) => r.blocks));
    expect(first.replies).toHaveLength(2);
    expect(replies).toContain('EC2.19');
    expect(replies).toContain('S3.8');
    expect(replies).not.toContain('IAM.3');
    expect(replies).not.toContain('AutoScaling.1');
    const store = openSqliteStore({ path: h.storePath });
    const open = await store.openFailures([PROD]);
    await store.close();
    expect(open.map((f) => `${f.controlId} ${f.severity}`).sort()).toEqual([
      'AutoScaling.1 LOW',
      'EC2.19 CRITICAL',
      'IAM.3 MEDIUM',
      'S3.8 HIGH',
    ]);
  });

  it("the parent's overdue line counts every severity against the channel's SLA, with a button instead of a console link", async () => {
    const text = JSON.stringify(first.parent.blocks);
    expect(text).toContain('Overdue (past SLA): 3');
    expect(text).toContain('Critical 1 · High 0 · Medium 1 · Low 1');
    expect(text).not.toContain('securityhub/home');
    const button = (first.parent.blocks ?? [])
      .flatMap((b) => (b as { elements?: { action_id?: string }[] }).elements ?? [])
      .find((e) => e.action_id === 'overdue_show');
    expect(button).toBeDefined();
  });

  it('a failure below minSeverity that stops failing gets its resolution time', async () => {
    clock += 60 * 60_000;
    h.aws.setState(state({ mediumFixed: true }));
    // New finding IDs for the same resources: the old ones are resolved, the new ones opened.
    await digestNow();
    const store = openSqliteStore({ path: h.storePath });
    const episodes = await store.failuresBetween({ accountIds: [PROD], from: '2026-11-01T00:00:00.000Z' });
    const open = await store.openFailures([PROD]);
    await store.close();
    const iam = episodes.filter((f) => f.controlId === 'IAM.3');
    expect(iam).toHaveLength(1);
    expect(iam[0]?.resolvedAt).toBe(new Date(clock).toISOString());
    expect(open.map((f) => f.controlId).sort()).toEqual(['AutoScaling.1', 'EC2.19', 'S3.8']);
    // Put IAM.3 back for the list below.
    clock += 60 * 60_000;
    h.aws.setState(state());
    await digestNow();
  });
});

describe('the list behind the overdue line', () => {
  it("the parent's button shows the clicker, privately, exactly the overdue failures, most days over first", async () => {
    const posted = h.slack.calls('chat.postMessage').length;
    const body = await clickOverdue(CHANNEL, first.parent.ts);
    expect(body.response_type).toBe('ephemeral');
    expect(body.replace_original).toBe(false);
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('Overdue failures (past SLA): 3');
    expect(text).toContain('sg-0abc');
    expect(text).toContain('AIDAEXAMPLEKEY');
    expect(text).toContain('asg-web');
    // HIGH is 29 days into its 30: not overdue, not listed.
    expect(text).not.toContain('prod-assets');
    expect(text.indexOf('sg-0abc')).toBeLessThan(text.indexOf('AIDAEXAMPLEKEY'));
    expect(text.indexOf('AIDAEXAMPLEKEY')).toBeLessThan(text.indexOf('asg-web'));
    expect(text).toContain('Overdue: 22 day(s) past the SLA');
    // Nothing posted in the channel for it.
    expect(h.slack.calls('chat.postMessage').length).toBe(posted);
  });

  it('a replayed button in a channel without accounts lists nothing and says so, privately', async () => {
    const body = await clickOverdue('C0NOACCOUNT', first.parent.ts);
    const text = JSON.stringify(body.blocks);
    expect(text).toContain('This channel has no AWS accounts');
    expect(text).not.toContain('sg-0abc');
  });

  it('`/fsbp overdue` in the channel and `fsbp overdue --channel` in the terminal give the same list', async () => {
    const reply = await h.slash('overdue', { user: MEMBER });
    const answer = await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
    expect(JSON.stringify(answer.body)).toContain('Overdue failures (past SLA): 3');
    const run = await runWithConfig(config, ['overdue', '--channel', CHANNEL, '--json'], {
      FSBP_STORE: h.storePath,
    });
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { controlId: string; daysOver: number }[];
    // The terminal's clock is the real one, later than the bot's here: the same three, more days over
    // (and HIGH too once its 30 days are past).
    expect(listed.map((f) => f.controlId)).toEqual(
      expect.arrayContaining(['EC2.19', 'IAM.3', 'AutoScaling.1']),
    );
    expect(listed.every((f) => f.daysOver > 0)).toBe(true);
  });
});
