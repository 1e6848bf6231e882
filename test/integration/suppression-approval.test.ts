import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setSuppressionPauseHook } from '../../src/suppression/lock.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import {
  clickReview,
  clickSuppress,
  digestNow,
  emulatedFindings,
  modalOutcome,
  replyFor,
  submitReject,
  submitSuppress,
} from '../helpers/suppress-flow.ts';

/**
 * Four-eyes suppressions (issue 16), end to end: the real bot between the Slack and AWS
 * emulators, every click and submit a Slack-signed request, Security Hub read back at the end.
 */

const PROD = '111111111111';
const STAGING = '222222222222';
const TOKYO = 'ap-northeast-1';
const A = 'C0123456789';
const B = 'C0NOACCOUNT';
const TARO = 'U0JA00001'; // requests; also in the approvers' group (so self-approval is a real question)
const ALICE = 'U0EN00001'; // approver through the group
const HANAKO = 'U0JA00002'; // approver by name
const MALLORY = 'U0OUT0001'; // may suppress, may not approve
const SECURITY_TEAM = 'S0SECTEAM1';
const dayMs = 24 * 60 * 60 * 1000;
const hourMs = 60 * 60 * 1000;
const role = { name: 'FsbpBotRole', externalId: 'fsbp-external-id' };

const account = (id: string, name: string) => ({
  id,
  name,
  roleArn: `arn:aws:iam::${id}:role/${role.name}`,
  externalId: role.externalId,
  regions: [TOKYO],
});
const configWith = (channels: { A: string[]; B: string[] }) => ({
  defaultLanguage: 'en',
  accounts: [account(PROD, 'prod'), account(STAGING, 'staging')],
  channels: [
    { id: A, accounts: channels.A, digest: { language: 'both' } },
    { id: B, accounts: channels.B, digest: { language: 'en' } },
  ],
  suppression: {
    allowedUsers: [TARO, HANAKO, MALLORY],
    allowedUserGroups: [SECURITY_TEAM],
    maxDays: 90,
    minReasonLength: 10,
    // Severities left out: CRITICAL and HIGH.
    approval: {
      approvers: { allowedUsers: [HANAKO], allowedUserGroups: [SECURITY_TEAM] },
      expiresAfterHours: 24,
    },
  },
  digest: { nowCooldownMinutes: 0 },
});

const failing = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, compliance: 'NON_COMPLIANT' as const }));

function state() {
  const built = buildState([
    {
      id: PROD,
      role,
      regions: {
        [TOKYO]: {
          controls: {
            // CRITICAL, each for one story.
            'EC2.19': failing('sg-open', 1),
            'S3.2': failing('pub-read', 2),
            'S3.3': failing('pub-write', 1),
            'RDS.2': failing('db-public', 1),
            'Lambda.1': failing('fn-public', 1),
            // LOW: applied at once, as before.
            'EC2.17': failing('eni-multi', 1),
          },
        },
      },
    },
    {
      id: STAGING,
      role,
      regions: { [TOKYO]: { controls: { 'S3.9': [{ id: 'st', compliance: 'COMPLIANT' }] } } },
    },
  ]);
  return { ...built, startEvaluationMinIntervalMs: 0 };
}

let h: Harness;
let offset = 0;
let digest: StoredMessage;
beforeAll(async () => {
  h = await startHarness({
    state: state(),
    config: configWith({ A: ['prod', 'staging'], B: ['staging'] }),
    users: {
      [TARO]: { name: 'taro', locale: 'ja-JP' },
      [ALICE]: { name: 'alice', locale: 'en-US' },
      [HANAKO]: { name: 'hanako', locale: 'ja-JP' },
      [MALLORY]: { name: 'mallory', locale: 'en-US' },
    },
    usergroups: { [SECURITY_TEAM]: [ALICE, TARO] },
    now: () => Date.now() + offset,
    env: { FSBP_AWS_MAX_ATTEMPTS: '2' },
  });
  digest = await digestNow(h, A, ALICE);
});
afterAll(() => h?.stop());
afterEach(() => setSuppressionPauseHook(undefined));

