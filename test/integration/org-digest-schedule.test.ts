// Organization mode, the real scheduler: three channels with the same digest time are one cron job,
// so when it fires one GetFindings stream through the administrator serves all three (the fewest
// pages the findings allow), and each channel gets its own digest. The real bot over HTTP, the Slack
// and AWS emulators; the cron fires a few seconds after start-up (a six-field, per-second cron).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorState } from '../emulator/aws/state.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { buildState, type ResourceSpec } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';

const ADMIN = '520000000000';
const [M1, M2, M3] = ['620000000001', '620000000002', '620000000003'];
const HOME = 'us-east-1';
const LINKED = 'us-west-2';
const [C1, C2, C3] = ['C0SCHED0001', 'C0SCHED0002', 'C0SCHED0003'];
/** Each channel's accounts: C1 and C2 share M2, so reading per channel would read M2 twice. */
const routes: Record<string, string[]> = { [C1]: [M1, M2], [C2]: [M2, M3], [C3]: [M3] };

const failing = (prefix: string, n: number): ResourceSpec[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, compliance: 'NON_COMPLIANT' as const }));

/** S3.8 (HIGH) at home and EC2.19 (CRITICAL) in the linked Region: two digest replies per account. */
function member(id: string, buckets: number) {
  return {
    id,
    role: { name: 'FsbpMember' },
    regions: {
      [HOME]: { controls: { 'S3.8': failing(`${id}-bucket`, buckets) } },
      [LINKED]: { controls: { 'EC2.19': failing(`sg-${id}`, 2) } },
    },
  };
}

function state(): EmulatorState {
  const built = buildState(
    [
      {
        id: ADMIN,
        role: { name: 'FsbpAdmin' },
        regions: { [HOME]: { controls: {} }, [LINKED]: { controls: {} } },
      },
      member(M1, 150),
      member(M2, 120),
      member(M3, 30),
    ],
    { rateLimits: false },
  );
  return {
    ...built,
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: [M1, M2, M3].map((AccountId) => ({ AccountId, MemberStatus: 'ENABLED' })),
      findingAggregator: { region: HOME, regionLinkingMode: 'SPECIFIED_REGIONS', regions: [LINKED] },
    },
  };
}

/** A six-field cron (seconds first) for one moment, every day, in UTC. */
const cronAt = (at: Date) => `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;

function config(schedule: string) {
  return {
    defaultLanguage: 'en',
    organization: {
      adminAccount: { id: ADMIN, roleArn: `arn:aws:iam::${ADMIN}:role/FsbpAdmin` },
      homeRegion: HOME,
      memberRole: { name: 'FsbpMember' },
    },
    channels: [C1, C2, C3].map((id) => ({
      id,
      accounts: routes[id],
      digest: { schedule, timezone: 'UTC', language: 'en' },
    })),
  };
}

let h: Harness;
/** Every channel's digest fires at this second: long enough after start-up to count from zero. */
let fireAt: Date;
beforeAll(async () => {
  // Far enough ahead for a start-up on a loaded CI machine (the test says so if start-up took longer).
  fireAt = new Date(Date.now() + 15_000);
  h = await startHarness({
    state: state(),
    config: config(cronAt(fireAt)),
    channels: Object.fromEntries([C1, C2, C3].map((c) => [c, { name: c.toLowerCase(), member: true }])),
  });
}, 30_000);
afterAll(() => h?.stop());

const isDigest = (m: StoredMessage) =>
  (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks).includes('FSBP digest');
const parentsIn = (channel: string) => h.slack.messages(channel).filter(isDigest);
const repliesIn = (channel: string, parent: StoredMessage) =>
  h.slack.messages(channel).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);

/** Failing findings of the organization, as Security Hub (the emulator) holds them. */
function failingFindings(): number {
  return Object.values(h.aws.getState().accounts ?? {}).reduce(
    (n, account) =>
      n +
      Object.values(account.regions ?? {}).reduce(
        (m, region) =>
          m +
          (region.findings ?? []).filter((f) => (f.Compliance as { Status?: string }).Status === 'FAILED')
            .length,
        0,
      ),
    0,
  );
}

describe('the scheduler in organization mode', () => {
  it('fires once for channels due together: one stream (pages = the minimum), each channel its digest', async () => {
    // Start-up discovered the members; nothing has read findings yet.
    expect(Date.now()).toBeLessThan(fireAt.getTime());
    h.aws.resetCalls();
    await new Promise((r) => setTimeout(r, fireAt.getTime() - Date.now()));

    // Each account gives two replies; a channel is done when all of its are posted.
    for (const channel of [C1, C2, C3]) {
      const parent = await eventually(() => parentsIn(channel)[0], 30_000);
      await eventually(() => repliesIn(channel, parent).length >= 2 * (routes[channel]?.length ?? 0), 30_000);
    }
    const reads = h.aws.calls().filter((c) => c.operation === 'GetFindings');
    const everything = failingFindings();
    expect(everything).toBe(150 + 120 + 30 + 3 * 2);
    // One stream: ceil(306 / 100) = 4 pages; a read per channel would take 3 + 2 + 1 = 6 at least.
    expect(reads).toHaveLength(Math.ceil(everything / 100));
    expect(new Set(reads.map((c) => `${c.accountId} ${c.region}`))).toEqual(new Set([`${ADMIN} ${HOME}`]));

    for (const channel of [C1, C2, C3]) {
      expect(parentsIn(channel)).toHaveLength(1);
      const told = JSON.stringify(
        repliesIn(channel, parentsIn(channel)[0] as StoredMessage).map((m) => m.blocks),
      );
      // Each channel is told of its own accounts only.
      for (const account of [M1, M2, M3])
        expect(told.includes(account), `${channel} ${account}`).toBe(routes[channel]?.includes(account));
    }
  }, 60_000);
});
