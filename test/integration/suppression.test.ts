import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxReasonLength } from '../../src/suppression/apply.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { ownAccountState, setNextEvaluation } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import {
  clickSuppress,
  digestNow as digestNowIn,
  emulatedFindings,
  modalOutcome,
  repliesTo,
  replyFor as replyIn,
  type SuppressFormInput,
  submitSuppress,
} from '../helpers/suppress-flow.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
const TARO = 'U0JA00001'; // allowed by name
const ALICE = 'U0EN00001'; // allowed through the security team's user group
const MALLORY = 'U0OUT0001'; // not allowed
const SECURITY_TEAM = 'S0SECTEAM1';
const dayMs = 24 * 60 * 60 * 1000;

const config = {
  defaultLanguage: 'en',
  accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
  channels: [{ id: CHANNEL, accounts: ['prod'], digest: { language: 'both' } }],
  suppression: { allowedUsers: [TARO], allowedUserGroups: [SECURITY_TEAM], maxDays: 90, minReasonLength: 10 }, // These tests re-evaluate on purpose, back to back.
  check: { reevaluateAfter: 0 },
  // Digests run back to back here.
  digest: { nowCooldownMinutes: 0 },
};

const buckets = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, compliance: 'NON_COMPLIANT' as const }));

function state() {
  const built = ownAccountState(PROD, TOKYO, {
    'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }],
    'IAM.3': [{ id: 'AIDAEXAMPLEKEY', compliance: 'NON_COMPLIANT' }],
    // One bucket was suppressed in the console already: a whole-control suppression skips it.
    'S3.8': [
      ...buckets('site', 250),
      { id: 'console-suppressed', compliance: 'NON_COMPLIANT', suppressed: true },
    ],
    'S3.5': buckets('logs', 250),
  });
  return { ...built, startEvaluationMinIntervalMs: 0 };
}

let h: Harness;
let offset = 0;
beforeAll(async () => {
  h = await startHarness({
    state: state(),
    config,
    users: {
      [TARO]: { name: 'taro', locale: 'ja-JP' },
      [ALICE]: { name: 'alice', locale: 'en-US' },
      [MALLORY]: { name: 'mallory', locale: 'en-US' },
    },
    usergroups: { [SECURITY_TEAM]: [ALICE] },
    now: () => Date.now() + offset,
    // A refused batch fails fast instead of backing off eight times.
    env: { FSBP_AWS_MAX_ATTEMPTS: '2' },
  });
});
afterAll(() => h.stop());

const findings = () => emulatedFindings(h, PROD, TOKYO);
const findingOf = (resource: string) => findings().find((f) => f.Resources[0]?.Id.endsWith(resource));
const workflowOf = (resource: string) => findingOf(resource)?.Workflow?.Status;
const updateCalls = () => h.aws.calls().filter((c) => c.operation === 'BatchUpdateFindings');

const replies = (parent: StoredMessage) => repliesTo(h, CHANNEL, parent);
const digestNow = () => digestNowIn(h, CHANNEL, ALICE);
const replyFor = (parent: StoredMessage, controlId: string) => replyIn(h, CHANNEL, parent, controlId);
const click = (user: string, message: StoredMessage, key: string) =>
  clickSuppress(h, user, CHANNEL, message, key);
const submit = (user: string, view: Record<string, unknown>, form: SuppressFormInput) =>
  submitSuppress(h, user, view, form);
const outcomeOf = (viewId: string, expected: string) => modalOutcome(h, viewId, expected);

async function cli(args: string[]) {
  return runCliCaptured(args, {
    ...process.env,
    FSBP_STORE: h.storePath,
    FSBP_CONFIG: h.storePath.replace('fsbp.db', 'fsbp.config.yaml'),
    LANG: 'C',
  });
}

