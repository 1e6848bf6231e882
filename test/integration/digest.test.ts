import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { ownAccountState, setNextEvaluation } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';

const config = {
  defaultLanguage: 'en',
  accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
  channels: [
    {
      id: CHANNEL,
      accounts: ['prod'],
      digest: { schedule: '0 9 * * *', timezone: 'Asia/Tokyo', language: 'both' },
    },
  ], // These tests re-evaluate on purpose, back to back.
  check: { reevaluateAfter: 0 },
  // Digests run back to back here, and the user switching them is a manager.
  digest: { nowCooldownMinutes: 0, managers: { allowedUsers: ['U0EN00001'] } },
};

function state() {
  const built = ownAccountState(PROD, TOKYO, {
    'S3.8': [
      { id: 'prod-assets', compliance: 'NON_COMPLIANT' },
      { id: 'prod-backup', compliance: 'NON_COMPLIANT' },
      { id: 'prod-site', compliance: 'NON_COMPLIANT', suppressed: true },
      { id: 'prod-logs', compliance: 'COMPLIANT' },
    ],
    'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }],
    'IAM.3': [{ id: 'AIDAEXAMPLEKEY', compliance: 'NON_COMPLIANT' }],
    'KMS.3': [{ id: 'key-1', compliance: 'NON_COMPLIANT' }],
  });
  return { ...built, startEvaluationMinIntervalMs: 0 };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state: state(), config });
});
afterAll(() => h.stop());

/** Thread replies under a parent, in order. */
function replies(parent: StoredMessage): StoredMessage[] {
  return h.slack.messages(CHANNEL).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
}

function digestParents(): StoredMessage[] {
  // A parent carries no thread_ts, or its own ts once it has replies (as in Slack).
  return h.slack
    .messages(CHANNEL)
    .filter((m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks).includes('FSBP'));
}

async function digestNow(): Promise<StoredMessage> {
  const before = digestParents().length;
  const reply = await h.slash('digest now', { user: 'U0EN00001' });
  expect(reply.status).toBe(200);
  await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
  const parents = digestParents();
  expect(parents.length).toBe(before + 1);
  return parents.at(-1) as StoredMessage;
}

describe('the morning digest', () => {
  beforeEach(() => {
    h.slack.clearCalls();
  });

  it('first run: a parent with counts and one reply per new failing control, suppressed findings left out', async () => {
    const parent = await digestNow();
    const text = JSON.stringify(parent.blocks);
    expect(text).toContain('FSBP ダイジェスト');
    expect(text).toContain('FSBP digest');
    expect(text).toContain('First digest in this channel.');
    const threads = replies(parent);
    expect(threads).toHaveLength(4);
    const all = JSON.stringify(threads.map((m) => m.blocks));
    expect(all).toContain('EC2.19');
    expect(all).toContain('prod-assets');
    expect(all).toContain('prod-backup');
    expect(all).not.toContain('prod-site');
    expect(all).not.toContain('prod-logs');
    // Both languages, Japanese first, and a Suppress button whose value is a short key, not an ARN.
    expect(all.indexOf('チェック内容')).toBeLessThan(all.indexOf('What it checks'));
    const buttons = threads.flatMap((m) => JSON.stringify(m.blocks).match(/"value":"([^"]+)"/g) ?? []);
    expect(buttons).toHaveLength(4);
    for (const b of buttons) expect(b).not.toContain('arn:');
    // The most severe first.
    expect(JSON.stringify(threads[0]?.blocks)).toContain('EC2.19');
  });

  it('second run with nothing changed: a short parent and no replies', async () => {
    const parent = await digestNow();
    expect(JSON.stringify(parent.blocks)).toContain('No new failures since the last digest.');
    expect(JSON.stringify(parent.blocks)).toContain('Unchanged since the previous digest');
    expect(replies(parent)).toHaveLength(0);
  });

  it('resumes a run that crashed after the third reply: every reply exactly once', async () => {
    h.aws.setState(state());
    // A fresh channel state: forget what was reported by giving the emulator new finding IDs.
    const watch = (async () => {
      await eventually(
        () => h.slack.calls('chat.postMessage').filter((c) => c.args.thread_ts).length >= 3,
        30_000,
      );
      h.slack.fail('chat.postMessage', { error: 'fatal_error' }, 1);
    })();
    const crashed = await h.slash('digest now', { user: 'U0EN00001' });
    await watch;
    const error = await eventually(() => h.slack.responses(crashed.responseUrl)[0], 30_000);
    expect(JSON.stringify(error.body)).toContain('Something went wrong');
    const parent = digestParents().at(-1) as StoredMessage;
    expect(replies(parent)).toHaveLength(3);
    const again = await h.slash('digest now', { user: 'U0EN00001' });
    await eventually(() => h.slack.responses(again.responseUrl)[0], 30_000);
    const all = replies(parent);
    expect(all).toHaveLength(4);
    const keys = all.map((m) => /"value":"([^"]+)"/.exec(JSON.stringify(m.blocks))?.[1]);
    expect(new Set(keys).size).toBe(4);
    expect(digestParents().at(-1)?.ts).toBe(parent.ts);
  });

  it('two runs at once post one digest', async () => {
    h.aws.setState(state());
    const before = digestParents().length;
    const [a, b] = await Promise.all([
      h.slash('digest now', { user: 'U0EN00001' }),
      h.slash('digest now', { user: 'U0EN00001' }),
    ]);
    await eventually(
      () => h.slack.responses(a.responseUrl)[0] && h.slack.responses(b.responseUrl)[0],
      30_000,
    );
    const answers = [h.slack.responses(a.responseUrl)[0], h.slack.responses(b.responseUrl)[0]].map((r) =>
      JSON.stringify(r?.body),
    );
    expect(answers.filter((x) => x.includes('already being posted'))).toHaveLength(1);
    expect(digestParents().length).toBe(before + 1);
    expect(replies(digestParents().at(-1) as StoredMessage)).toHaveLength(4);
  });

  it('429s from Slack delay replies but lose and duplicate none', async () => {
    h.aws.setState(state());
    h.slack.fail('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    const parent = await digestNow();
    const threads = replies(parent);
    expect(threads).toHaveLength(4);
    expect(h.slack.calls('chat.postMessage').filter((c) => c.status === 429)).toHaveLength(2);
  });
});

