// Organization mode, a finding of a Region the aggregator does not link: a check there (through the
// member role) offers Suppress, and suppressing and lifting it go through the delegated administrator
// in that Region, not the home Region (which does not see it). The real bot over HTTP, the Slack and
// AWS emulators; the record is read from the bot's store as an auditor would.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorState } from '../emulator/aws/state.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import { clickSuppress, emulatedFindings, modalOutcome, submitSuppress } from '../helpers/suppress-flow.ts';

const ADMIN = '510000000000';
const MEMBER = '610000000001';
const HOME = 'us-east-1';
const LINKED = 'us-west-2';
/** Security Hub runs here for both accounts, but the aggregator does not link it. */
const OTHER = 'eu-west-1';
const CHANNEL = 'C0123456789';
const ALICE = 'U0EN00001';

function state(): EmulatorState {
  const failing = (prefix: string) => ({
    controls: { 'S3.8': [{ id: `${prefix}-bucket`, compliance: 'NON_COMPLIANT' as const }] },
  });
  const built = buildState(
    [
      {
        id: ADMIN,
        role: { name: 'FsbpAdmin' },
        regions: { [HOME]: { controls: {} }, [LINKED]: { controls: {} }, [OTHER]: { controls: {} } },
      },
      {
        id: MEMBER,
        role: { name: 'FsbpMember' },
        regions: { [HOME]: failing('home'), [LINKED]: failing('west'), [OTHER]: failing('dublin') },
      },
    ],
    { rateLimits: false },
  );
  return {
    ...built,
    startEvaluationMinIntervalMs: 0,
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: [{ AccountId: MEMBER, MemberStatus: 'ENABLED' }],
      findingAggregator: { region: HOME, regionLinkingMode: 'SPECIFIED_REGIONS', regions: [LINKED] },
    },
  };
}

const config = {
  defaultLanguage: 'en',
  organization: {
    adminAccount: { id: ADMIN, roleArn: `arn:aws:iam::${ADMIN}:role/FsbpAdmin` },
    homeRegion: HOME,
    memberRole: { name: 'FsbpMember' },
  },
  // Listed with a Region beyond the organization's: it keeps the Regions it has here.
  accounts: [
    {
      id: MEMBER,
      name: 'member-1',
      roleArn: `arn:aws:iam::${MEMBER}:role/FsbpMember`,
      regions: [HOME, LINKED, OTHER],
    },
  ],
  channels: [{ id: CHANNEL, accounts: ['member-1'] }],
  suppression: { allowedUsers: [ALICE] },
  check: { reevaluateAfter: 0 },
};

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state: state(), config });
});
afterAll(() => h?.stop());

const dublin = () => emulatedFindings(h, MEMBER, OTHER).filter((f) => f.Resources[0]?.Id.includes('dublin'));
const statuses = () => dublin().map((f) => f.Workflow?.Status);
const securityHubCalls = (operation: string) =>
  h.aws
    .calls()
    .filter((c) => c.operation === operation)
    .map((c) => `${c.accountId} ${c.region}`);

/** The record as the store has it. */
function recordOf(id: number) {
  const db = new Database(h.storePath, { readonly: true });
  try {
    return db.prepare('SELECT state, region, account_id, updated FROM suppression WHERE id = ?').get(id) as {
      state: string;
      region: string;
      account_id: string;
      updated: string;
    };
  } finally {
    db.close();
  }
}

async function checkResultIn(region: string): Promise<{ message: StoredMessage; key: string }> {
  const updates = h.slack.calls('chat.update').length;
  await h.slash(`check S3.8 ${region}`, { user: ALICE });
  await eventually(() => h.slack.calls('chat.update').length > updates, 30_000);
  const message = h.slack
    .messages(CHANNEL)
    .filter((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('suppress_open'))
    .at(-1) as StoredMessage;
  const key =
    (message.blocks as { accessory?: { action_id: string; value: string } }[])
      .map((b) => b.accessory)
      .find((a) => a?.action_id === 'suppress_open')?.value ?? '';
  return { message, key };
}

describe('a member finding in a Region the aggregator does not link', () => {
  it('is suppressed and lifted by the administrator in that Region; Security Hub and the record agree', async () => {
    const { message, key } = await checkResultIn(OTHER);
    expect(JSON.stringify(message.blocks)).toContain('dublin-bucket');
    const { view } = await clickSuppress(h, ALICE, CHANNEL, message, key);
    h.aws.resetCalls();
    await submitSuppress(h, ALICE, view, { reason: 'Replaced by the new bucket, ticket SEC-7', days: '7' });
    const outcome = await modalOutcome(h, String(view.id), 'Suppressed 1 finding');

    // The home Region's aggregation does not hold this Region: the administrator asks in it.
    expect(securityHubCalls('GetFindings')).toEqual([`${ADMIN} ${OTHER}`]);
    expect(securityHubCalls('BatchUpdateFindings')).toEqual([`${ADMIN} ${OTHER}`]);
    expect(statuses()).toEqual(['SUPPRESSED']);
    expect(dublin()[0]?.Note?.Text).toContain('SEC-7');
    // The same finding elsewhere is untouched.
    expect(emulatedFindings(h, MEMBER, HOME).map((f) => f.Workflow?.Status)).toEqual(['NEW']);

    const id = Number(/\(#(\d+)\)/.exec(outcome)?.[1]);
    expect(id).toBeGreaterThan(0);
    expect(recordOf(id)).toMatchObject({ state: 'active', region: OTHER, account_id: MEMBER });
    expect(JSON.parse(recordOf(id).updated)).toEqual([dublin()[0]?.Id]);

    h.aws.resetCalls();
    const sent = await h.slash(`unsuppress ${id} --reason "bucket deleted, nothing left to hide"`, {
      user: ALICE,
    });
    const answer = await eventually(() => h.slack.responses(sent.responseUrl)[0], 30_000);
    expect(JSON.stringify(answer.body)).toContain(`Suppression #${id} lifted: 1 finding(s) are back to NEW.`);
    expect(securityHubCalls('BatchUpdateFindings')).toEqual([`${ADMIN} ${OTHER}`]);
    expect(statuses()).toEqual(['NEW']);
    expect(recordOf(id).state).toBe('lifted');
  });
});