async function recordsJson(all = false) {
  const run = await cli(['suppressions', '--json', ...(all ? ['--all'] : [])]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as {
    id: number;
    state: string;
    reason: string;
    updated: string[];
    failed: unknown[];
    controlId: string;
    scope: string;
  }[];
}

async function checkNow(target: string) {
  const updates = h.slack.calls('chat.update').length;
  await h.slash(`check ${target}`, { user: ALICE });
  await eventually(() => h.slack.calls('chat.update').length > updates, 30_000);
}

/** The next evaluation of EC2.19's rule in prod reports its resources as `compliance`. */
function nextEvaluation(compliance: 'COMPLIANT' | 'NON_COMPLIANT') {
  setNextEvaluation(h.aws, { accountId: PROD, region: TOKYO, controlId: 'EC2.19' }, compliance);
}

let first: StoredMessage;
let ec2View: Record<string, unknown>;

describe('suppressing from a digest reply', () => {
  it('a click opens the modal with the trigger ID, in the user’s language, carrying only the short key', async () => {
    first = await digestNow();
    const { message, key } = replyFor(first, 'EC2.19');
    expect(key).toMatch(/^[\w-]{16}$/);
    const { triggerId, call, view } = await click(TARO, message, key);
    expect(call.args.trigger_id).toBe(triggerId);
    expect(call.response.ok).toBe(true);
    ec2View = view;
    expect(view.callback_id).toBe('suppress_submit');
    expect(JSON.parse(String(view.private_metadata))).toEqual({ k: key, c: CHANNEL });
    const text = JSON.stringify(view);
    expect(text).toContain('抑制');
    expect(text).toContain('sg-0abc');
    expect(text).toContain(`"min_length":10`);
    expect(text).toContain(`"max_length":${maxReasonLength}`);
  });

  it('a short reason is answered with an inline error and changes nothing', async () => {
    h.aws.resetCalls();
    const answer = await submit(TARO, ec2View, { reason: 'too short' });
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors as object)).toEqual(['reason']);
    expect(String((answer.errors as { reason: string }).reason)).toContain('10');
    expect(updateCalls()).toHaveLength(0);
  });

  it('a date beyond the policy’s maximum is refused inline', async () => {
    const far = new Date(Date.now() + 200 * dayMs).toISOString().slice(0, 10);
    const answer = await submit(TARO, ec2View, { reason: 'Accepted for the migration window', date: far });
    expect(answer.response_action).toBe('errors');
    expect(Object.keys(answer.errors as object)).toEqual(['date']);
  });

  it('a user outside the policy gets a bilingual refusal and nothing changes in Security Hub', async () => {
    h.aws.resetCalls();
    const answer = await submit(MALLORY, ec2View, { reason: 'I would like this gone please' });
    expect(answer.response_action).toBe('update');
    const text = JSON.stringify(answer.view);
    expect(text).toContain('抑制できるのは');
    expect(text).toContain('Only members of the suppression policy');
    expect(updateCalls()).toHaveLength(0);
    expect(workflowOf('sg-0abc')).toBe('NEW');
    expect(await recordsJson(true)).toEqual([]);
  });

  it('a valid submit suppresses with the note, records it, and updates the reply in place; mentions stay inert', async () => {
    h.aws.resetCalls();
    const reason = 'Legacy partner SG <!channel> <@U0JA00001> & closing in Q1';
    const answer = await submit(ALICE, ec2View, { reason, days: '30' });
    expect(answer.response_action).toBe('update');
    const outcome = await outcomeOf(String(ec2View.id), 'Suppressed 1 finding');
    expect(outcome).toContain('(#1)');
    expect(workflowOf('sg-0abc')).toBe('SUPPRESSED');
    const until = new Date(Date.now() + 30 * dayMs).toISOString().slice(0, 10);
    expect(findingOf('sg-0abc')?.Note).toMatchObject({
      Text: `${reason} — alice until ${until} (fsbp-bot)`,
      UpdatedBy: `fsbp-bot/${ALICE}`,
    });
    const [record] = await recordsJson();
    expect(record).toMatchObject({ id: 1, state: 'active', reason, controlId: 'EC2.19', scope: 'resource' });
    expect(record?.updated).toHaveLength(1);
    // The digest reply now says who, why and until when; the button is gone; the mention is text.
    const { message } = replyFor(first, 'EC2.19');
    const blocks = JSON.stringify(message.blocks);
    expect(message.edited).toBeDefined();
    expect(blocks).not.toContain('suppress_open');
    expect(blocks).toContain('Suppressed by alice');
    expect(blocks).toContain('&lt;!channel&gt; &lt;@U0JA00001&gt; &amp; closing');
    expect(blocks).not.toContain('<!channel>');
  });

  it('a double submit and a second click make no second suppression', async () => {
    h.aws.resetCalls();
    const updatesBefore = h.slack.calls('views.update').length;
    await submit(ALICE, ec2View, { reason: 'Legacy partner SG, submitted twice', days: '30' });
    await eventually(() => h.slack.calls('views.update').length > updatesBefore);
    expect(JSON.stringify(h.slack.calls('views.update').at(-1)?.args.view)).toContain(
      'Already suppressed (#1) by alice',
    );
    expect(updateCalls()).toHaveLength(0);
    const { message, key } = replyFor(first, 'EC2.19');
    expect(key).toBe(''); // the button is gone from the updated reply
    const again = await click(TARO, message, JSON.parse(String(ec2View.private_metadata)).k);
    expect(again.view.submit ?? null).toBeNull();
    expect(JSON.stringify(again.view)).toContain('alice が');
    expect(await recordsJson(true)).toHaveLength(1);
  });

  it('scope "whole control" suppresses all 250 failing resources in 3 BatchUpdateFindings calls', async () => {
    const { message, key } = replyFor(first, 'S3.8');
    const { view } = await click(ALICE, message, key);
    h.aws.resetCalls();
    // Submitted twice at once (a double click): one suppression, one set of calls.
    const form = {
      reason: 'Public website buckets, reviewed by the web team',
      scope: 'control',
      days: '90',
    } as const;
    await Promise.all([submit(ALICE, view, form), submit(ALICE, view, form)]);
    await outcomeOf(String(view.id), 'Suppressed 250 finding');
    await new Promise((r) => setTimeout(r, 500));
    expect(updateCalls()).toHaveLength(3);
    expect((await recordsJson()).filter((r) => r.controlId === 'S3.8')).toHaveLength(1);
    expect(
      findings().filter((f) => f.Resources[0]?.Id.includes('site-') && f.Workflow?.Status === 'SUPPRESSED'),
    ).toHaveLength(250);
    // The finding suppressed in the console keeps its own note.
    expect(findingOf('console-suppressed')?.Note?.Text).not.toContain('fsbp-bot');
  });

  it('findings Security Hub leaves unprocessed are named to the user, and the job completes them later', async () => {
    const { message, key } = replyFor(first, 'IAM.3');
    const { view } = await click(TARO, message, key);
    const id = findingOf('AIDAEXAMPLEKEY')?.Id as string;
    h.aws.setFaults({ unprocessedIds: [id] });
    await submit(TARO, view, { reason: 'Break-glass key kept in the safe, rotated by hand', days: '7' });
    const outcome = await outcomeOf(String(view.id), 'InternalFailure');
    expect(outcome).toContain('AIDAEXAMPLEKEY');
    expect(outcome).toContain('検出結果を更新しませんでした');
    // AWS's code is shown, its raw message only logged.
    expect(outcome).not.toContain('Internal Failure');
    expect(h.logs.join('')).toContain('Security Hub left findings unprocessed');
    const partial = (await recordsJson()).find((r) => r.controlId === 'IAM.3');
    expect(partial?.state).toBe('partial');
    h.aws.setFaults({});
    const report = await h.bot.maintainSuppressions();
    expect(report.completed).toEqual([partial?.id]);
    expect(workflowOf('AIDAEXAMPLEKEY')).toBe('SUPPRESSED');
  });

  it('AWS failing after the first batch: the record says what was done, and a re-run completes it without resending', async () => {
    const { message, key } = replyFor(first, 'S3.5');
    const { view } = await click(ALICE, message, key);
    h.aws.resetCalls();
    h.aws.setFaults({ operations: ['BatchUpdateFindings'], errorRate: 1, afterCalls: 1 });
    await submit(ALICE, view, { reason: 'Log buckets of the old account, being retired', scope: 'control' });
    await outcomeOf(String(view.id), 'did not update 150');
    const partial = (await recordsJson()).find((r) => r.controlId === 'S3.5');
    expect(partial).toMatchObject({ state: 'partial' });
    expect(partial?.updated).toHaveLength(100);
    h.aws.setFaults({});
    h.aws.resetCalls();
    await h.bot.maintainSuppressions();
    // Only the 150 not yet updated are sent: two calls, not three.
    expect(updateCalls().map((c) => c.status)).toEqual([200, 200]);
    const done = (await recordsJson()).find((r) => r.controlId === 'S3.5');
    expect(done?.state).toBe('active');
    expect(new Set(done?.updated).size).toBe(250);
    expect(done?.updated).toHaveLength(250);
    expect(
      findings().filter((f) => f.Resources[0]?.Id.includes('logs-') && f.Workflow?.Status === 'SUPPRESSED'),
    ).toHaveLength(250);
  });
});