describe('what counts as new', () => {
  function stateWithNext() {
    return {
      ...state(),
      accounts: ownAccountState(PROD, TOKYO, {
        'S3.8': [
          { id: 'prod-assets', compliance: 'NON_COMPLIANT' },
          { id: 'prod-backup', compliance: 'NON_COMPLIANT', next: 'COMPLIANT' },
        ],
        'EC2.19': [
          { id: 'sg-0abc', compliance: 'NON_COMPLIANT' },
          { id: 'sg-0new', compliance: 'COMPLIANT', next: 'NON_COMPLIANT', noFinding: true },
        ],
      }).accounts,
    };
  }

  async function checkNow(target: string) {
    const updates = h.slack.calls('chat.update').length;
    await h.slash(`check ${target}`, { user: 'U0EN00001' });
    await eventually(() => h.slack.calls('chat.update').length > updates, 30_000);
  }

  function itemsOf(parent: StoredMessage): string {
    return JSON.stringify(replies(parent).map((m) => m.blocks));
  }

  it('after a re-evaluation, only the newly failing resource is in the next digest', async () => {
    h.aws.setState(stateWithNext());
    await digestNow();
    await checkNow('EC2.19');
    const parent = await digestNow();
    expect(replies(parent)).toHaveLength(1);
    expect(itemsOf(parent)).toContain('sg-0new');
    expect(itemsOf(parent)).not.toContain('sg-0abc');
  });

  it('a finding that was resolved and fails again is reported again', async () => {
    await checkNow('S3.8');
    const resolved = await digestNow();
    expect(replies(resolved)).toHaveLength(0);
    expect(JSON.stringify(resolved.blocks)).toContain('1 resolved.');
    // The bucket breaks again: Security Hub sets the same finding back to FAILED / NEW.
    setNextEvaluation(h.aws, { accountId: PROD, region: TOKYO, controlId: 'S3.8' }, 'NON_COMPLIANT');
    await checkNow('S3.8');
    const again = await digestNow();
    expect(replies(again)).toHaveLength(1);
    expect(itemsOf(again)).toContain('prod-backup');
    expect(itemsOf(again)).not.toContain('prod-assets');
  });
});

describe('digest controls', () => {
  it('switches off and on, and says when it runs next', async () => {
    const off = await h.slash('digest off', { user: 'U0EN00001' });
    const offReply = await eventually(() => h.slack.responses(off.responseUrl)[0]);
    expect(JSON.stringify(offReply.body)).toContain('digest is off');
    const status = await h.slash('digest status', { user: 'U0EN00001' });
    const offStatus = JSON.stringify((await eventually(() => h.slack.responses(status.responseUrl)[0])).body);
    expect(offStatus).toContain('Digest: off');
    expect(off.status).toBe(200);
    const on = await h.slash('digest on', { user: 'U0EN00001' });
    const onReply = await eventually(() => h.slack.responses(on.responseUrl)[0]);
    expect(JSON.stringify(onReply.body)).toContain('digest is on');
    const again = await h.slash('digest status', { user: 'U0EN00001' });
    const onStatus = JSON.stringify((await eventually(() => h.slack.responses(again.responseUrl)[0])).body);
    expect(onStatus).toContain('Digest: on');
    // 09:00 in Tokyo is 00:00 UTC.
    expect(onStatus).toMatch(/Next run: \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
  });

  it('runs from the CLI as a dry run with JSON, posting nothing', async () => {
    const { runWithConfig } = await import('../helpers/cli.ts');
    h.aws.setState(state());
    const posts = h.slack.calls('chat.postMessage').length;
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/fsbp-dry-`);
    const run = await runWithConfig(config, ['digest', '--channel', CHANNEL, '--dry-run', '--json'], {
      FSBP_STORE: `${dir}/fsbp.db`,
    });
    expect(run.code).toBe(0);
    const outcome = JSON.parse(run.stdout);
    expect(outcome).toMatchObject({ status: 'dry-run', channel: CHANNEL, run: { summary: { newCount: 5 } } });
    expect(outcome.run.items.map((i: { controlId: string }) => i.controlId)).toEqual([
      'EC2.19',
      'KMS.3',
      'S3.8',
      'IAM.3',
    ]);
    expect(h.slack.calls('chat.postMessage').length).toBe(posts);
  });
});