const findingsOf = (prefix: string) =>
  emulatedFindings(h, PROD, TOKYO).filter((f) => f.Resources[0]?.Id.includes(prefix));
const statusesOf = (prefix: string) => findingsOf(prefix).map((f) => f.Workflow?.Status);
const callsOf = (operation: string) => h.aws.calls().filter((c) => c.operation === operation);

/** The record, where its approvers' message is, and its audit trail, read from the store file as an auditor would. */
function recordOf(id: number) {
  const db = new Database(h.storePath, { readonly: true });
  try {
    const row = db
      .prepare('SELECT state, approval_ts, reviewer_name, rejection_reason FROM suppression WHERE id = ?')
      .get(id) as {
      state: string;
      approval_ts: string | null;
      reviewer_name: string | null;
      rejection_reason: string | null;
    };
    const events = db
      .prepare('SELECT action FROM suppression_event WHERE suppression_id = ? ORDER BY id')
      .all(id) as { action: string }[];
    return {
      state: row.state,
      approvalTs: row.approval_ts,
      reviewer: row.reviewer_name,
      rejection: row.rejection_reason,
      trail: events.map((e) => e.action),
    };
  } finally {
    db.close();
  }
}

/** The approvers' message of a request, as it reads now in channel A. */
function approvalMessage(id: number): StoredMessage {
  const ts = recordOf(id).approvalTs;
  const message = h.slack.messages(A).find((m) => m.ts === ts);
  if (!message) throw new Error(`no approvers' message for #${id}`);
  return message;
}
const blocksOf = (m: StoredMessage) => JSON.stringify(m.blocks);

/** What a user was told privately in channel A since `from` (ephemeral messages). */
const toldTo = (user: string, from = 0) =>
  h.slack
    .ephemerals(A)
    .slice(from)
    .filter((e) => e.user === user)
    .map((e) => e.text)
    .join('\n');