describe('while a suppression is active', () => {
  it('a pass-then-fail cycle is suppressed again and not reported as new', async () => {
    nextEvaluation('COMPLIANT');
    await checkNow('EC2.19');
    expect(workflowOf('sg-0abc')).toBe('RESOLVED');
    nextEvaluation('NON_COMPLIANT');
    await checkNow('EC2.19');
    expect(workflowOf('sg-0abc')).toBe('NEW');
    // An hour later: past the minutes Security Hub may take to apply an update, so this is a real reset.
    offset = 60 * 60 * 1000;
    const parent = await digestNow();
    expect(JSON.stringify(replies(parent).map((m) => m.blocks))).not.toContain('sg-0abc');
    expect(JSON.stringify(parent.blocks)).toContain('suppressed again');
    expect(workflowOf('sg-0abc')).toBe('SUPPRESSED');
    const history = await cli(['suppressions', '--json']);
    expect(history.code).toBe(0);
  });

  it('lists active suppressions in Slack and exports them as CSV for auditors', async () => {
    const listed = await h.slash('suppressions', { user: ALICE });
    const body = JSON.stringify((await eventually(() => h.slack.responses(listed.responseUrl)[0])).body);
    expect(body).toContain('Active suppressions (4)');
    expect(body).toContain('&lt;!channel&gt;');
    const csv = await cli(['suppressions', '--csv', '--all']);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,state,control,account,region,scope,findings_suppressed,resources,user_id,user_name,reason,created_at,expires_at,ended_at,link,approval,approver_id,approver_name,approved_at,rejected_by_id,rejected_by_name,rejection_reason',
    );
    expect(lines).toHaveLength(5);
    expect(lines[1]).toContain('Legacy partner SG <!channel> <@U0JA00001> & closing in Q1');
  });

  it('unsuppress follows the same permission rule and records the reason', async () => {
    const iam = (await recordsJson()).find((r) => r.controlId === 'IAM.3');
    const refused = await h.slash(`unsuppress ${iam?.id} --reason "not needed any more"`, { user: MALLORY });
    expect(
      JSON.stringify((await eventually(() => h.slack.responses(refused.responseUrl)[0])).body),
    ).toContain('not allowed');
    expect(workflowOf('AIDAEXAMPLEKEY')).toBe('SUPPRESSED');
    const lifted = await h.slash(`unsuppress ${iam?.id} --reason "The key was deleted instead"`, {
      user: TARO,
    });
    expect(JSON.stringify((await eventually(() => h.slack.responses(lifted.responseUrl)[0])).body)).toContain(
      `#${iam?.id}`,
    );
    expect(workflowOf('AIDAEXAMPLEKEY')).toBe('NEW');
    expect(findingOf('AIDAEXAMPLEKEY')?.Note?.Text).toBe(
      'suppression lifted by taro: The key was deleted instead (fsbp-bot)',
    );
    const cliLift = await cli(['unsuppress', String(iam?.id), '--reason', 'again, from the terminal']);
    expect(cliLift.code).toBe(2);
    expect(cliLift.stderr).toContain('already ended');
  });
});

