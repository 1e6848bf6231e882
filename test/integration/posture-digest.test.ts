import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
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
  ],
  // The test runs `digest now` twice a minute apart (23:59 and 00:00), so no cooldown between them.
  digest: { nowCooldownMinutes: 0 },
};

/** The helper's findings carry FirstObservedAt 2026-11-01T00:00Z, 09:00 on the 1st in Tokyo. */
function state() {
  return {
    ...ownAccountState(PROD, TOKYO, {
      'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }],
      'S3.8': [{ id: 'prod-assets', compliance: 'NON_COMPLIANT' }],
    }),
    startEvaluationMinIntervalMs: 0,
  };
}

let clock = Date.parse('2026-11-08T14:59:00.000Z'); // 2026-11-08 23:59 JST: day 7
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
  const reply = await h.slash('digest now', { user: 'U0EN00001' });
  expect(reply.status).toBe(200);
  await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
  const parent = parents()[before] as StoredMessage;
  const replies = h.slack.messages(CHANNEL).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
  return { parent, replies };
}

describe('the digest against the SLA (CRITICAL: 7 days, Asia/Tokyo)', () => {
  it('on day 7 at 23:59 nothing is overdue', async () => {
    const { parent, replies } = await digestNow();
    expect(JSON.stringify(parent.blocks)).not.toContain('Overdue');
    expect(JSON.stringify(parent.blocks)).not.toContain('SLA 超過');
    // A Sunday: no weekly line, no chart.
    expect(JSON.stringify(parent.blocks)).not.toContain('This week');
    expect((parent.blocks ?? []).some((b) => (b as { type: string }).type === 'image')).toBe(false);
    expect(replies).toHaveLength(2);
    expect(JSON.stringify(replies.map((r) => r.blocks))).not.toContain('past the SLA');
  });

  it('at midnight starting day 8 (a Monday) the CRITICAL failure is overdue in the parent, which carries the week and the chart', async () => {
    clock = Date.parse('2026-11-08T15:00:00.000Z');
    const { parent } = await digestNow();
    const text = JSON.stringify(parent.blocks);
    expect(text).toContain('Overdue (past SLA): 1');
    expect(text).toContain('Critical 1 · High 0 · Medium 0 · Low 0');
    expect(text).toContain('SLA 超過: 1');
    // Both failures began (FirstObservedAt) more than 7 days ago: none new this week, none fixed.
    expect(text).toContain('This week: +0 new, −0 fixed, overdue 1');
    expect(text).toContain('今週: 新規 +0、修復済み −0、SLA 超過 1');
    const images = (parent.blocks ?? []).filter((b) => (b as { type: string }).type === 'image') as {
      slack_file: { id: string };
    }[];
    expect(images).toHaveLength(1);
    const file = h.slack.file(images[0]?.slack_file.id as string);
    expect(file?.completed).toBe(true);
    expect(file?.mimetype).toBe('image/png');
  });

  it('a reply for a finding already past its SLA says by how many days; the history records the rest', async () => {
    clock = Date.parse('2026-11-11T00:00:00.000Z'); // 09:00 on the 11th in Tokyo: 10 days old
    h.aws.setState(state()); // the same resources under new finding IDs: the old ones stop failing
    const { replies } = await digestNow();
    const critical = JSON.stringify(replies.find((r) => JSON.stringify(r.blocks).includes('EC2.19'))?.blocks);
    expect(critical).toContain('Overdue: 3 day(s) past the SLA');
    expect(critical).toContain('SLA を 3 日超過');
    const high = JSON.stringify(replies.find((r) => JSON.stringify(r.blocks).includes('S3.8'))?.blocks);
    expect(high).not.toContain('past the SLA');
    const db = new Database(h.storePath, { readonly: true });
    const rows = db
      .prepare('SELECT control_id, since, resolved_at FROM posture_failure ORDER BY id')
      .all() as { control_id: string; since: string; resolved_at: string | null }[];
    db.close();
    expect(rows).toEqual([
      { control_id: 'EC2.19', since: '2026-11-01T00:00:00.000Z', resolved_at: '2026-11-11T00:00:00.000Z' },
      { control_id: 'S3.8', since: '2026-11-01T00:00:00.000Z', resolved_at: '2026-11-11T00:00:00.000Z' },
      { control_id: 'EC2.19', since: '2026-11-01T00:00:00.000Z', resolved_at: null },
      { control_id: 'S3.8', since: '2026-11-01T00:00:00.000Z', resolved_at: null },
    ]);
  });

  it("the next Monday's week counts the two fixed on the 11th, and the chart is drawn from the same counts", async () => {
    clock = Date.parse('2026-11-15T15:00:00.000Z'); // 00:00 on Monday the 16th in Tokyo
    const { parent } = await digestNow();
    const text = JSON.stringify(parent.blocks);
    // The new finding IDs began (FirstObservedAt) on the 1st: not new this week.
    expect(text).toContain('This week: +0 new, −2 fixed, overdue 1');
    expect(text).toContain('今週: 新規 +0、修復済み −2、SLA 超過 1');
    const images = (parent.blocks ?? []).filter((b) => (b as { type: string }).type === 'image');
    expect(images).toHaveLength(1);
  });
});