/** Suppress on the digest reply of `controlId`, as TARO; resolves with the request's number and the modal. */
async function request(controlId: string, reason: string) {
  const { message, key } = replyFor(h, A, digest, controlId);
  const { view } = await clickSuppress(h, TARO, A, message, key);
  await submitSuppress(h, TARO, view, { reason, days: '30' });
  const outcome = await modalOutcome(h, String(view.id), '申請 #');
  const id = Number(/申請 #(\d+)/.exec(outcome)?.[1]);
  await eventually(() => recordOf(id).approvalTs);
  return { id, view, outcome };
}

async function cli(args: string[]) {
  return runCliCaptured(args, {
    ...process.env,
    FSBP_STORE: h.storePath,
    FSBP_CONFIG: h.storePath.replace('fsbp.db', 'fsbp.config.yaml'),
    LANG: 'C',
  });
}

let ec2: number;

describe('a CRITICAL finding needs a second person', () => {
  it('the submit records a request and changes nothing in Security Hub; the approvers are asked once, in the thread', async () => {
    const { message, key } = replyFor(h, A, digest, 'EC2.19');
    const { view } = await clickSuppress(h, TARO, A, message, key);
    const form = JSON.stringify(view);
    expect(form).toContain('"max_length":387');
    expect(form).toContain('別の人 (承認者) の承認が必要です');
    h.aws.resetCalls();
    await submitSuppress(h, TARO, view, { reason: 'Partner SG <!channel> & closing in Q1', days: '30' });
    const outcome = await modalOutcome(h, String(view.id), '申請 #');
    expect(outcome).toContain('承認者が承認するまで Security Hub は変更されません');
    expect(outcome).toContain('24 時間');
    ec2 = Number(/申請 #(\d+)/.exec(outcome)?.[1]);
    await eventually(() => recordOf(ec2).approvalTs);

    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    expect(statusesOf('sg-open')).toEqual(['NEW']);
    expect(recordOf(ec2)).toMatchObject({ state: 'awaiting_approval', trail: ['requested'] });

    const asked = approvalMessage(ec2);
    expect(asked.thread_ts).toBe(digest.ts);
    const blocks = blocksOf(asked);
    expect(
      blocks.startsWith('[{"type":"section","text":{"type":"mrkdwn","text":"<!subteam^S0SECTEAM1>"}}'),
    ).toBe(true);
    expect(blocks).toContain('Partner SG &lt;!channel&gt; &amp; closing in Q1');
    expect(blocks).not.toContain('<!channel>');
    // The control explained in the channel's languages (both here), and the two buttons.
    expect(blocks).toContain('承認が必要です: 抑制の申請');
    expect(blocks).toContain('Approval needed: suppression request');
    expect(blocks).toContain('EC2.19');
    expect(blocks).toContain('"action_id":"suppression_approve"');
    expect(blocks).toContain('"action_id":"suppression_reject"');
    const askingMessages = h.slack.messages(A).filter((m) => blocksOf(m).includes(`"value":"${ec2}"`));
    expect(askingMessages).toHaveLength(1);

    // The digest reply keeps its button; a second click says the request is waiting.
    const again = await clickSuppress(h, MALLORY, A, message, key);
    expect(again.view.submit ?? null).toBeNull();
    expect(JSON.stringify(again.view)).toContain(`Request #${ec2} by taro is waiting for approval`);
  });

  it('the requester may not approve their own request, even as an approver (refused in both languages)', async () => {
    const seen = h.slack.ephemerals(A).length;
    await clickReview(h, TARO, A, approvalMessage(ec2), 'suppression_approve', ec2);
    const told = await eventually(() => toldTo(TARO, seen));
    expect(told).toContain('自分の申請');
    expect(told).toContain('You cannot approve or reject your own request');
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    expect(recordOf(ec2)).toMatchObject({ state: 'awaiting_approval', trail: ['requested'] });
    expect(h.logs.join('')).toContain('"code":"approval_self"');
  });

  it('someone who may suppress but is not an approver is refused too, at Approve and at Reject', async () => {
    const seen = h.slack.ephemerals(A).length;
    await clickReview(h, MALLORY, A, approvalMessage(ec2), 'suppression_approve', ec2);
    const told = await eventually(() => toldTo(MALLORY, seen));
    expect(told).toContain('Only the approvers of this channel');
    expect(told).toContain('承認者 (suppression.approval.approvers) だけです');
    const { opened } = await clickReview(h, MALLORY, A, approvalMessage(ec2), 'suppression_reject', ec2);
    const refusal = await eventually(() => h.slack.calls('views.open')[opened]);
    const view = (refusal.response as { view: Record<string, unknown> }).view;
    expect(view.submit ?? null).toBeNull();
    expect(JSON.stringify(view)).toContain('Only the approvers');
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    expect(recordOf(ec2)).toMatchObject({ state: 'awaiting_approval', trail: ['requested'] });
  });

  it('an approver’s Approve applies it as before: SUPPRESSED, both names in the note, messages edited in place', async () => {
    h.aws.resetCalls();
    await clickReview(h, ALICE, A, approvalMessage(ec2), 'suppression_approve', ec2);
    await eventually(() => recordOf(ec2).state === 'active', 30_000);
    expect(statusesOf('sg-open')).toEqual(['SUPPRESSED']);
    const until = new Date(Date.now() + 30 * dayMs).toISOString().slice(0, 10);
    expect(findingsOf('sg-open')[0]?.Note).toMatchObject({
      Text: `Partner SG <!channel> & closing in Q1 — taro, approved by alice until ${until} (fsbp-bot)`,
      UpdatedBy: `fsbp-bot/${TARO}`,
    });
    expect(callsOf('BatchUpdateFindings')).toHaveLength(1);
    // The approver's name is on the AWS session.
    expect(callsOf('BatchUpdateFindings')[0]?.principal).toBe(
      `arn:aws:sts::${PROD}:assumed-role/${role.name}/fsbp-${ALICE}`,
    );
    expect(recordOf(ec2)).toMatchObject({ reviewer: 'alice', trail: ['requested', 'approved', 'active'] });
    const decided = await eventually(() => {
      const m = approvalMessage(ec2);
      return blocksOf(m).includes('Approved by alice') ? m : null;
    });
    expect(decided.edited).toBeDefined();
    expect(blocksOf(decided)).toContain('1 finding(s) suppressed until');
    expect(blocksOf(decided)).not.toContain('suppression_approve');
    expect(blocksOf(decided)).not.toContain('<!subteam');
    const reply = await eventually(() => {
      const r = replyFor(h, A, digest, 'EC2.19');
      return r.message.edited ? r : null;
    });
    expect(reply.key).toBe('');
    expect(blocksOf(reply.message)).toContain('Suppressed by taro');
    expect(blocksOf(reply.message)).toContain('Approved by alice.');
    expect(blocksOf(reply.message)).toContain('承認者: alice');
  });
});

describe('two approvers at once', () => {
  it('one approval and one set of AWS calls: the other approver is told it was decided', async () => {
    const { id } = await request('S3.2', 'Public website buckets behind CloudFront');
    h.aws.resetCalls();
    // Both clicks pass every check, then meet at the store's guarded write.
    let arrived = 0;
    let release: () => void = () => {};
    const together = new Promise<void>((resolve) => {
      release = resolve;
    });
    setSuppressionPauseHook(async (at) => {
      if (at !== 'approve:checked') return;
      arrived += 1;
      if (arrived === 2) release();
      await together;
    });
    const seen = h.slack.ephemerals(A).length;
    const message = approvalMessage(id);
    await Promise.all([
      clickReview(h, ALICE, A, message, 'suppression_approve', id),
      clickReview(h, HANAKO, A, message, 'suppression_approve', id),
    ]);
    await eventually(() => arrived === 2, 30_000);
    await eventually(() => recordOf(id).state === 'active', 30_000);
    const loser = await eventually(() =>
      h.slack
        .ephemerals(A)
        .slice(seen)
        .find((e) => e.user === ALICE || e.user === HANAKO),
    );
    expect(loser.text).toContain(`Request #${id} is no longer waiting for approval`);
    expect(loser.text).toContain(`申請 #${id} はもう承認待ちではありません`);
    await new Promise((r) => setTimeout(r, 500));
    expect(callsOf('BatchUpdateFindings')).toHaveLength(1);
    expect(statusesOf('pub-read')).toEqual(['SUPPRESSED', 'SUPPRESSED']);
    const record = recordOf(id);
    expect(record.trail).toEqual(['requested', 'approved', 'active']);
    // The winner is named in the note; the loser is the one who was told.
    const winner = record.reviewer === 'alice' ? ALICE : HANAKO;
    expect(loser.user).not.toBe(winner);
    expect(findingsOf('pub-read')[0]?.Note?.Text).toContain(`— taro, approved by ${record.reviewer} until`);
  });
});

describe('rejecting', () => {
  it('asks for a reason, changes nothing in Security Hub, and tells the requester in their language', async () => {
    const { id } = await request('S3.3', 'Upload bucket for the partner portal');
    h.aws.resetCalls();
    const { opened } = await clickReview(h, HANAKO, A, approvalMessage(id), 'suppression_reject', id);
    const call = await eventually(() => h.slack.calls('views.open')[opened]);
    const view = (call.response as { view: Record<string, unknown> }).view;
    expect(view.callback_id).toBe('suppression_reject_submit');
    expect(JSON.stringify(view)).toContain('却下の理由');
    // A blank reason is refused inline.
    const blank = await submitReject(h, HANAKO, view, '   ');
    expect(blank.response_action).toBe('errors');
    expect(recordOf(id).state).toBe('awaiting_approval');

    const seen = h.slack.ephemerals(A).length;
    const answer = await submitReject(h, HANAKO, view, 'Make the bucket private instead <!here>');
    expect(answer.response_action).toBe('update');
    expect(JSON.stringify(answer.view)).toContain(`申請 #${id} を却下し、申請者に伝えました`);
    expect(recordOf(id)).toMatchObject({
      state: 'rejected',
      reviewer: 'hanako',
      rejection: 'Make the bucket private instead <!here>',
      trail: ['requested', 'rejected'],
    });
    expect(statusesOf('pub-write')).toEqual(['NEW']);
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);

    // The requester (Japanese) is told privately, in Japanese only, the reason escaped.
    const told = await eventually(() => toldTo(TARO, seen));
    expect(told).toContain(
      `申請 #${id} は hanako が却下しました: Make the bucket private instead &lt;!here&gt;`,
    );
    expect(told).not.toContain('was rejected by');
    const edited = await eventually(() => {
      const m = approvalMessage(id);
      return blocksOf(m).includes('Rejected by hanako') ? m : null;
    });
    expect(blocksOf(edited)).toContain('Make the bucket private instead &lt;!here&gt;');
    expect(blocksOf(edited)).not.toContain('suppression_approve');

    // An Approve from the old message afterwards is refused: the request is over.
    const later = h.slack.ephemerals(A).length;
    await clickReview(h, ALICE, A, edited, 'suppression_approve', id);
    expect(await eventually(() => toldTo(ALICE, later))).toContain(
      'no longer waiting for approval (now rejected)',
    );
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
  });
});

describe('below the approval severities', () => {
  it('a LOW finding is suppressed at once, as before, with no request and no approvers’ message', async () => {
    const { message, key } = replyFor(h, A, digest, 'EC2.17');
    const { view } = await clickSuppress(h, TARO, A, message, key);
    const form = JSON.stringify(view);
    expect(form).toContain('"max_length":441');
    expect(form).not.toContain('承認者');
    expect(JSON.parse(String(view.private_metadata))).toEqual({ k: key, c: A });
    h.aws.resetCalls();
    const posted = h.slack.messages(A).length;
    await submitSuppress(h, TARO, view, { reason: 'Appliance with two interfaces by design', days: '7' });
    await modalOutcome(h, String(view.id), '1 件を');
    expect(callsOf('BatchUpdateFindings')).toHaveLength(1);
    expect(statusesOf('eni-multi')).toEqual(['SUPPRESSED']);
    expect(findingsOf('eni-multi')[0]?.Note?.Text).toMatch(
      /^Appliance with two interfaces by design — taro until/,
    );
    // The reply is edited in place; nothing new is posted for approvers.
    expect(h.slack.messages(A).length).toBe(posted);
    expect(
      h.slack
        .messages(A)
        .some(
          (m) =>
            blocksOf(m).includes('Appliance with two interfaces') &&
            blocksOf(m).includes('suppression_approve'),
        ),
    ).toBe(false);
  });
});

describe('an unanswered request', () => {
  it('expires: the job marks it and edits the message; nothing changes in Security Hub', async () => {
    const { id } = await request('RDS.2', 'Reporting replica, public by contract');
    h.aws.resetCalls();
    offset += 25 * hourMs;
    const report = await h.bot.maintainSuppressions();
    expect(report.approvalExpired).toEqual([id]);
    expect(recordOf(id)).toMatchObject({
      state: 'approval_expired',
      trail: ['requested', 'approval_expired'],
    });
    const edited = await eventually(() => {
      const m = approvalMessage(id);
      return blocksOf(m).includes('No approver answered in time') ? m : null;
    });
    expect(blocksOf(edited)).toContain('回答がなかったため');
    expect(blocksOf(edited)).not.toContain('suppression_approve');
    expect(statusesOf('db-public')).toEqual(['NEW']);
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    // A second run finds nothing more to do.
    expect((await h.bot.maintainSuppressions()).approvalExpired).toEqual([]);
    const seen = h.slack.ephemerals(A).length;
    await clickReview(h, ALICE, A, edited, 'suppression_approve', id);
    expect(await eventually(() => toldTo(ALICE, seen))).toContain('now request expired unanswered');
  });
});

let lambda: number;

describe('listing and exporting', () => {
  it('/fsbp suppressions --pending lists the waiting requests; the CSV and the audit trail show every step', async () => {
    lambda = (await request('Lambda.1', 'Public webhook receiver, signed requests only')).id;
    const listed = await h.slash('suppressions --pending', { user: ALICE, channel: A });
    const body = JSON.stringify((await eventually(() => h.slack.responses(listed.responseUrl)[0])).body);
    expect(body).toContain('Requests waiting for approval (1)');
    expect(body).toContain('Lambda.1');
    expect(body).toContain('taro asked, waiting for an approver until');
    const active = await h.slash('suppressions', { user: ALICE, channel: A });
    expect(JSON.stringify((await eventually(() => h.slack.responses(active.responseUrl)[0])).body)).toContain(
      'Approved by alice at',
    );

    // Nothing is suppressed yet: there is nothing to lift.
    const lift = await h.slash(`unsuppress ${lambda} --reason "changed my mind, not needed"`, {
      user: TARO,
      channel: A,
    });
    expect(JSON.stringify((await eventually(() => h.slack.responses(lift.responseUrl)[0])).body)).toContain(
      `#${lambda} is a request waiting for approval`,
    );

    const csv = await cli(['suppressions', '--csv', '--all']);
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split('\r\n');
    expect(header).toContain(
      ',approval,approver_id,approver_name,approved_at,rejected_by_id,rejected_by_name,rejection_reason',
    );
    const row = (control: string) => rows.find((r) => r.includes(`,${control},`)) ?? '';
    expect(row('EC2.19')).toMatch(new RegExp(`,approved,${ALICE},alice,\\d{4}-\\d\\d-\\d\\dT[^,]+,,,$`));
    expect(row('S3.3')).toContain(`,rejected,,,,${HANAKO},hanako,Make the bucket private instead <!here>`);
    expect(row('RDS.2')).toContain('approval_expired,');
    expect(row('Lambda.1')).toMatch(/,awaiting,,,,,,$/);
    expect(row('EC2.17')).toMatch(/,none,,,,,,$/);
    const verify = await cli(['audit', 'verify']);
    expect(verify.code).toBe(0);
  });
});

describe('the account moved to another channel between request and approval', () => {
  it('the approval is refused in the old channel and in the new one; nothing changes', async () => {
    await h.restart(configWith({ A: ['staging'], B: ['prod'] }));
    h.aws.resetCalls();
    const message = approvalMessage(lambda);
    const seen = h.slack.ephemerals(A).length;
    await clickReview(h, ALICE, A, message, 'suppression_approve', lambda);
    expect(await eventually(() => toldTo(ALICE, seen))).toContain('does not belong to this channel');
    // Replayed from the channel that has the account now: not the request's channel either.
    const before = h.slack.ephemerals(B).length;
    await clickReview(h, ALICE, B, message, 'suppression_approve', lambda);
    const elsewhere = await eventually(() =>
      h.slack
        .ephemerals(B)
        .slice(before)
        .find((e) => e.user === ALICE),
    );
    expect(elsewhere.text).toContain('does not belong to this channel');
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    expect(statusesOf('fn-public')).toEqual(['NEW']);
    expect(recordOf(lambda)).toMatchObject({ state: 'awaiting_approval', trail: ['requested'] });
    expect(h.logs.join('')).toContain('"code":"suppress_target_elsewhere"');
  });
});
