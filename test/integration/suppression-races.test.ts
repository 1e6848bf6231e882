import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { type PausePoint, setSuppressionPauseHook } from '../../src/suppression/lock.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import {
  clickSuppress,
  digestNow,
  emulatedFindings,
  modalOutcome,
  replyFor,
  submitSuppress,
} from '../helpers/suppress-flow.ts';

/**
 * The races and attacks of issue 11 (items 3, 4 and 9), replayed in a fixed order: the suppression
 * flow is held at named points (an apply after AWS answered, a lift waiting for the lock, a digest
 * between its snapshot and its write), and Security Hub is read back from the emulator at the end.
 */

const PROD = '111111111111';
const STAGING = '222222222222';
const TOKYO = 'ap-northeast-1';
const A = 'C0123456789';
const B = 'C0NOACCOUNT';
const TARO = 'U0JA00001';
const ALICE = 'U0EN00001';
const HANAKO = 'U0JA00002';
const dayMs = 24 * 60 * 60 * 1000;
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
    { id: A, accounts: channels.A, digest: { language: 'en' } },
    { id: B, accounts: channels.B, digest: { language: 'en' } },
  ],
  suppression: { allowedUsers: [TARO, ALICE, HANAKO], maxDays: 90, minReasonLength: 10 },
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
            'S3.8': failing('site', 5),
            'IAM.3': failing('AIDAOLDKEY', 1),
            'EC2.19': failing('sg-open', 1),
            'ELBv2.1': failing('alb-web', 2),
            'S3.5': failing('logs', 3),
            'S3.9': failing('media', 2),
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
      [TARO]: { name: 'taro', locale: 'en-US' },
      [ALICE]: { name: 'alice', locale: 'en-US' },
      [HANAKO]: { name: 'hanako', locale: 'en-US' },
    },
    now: () => Date.now() + offset,
    env: { FSBP_AWS_MAX_ATTEMPTS: '2' },
  });
  digest = await digestNow(h, A, ALICE);
});
afterAll(() => h?.stop());
afterEach(() => setSuppressionPauseHook(undefined));

/** A promise with its resolve function, to hold work at a pause point or to learn it got there. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Holds the flow at `point` (the first time it is reached): tells the test the suppression ID, waits for `release`. */
function holdAt(point: PausePoint) {
  const reached = deferred<number>();
  const release = deferred();
  let held = false;
  setSuppressionPauseHook(async (at, id) => {
    if (at !== point || held) return;
    held = true;
    reached.resolve(id);
    await release.promise;
  });
  return { reached: reached.promise, release: () => release.resolve() };
}

const findingsOf = (prefix: string) =>
  emulatedFindings(h, PROD, TOKYO).filter((f) => f.Resources[0]?.Id.includes(prefix));
const statusesOf = (prefix: string) => findingsOf(prefix).map((f) => f.Workflow?.Status);
const callsOf = (operation: string) => h.aws.calls().filter((c) => c.operation === operation);

/** The record and its audit trail, read from the bot's store file as an auditor would. */
function recordOf(id: number) {
  const db = new Database(h.storePath, { readonly: true });
  try {
    const row = db.prepare('SELECT state, updated, ended_at FROM suppression WHERE id = ?').get(id) as {
      state: string;
      updated: string;
      ended_at: string | null;
    };
    const events = db
      .prepare('SELECT action FROM suppression_event WHERE suppression_id = ? ORDER BY id')
      .all(id) as { action: string }[];
    return { state: row.state, endedAt: row.ended_at, trail: events.map((e) => e.action) };
  } finally {
    db.close();
  }
}

async function unsuppress(id: number, user: string, reason: string) {
  const sent = await h.slash(`unsuppress ${id} --reason "${reason}"`, { user, channel: A });
  return { answer: () => h.slack.responses(sent.responseUrl)[0] };
}
const answerText = (answer: { body: unknown }) => JSON.stringify(answer.body);