describe('expiry', () => {
  it('the digest lists suppressions ending within 7 days, linked to where they were made', async () => {
    offset = 25 * dayMs;
    const parent = await digestNow();
    const text = JSON.stringify(parent.blocks);
    expect(text).toContain('Suppressions ending within 7 days: 2');
    expect(text).toContain('fsbp-emulator.slack.com/archives/C0123456789/p');
    expect(text).toContain('#1 EC2.19 111111111111 ap-northeast-1');
    // Lifted early: back in the digest with its own label.
    expect(JSON.stringify(replyFor(parent, 'IAM.3').message.blocks)).toContain(
      'Suppression lifted, failing again',
    );
  });

  it('an expired suppression is lifted (workflow NEW, noted) and listed in the next digest as failing again', async () => {
    offset = 31 * dayMs;
    const report = await h.bot.maintainSuppressions();
    expect(report.expired).toContain(1);
    expect(workflowOf('sg-0abc')).toBe('NEW');
    expect(findingOf('sg-0abc')?.Note?.Text).toBe('suppression expired (fsbp-bot)');
    const records = await recordsJson(true);
    expect(records.find((r) => r.id === 1)?.state).toBe('expired');
    const parent = await digestNow();
    const expired = replyFor(parent, 'EC2.19');
    const text = JSON.stringify(expired.message.blocks);
    expect(text).toContain('Suppression expired, failing again');
    expect(text).toContain('sg-0abc');
  });
});