describe('a suppression never contradicts Security Hub', () => {
  it('unsuppress during an apply waits for it, then sets every finding back to NEW; the record ends lifted', async () => {
    const { message, key } = replyFor(h, A, digest, 'S3.8');
    const { view } = await clickSuppress(h, TARO, A, message, key);
    // The apply is held after BatchUpdateFindings answered, before its progress is saved.
    const apply = holdAt('apply:sent');
    await submitSuppress(h, TARO, view, { reason: 'Public website buckets, by design', scope: 'control' });
    const id = await apply.reached;
    expect(statusesOf('site-')).toEqual(Array(5).fill('SUPPRESSED'));
    expect(recordOf(id).state).toBe('pending');

    // The apply stays held; now learn when the lift starts waiting for its lock.
    const lift = deferred();
    setSuppressionPauseHook(async (at) => {
      if (at === 'lift:waiting') lift.resolve();
    });
    const request = await unsuppress(id, ALICE, 'The buckets went private');
    // Either the lift waits for the apply's lock, or (the bug) it answers at once.
    await Promise.race([lift.promise, eventually(request.answer, 30_000)]);
    apply.release();
    const answer = await eventually(request.answer, 30_000);
    expect(answerText(answer)).toContain(`Suppression #${id} lifted: 5 finding(s)`);
    await modalOutcome(h, String(view.id), 'Suppressed 5 finding');

    expect(statusesOf('site-')).toEqual(Array(5).fill('NEW'));
    const record = recordOf(id);
    expect(record.state).toBe('lifted');
    expect(record.endedAt).not.toBeNull();
    expect(record.trail).toEqual(['requested', 'active', 'lifted']);
  });

  it('a digest that snapshotted a suppression does not re-suppress it after an unsuppress in between', async () => {
    const { message, key } = replyFor(h, A, digest, 'IAM.3');
    const { view } = await clickSuppress(h, TARO, A, message, key);
    await submitSuppress(h, TARO, view, { reason: 'Break-glass key kept in the safe' });
    const outcome = await modalOutcome(h, String(view.id), 'Suppressed 1 finding');
    const id = Number(/\(#(\d+)\)/.exec(outcome)?.[1]);
    expect(statusesOf('AIDAOLDKEY')).toEqual(['SUPPRESSED']);
    // An hour later Security Hub has reset the finding (its resource passed, then failed again).
    offset += 60 * 60 * 1000;
    const s = h.aws.getState() as unknown as {
      accounts: Record<string, { regions: Record<string, { findings: { Id: string; Workflow: object }[] }> }>;
    };
    for (const f of s.accounts[PROD]?.regions[TOKYO]?.findings ?? []) {
      if (f.Id === findingsOf('AIDAOLDKEY')[0]?.Id) f.Workflow = { Status: 'NEW' };
    }
    h.aws.setState(s as never);

    const resuppress = holdAt('resuppress:before-lock');
    const run = await h.slash('digest now', { user: ALICE, channel: A });
    expect(await resuppress.reached).toBe(id);
    const lifted = await unsuppress(id, TARO, 'Key deleted instead, no exception needed');
    expect(answerText(await eventually(lifted.answer, 30_000))).toContain(`#${id} lifted`);
    resuppress.release();
    await eventually(() => h.slack.responses(run.responseUrl)[0], 30_000);

    expect(statusesOf('AIDAOLDKEY')).toEqual(['NEW']);
    expect(recordOf(id)).toMatchObject({ state: 'lifted', trail: ['requested', 'active', 'lifted'] });
    // Failing and covered by nothing: the digest reports it, labelled.
    const parent = h.slack
      .messages(A)
      .filter((m) => !m.thread_ts || m.thread_ts === m.ts)
      .at(-1) as StoredMessage;
    expect(JSON.stringify(replyFor(h, A, parent, 'IAM.3').message.blocks)).toContain(
      'Suppression lifted, failing again',
    );
  });

  it('a crash between BatchUpdateFindings and saving progress: expiry still sets every finding back to NEW, and the late apply is refused', async () => {
    const { message, key } = replyFor(h, A, digest, 'S3.5');
    const { view } = await clickSuppress(h, ALICE, A, message, key);
    // The process "dies" after AWS answered: the apply never comes back, its lease is left to run out.
    const crash = holdAt('apply:sent');
    await submitSuppress(h, ALICE, view, { reason: 'Log buckets of the old account', days: '7' });
    const id = await crash.reached;
    expect(statusesOf('logs-')).toEqual(Array(3).fill('SUPPRESSED'));
    expect(recordOf(id).state).toBe('pending');

    offset += 8 * dayMs;
    const report = await h.bot.maintainSuppressions();
    expect(report.expired).toContain(id);
    expect(statusesOf('logs-')).toEqual(Array(3).fill('NEW'));
    expect(findingsOf('logs-')[0]?.Note?.Text).toBe('suppression expired (fsbp-bot)');

    // The held apply wakes up: the store refuses pending -> active on an expired record.
    crash.release();
    const refused = await modalOutcome(h, String(view.id), 'changed meanwhile (now expired)');
    expect(refused).toContain('その間に変更されました (現在: 期限切れ)');
    expect(h.logs.join('')).toContain('"code":"suppression_conflict"');
    expect(recordOf(id)).toMatchObject({ state: 'expired', trail: ['requested', 'expired'] });
    expect(statusesOf('logs-')).toEqual(Array(3).fill('NEW'));
  });
});

describe('small defects (issue 11, item 9)', () => {
  it('unsuppress assumes the role as fsbp-<user>, so CloudTrail shows who lifted it', async () => {
    const { message, key } = replyFor(h, A, digest, 'EC2.19');
    const { view } = await clickSuppress(h, TARO, A, message, key);
    await submitSuppress(h, TARO, view, { reason: 'Partner access, closing in Q1' });
    const outcome = await modalOutcome(h, String(view.id), 'Suppressed 1 finding');
    const id = Number(/\(#(\d+)\)/.exec(outcome)?.[1]);
    h.aws.resetCalls();
    const lifted = await unsuppress(id, HANAKO, 'Partner access was closed');
    expect(answerText(await eventually(lifted.answer, 30_000))).toContain(`#${id} lifted`);
    expect(callsOf('AssumeRole').map((c) => c.roleSessionName)).toEqual([`fsbp-${HANAKO}`]);
    const writes = callsOf('BatchUpdateFindings');
    expect(writes).toHaveLength(1);
    expect(writes[0]?.principal).toBe(`arn:aws:sts::${PROD}:assumed-role/${role.name}/fsbp-${HANAKO}`);
    expect(statusesOf('sg-open')).toEqual(['NEW']);
  });

  it('a check result’s Suppress button stored as ELBv2.1 (the catalog’s ID before ELB.1) finds its findings under ELB.1', async () => {
    // A check result posted before the catalog named the control ELB.1: its button kept the old ID.
    const albs = findingsOf('alb-web');
    const store = openSqliteStore({ path: h.storePath });
    await store.recordCheckTargets([
      {
        key: 'legacyElbTarget1',
        controlId: 'ELBv2.1',
        accountId: PROD,
        region: TOKYO,
        findingIds: albs.map((f) => f.Id),
        resources: albs.map((f) => f.Resources[0]?.Id ?? ''),
        channel: A,
        createdAt: new Date(Date.now() + offset).toISOString(),
      },
    ]);
    store.close();
    const { view } = await clickSuppress(h, TARO, A, digest, 'legacyElbTarget1');
    expect(view.submit).toBeDefined();
    await submitSuppress(h, TARO, view, { reason: 'Internal ALBs behind the VPN only' });
    await modalOutcome(h, String(view.id), 'Suppressed 2 finding');
    expect(findingsOf('alb-web').map((f) => f.Compliance?.SecurityControlId)).toEqual(['ELB.1', 'ELB.1']);
    expect(statusesOf('alb-web')).toEqual(['SUPPRESSED', 'SUPPRESSED']);
  });
});

describe('a button acts only in its own channel, for that channel’s accounts', () => {
  const refusal = 'does not belong to this channel';

  it('after prod moves from channel A to B, an old digest button in A suppresses nothing, at submit or at click', async () => {
    const { message, key } = replyFor(h, A, digest, 'S3.9');
    // The modal was opened before the move...
    const { view } = await clickSuppress(h, TARO, A, message, key);
    expect(view.submit).toBeDefined();
    await h.restart(configWith({ A: ['staging'], B: ['prod'] }));
    h.aws.resetCalls();
    // ...and submitted after it, for the whole control.
    await submitSuppress(h, TARO, view, { reason: 'Media buckets, logging not needed', scope: 'control' });
    const outcome = await modalOutcome(h, String(view.id), refusal);
    expect(outcome).toContain('このボタンはこのチャンネルのものではない');
    // A new click in A is refused before any form is shown.
    const again = await clickSuppress(h, TARO, A, message, key);
    expect(again.view.submit ?? null).toBeNull();
    expect(JSON.stringify(again.view)).toContain(refusal);
    expect(callsOf('BatchUpdateFindings')).toHaveLength(0);
    expect(statusesOf('media-')).toEqual(['NEW', 'NEW']);
    expect(h.logs.join('')).toContain('"code":"suppress_target_elsewhere"');
  });

  it('a button replayed from another channel (even the one that now has the account) is refused', async () => {
    const { message, key } = replyFor(h, A, digest, 'S3.9');
    h.aws.resetCalls();
    const elsewhere = await clickSuppress(h, TARO, B, message, key);
    expect(elsewhere.view.submit ?? null).toBeNull();
    expect(JSON.stringify(elsewhere.view)).toContain(refusal);
    expect(h.aws.calls()).toHaveLength(0);
  });
});