describe('from a check result', () => {
  it('a failing control in a check result has a Suppress button; the outcome is told in its thread', async () => {
    await checkNow('IAM.3');
    const result = h.slack
      .messages(CHANNEL)
      .filter((m) => !m.thread_ts && JSON.stringify(m.blocks).includes('suppress_open'))
      .at(-1) as StoredMessage;
    expect(JSON.stringify(result.blocks)).toContain('AIDAEXAMPLEKEY');
    const accessory = (result.blocks as { accessory?: { action_id: string; value: string } }[])
      .map((b) => b.accessory)
      .find((a) => a?.action_id === 'suppress_open');
    const key = accessory?.value ?? '';
    expect(key).toMatch(/^[\w-]{16}$/);
    const { view } = await click(TARO, result, key);
    expect(JSON.stringify(view)).toContain('AIDAEXAMPLEKEY');
    h.aws.resetCalls();
    await submit(TARO, view, { reason: 'Key replaced next sprint, ticket SEC-42', days: '7' });
    await outcomeOf(String(view.id), '1 件を');
    expect(workflowOf('AIDAEXAMPLEKEY')).toBe('SUPPRESSED');
    expect(updateCalls()).toHaveLength(1);
    const told = await eventually(() =>
      h.slack
        .messages(CHANNEL)
        .find((m) => m.thread_ts === result.ts && JSON.stringify(m.blocks).includes('SEC-42')),
    );
    expect(JSON.stringify(told.blocks)).toContain('IAM.3 111111111111 ap-northeast-1');
    expect(JSON.stringify(told.blocks)).toContain('taro が');
  });
});
