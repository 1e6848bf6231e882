import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'yaml';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import type { Suppression, SuppressionEvent } from '../../src/suppression/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, type StoredMessage, startSlackEmulator } from '../emulator/slack/server.ts';
import {
  blockActionPayload,
  interactionBody,
  postToBot,
  slashCommandBody,
  viewSubmissionPayload,
} from '../emulator/slack/signing.ts';
import { botToken, signingSecret } from '../helpers/bot.ts';
import { BotProcess, freePort } from './bot-process.ts';
import {
  CHANNEL,
  newControls,
  PROD,
  soakConfig,
  soakStates,
  suppressedControl,
  TARO,
  TOKYO,
} from './scenario.ts';

export type Phase = 'digest' | 'apply' | 'lift';

export interface SoakOptions {
  seed: number;
  /** Kills to land in all; split 50/25/25 over the digest, the apply and the lift. */
  kills: number;
  /** The whole soak stops (and says so) after this long. */
  budgetMs: number;
  log?: (line: string) => void;
}

/** Where a kill is armed: the n-th call of a method, then SIGKILL after a delay (0: before Slack or AWS answers). */
interface KillPoint {
  phase: Phase;
  source: 'slack' | 'aws';
  method: string;
  nth: number;
  delayMs: number;
}

interface PlannedKill extends KillPoint {
  landed: boolean;
  /** Matching calls seen since it was armed. */
  seen: number;
}

export interface SoakFigures {
  seed: number;
  killsPlanned: number;
  killsLanded: number;
  killsByPhase: Record<Phase, number>;
  /** Kills after which a digest post that Slack had accepted had no ts in the store: the documented window. */
  killsInPostWindow: number;
  suppressionRecordsLost: number;
  findingsSuppressedWithoutActiveRecord: number;
  findingsNewUnderActiveRecord: number;
  duplicateDigestReplies: number;
  /** Which messages were posted twice (`EC2.19 x2`, `parent x2`). */
  duplicated: string[];
  /** New failures that never got their reply (must be 0 too). */
  missingDigestReplies: number;
  auditEventsOutOfOrder: number;
  restarts: number;
  elapsedMs: number;
  timedOut: boolean;
  kills: PlannedKill[];
}

/** Small seedable PRNG (mulberry32): the same seed gives the same kill plan. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface EmulatedFinding {
  Id: string;
  Workflow?: { Status?: string };
  Note?: { Text?: string };
  Compliance?: { SecurityControlId?: string };
}

const liftReason = 'Soak test: the risk is gone again';
const suppressReason = 'Soak test: accepted risk while the buckets move';

/** Events of one record in a legal order: requested first, nothing after its end, time never going back. */
export function auditOutOfOrder(events: readonly SuppressionEvent[]): number {
  let bad = 0;
  let ended = false;
  let previous = '';
  events.forEach((event, i) => {
    if ((i === 0) !== (event.action === 'requested') || ended || event.at < previous) bad += 1;
    if (event.action === 'lifted' || event.action === 'expired') ended = true;
    previous = event.at;
  });
  return bad;
}

/**
 * Runs the real bot process against both emulators and SIGKILLs it at seeded points across a digest
 * of 200 new findings, a 250-finding suppression and its lift; after each kill the lease of the dead
 * holder is let run out (as time would), the bot is started again and the same request is made
 * again, until each step has finished. Then it measures what a crash must never leave behind.
 */
export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const rand = random(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const quota: Record<Phase, number> = {
    digest: Math.ceil(options.kills / 2),
    apply: Math.floor(options.kills / 4),
    lift: options.kills - Math.ceil(options.kills / 2) - Math.floor(options.kills / 4),
  };
  const kills: PlannedKill[] = [];
  let armed: PlannedKill | null = null;
  let pendingKill: NodeJS.Timeout | null = null;
  let bot: BotProcess | null = null;

  const observe = (source: 'slack' | 'aws', method: string) => {
    if (!armed || armed.source !== source || armed.method !== method) return;
    armed.seen += 1;
    if (armed.seen < armed.nth) return;
    const point = armed;
    armed = null;
    const fire = () => {
      pendingKill = null;
      if (!bot?.alive) return;
      bot.killNow();
      point.landed = true;
    };
    // Delay 0: inside the emulator, after it acted and before it answers.
    if (point.delayMs === 0) fire();
    else pendingKill = setTimeout(fire, point.delayMs);
  };

  const { before, after } = soakStates();
  const aws: AwsEmulator = await startAwsEmulator({
    state: before,
    onCall: (call) => observe('aws', call.operation),
  });
  const slack: SlackEmulator = await startSlackEmulator({
    botToken,
    users: { [TARO]: { name: 'taro', locale: 'en-US' } },
    channels: { [CHANNEL]: { name: 'security', member: true } },
    onCall: (call) => observe('slack', call.method),
  });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-soak-'));
  const storePath = join(dir, 'fsbp.db');
  writeFileSync(join(dir, 'fsbp.config.yaml'), stringify(soakConfig));
  const port = await freePort();
  bot = new BotProcess(
    {
      PATH: process.env.PATH,
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: slack.url,
      FSBP_STORE: storePath,
      FSBP_CONFIG: join(dir, 'fsbp.config.yaml'),
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: TOKYO,
      FSBP_AWS_MAX_ATTEMPTS: '3',
      LOG_LEVEL: 'warn',
    },
    port,
    join(dir, 'bot.log'),
  );
  const url = `http://127.0.0.1:${port}/slack/events`;
  log(`soak: seed ${options.seed}, ${options.kills} kills, files in ${dir}`);
  await bot.start();
  const store: Store = openSqliteStore({ path: storePath });
  let timedOut = false;
  let windowKills = 0;
  /** chat.postMessage calls made before the current life of the bot. */
  let postsBefore = 0;

  const slash = (text: string) =>
    postToBot(
      url,
      slashCommandBody({
        text,
        user_id: TARO,
        channel_id: CHANNEL,
        response_url: slack.responseUrl({ channel: CHANNEL }),
        trigger_id: slack.mintTriggerId(),
      }),
      { secret: signingSecret },
    ).catch(() => null); // the bot may die while answering

  const findings = (): EmulatedFinding[] => {
    const s = aws.getState() as unknown as {
      accounts: Record<string, { regions: Record<string, { findings: EmulatedFinding[] }> }>;
    };
    return s.accounts[PROD]?.regions[TOKYO]?.findings ?? [];
  };

  /** Posts Slack accepted in the channel whose ts the store does not hold (a crash in the window). */
  async function unrecordedPosts(): Promise<string[]> {
    const recorded = new Set<string>();
    for (const run of [await store.unfinishedDigest(CHANNEL), await store.lastDigest(CHANNEL)]) {
      if (run?.parentTs) recorded.add(run.parentTs);
      for (const item of run?.items ?? []) if (item.ts) recorded.add(item.ts);
    }
    return slack
      .calls('chat.postMessage')
      .slice(postsBefore)
      .filter((c) => c.response.ok === true && c.args.channel === CHANNEL)
      .map((c) => String(c.response.ts))
      .filter((ts) => !recorded.has(ts));
  }

  /** After a kill: note the window, let the dead holder's leases run out, start again. */
  async function recover(phase: Phase) {
    await bot?.exited();
    if (phase === 'digest' && (await unrecordedPosts()).length > 0) windowKills += 1;
    // What 5 to 15 minutes would do: the dead process's leases run out.
    const db = new Database(storePath);
    db.prepare('UPDATE lease SET expires_at = 0').run();
    db.close();
    log(`soak: killed in ${phase} (${kills.filter((k) => k.landed).length} so far), restarting`);
    await bot?.start();
  }

  function arm(point: KillPoint) {
    log(
      `soak: ${point.phase}: kill armed at ${point.source} ${point.method} #${point.nth} +${point.delayMs} ms`,
    );
    armed = { ...point, landed: false, seen: 0 };
    kills.push(armed);
  }

  /** Clears an armed or pending kill; one that never landed leaves the plan. */
  function disarm() {
    armed = null;
    if (pendingKill) clearTimeout(pendingKill);
    pendingKill = null;
    const last = kills.at(-1);
    if (last && !last.landed) kills.pop();
  }

  /** Repeats `drive` after every kill until `done`; arms kill points until the phase's quota landed. */
  async function phase(
    name: Phase,
    /** `last`: the phase's last kill, which may also land after its work is done. */
    plan: (last: boolean) => Promise<KillPoint>,
    drive: () => Promise<unknown>,
    done: () => Promise<boolean>,
  ) {
    let landed = 0;
    for (;;) {
      if (Date.now() - started > options.budgetMs) {
        timedOut = true;
        return;
      }
      if (landed < quota[name]) arm(await plan(landed === quota[name] - 1));
      const current = armed;
      postsBefore = slack.calls('chat.postMessage').length;
      await drive();
      const dead = () => current?.landed === true || !bot?.alive;
      const until = Date.now() + 120_000;
      while (!dead() && !(await done()) && Date.now() < until) await sleep(50);
      const finished = await done();
      // Nothing can fire after this: a kill at delay 0 runs inside a call, a delayed one is cleared.
      disarm();
      if (dead()) {
        landed += 1;
        await recover(name);
      } else if (!finished) {
        throw new Error(`soak: ${name} did not finish in 120 s with the bot alive`);
      }
      if (finished && !dead()) {
        // Kills the phase had no room for move to the next one.
        const next = name === 'digest' ? 'apply' : name === 'apply' ? 'lift' : null;
        if (next) quota[next] += Math.max(0, quota[name] - landed);
        return;
      }
    }
  }

  try {
    // Setup, no kills: a first digest reports the 250 failing buckets (the Suppress button comes from it).
    await slash('digest now');
    const setupRun = await waitFor(async () => store.lastDigest(CHANNEL), 60_000);
    aws.setState(after);

    // 1. A digest of 200 new findings.
    const digestDone = async () => {
      const last = await store.lastDigest(CHANNEL);
      return (await store.unfinishedDigest(CHANNEL)) === null && (last?.id ?? 0) > setupRun.id;
    };
    await phase(
      'digest',
      async () => {
        // Only calls still to come can be hit: the findings are read only by a run not yet planned,
        // and only the parent and the replies without a ts are posted again.
        const run = await store.unfinishedDigest(CHANNEL);
        const left = run
          ? (run.parentTs ? 0 : 1) + run.items.filter((i) => !i.ts).length
          : 1 + newControls.length;
        if (!run && rand() < 0.2) {
          return {
            phase: 'digest',
            source: 'aws',
            method: 'GetFindings',
            nth: 1,
            delayMs: Math.floor(rand() * 50),
          };
        }
        const nth = 1 + Math.floor(rand() * Math.min(left, 4));
        // A third land inside the window (Slack has the post, the bot never hears its ts); after the
        // last post the run ends within milliseconds, so a kill there lands inside the call.
        const delayMs = nth === left || rand() < 0.3 ? 0 : Math.floor(rand() * 1200);
        return { phase: 'digest', source: 'slack', method: 'chat.postMessage', nth, delayMs };
      },
      () => slash('digest now'),
      digestDone,
    );

    // 2. Suppress the 250 buckets (scope: the whole control) from the first digest's reply.
    const reply = replyOf(slack.messages(CHANNEL), setupRun.parentTs ?? '', suppressedControl);
    const view = await openModal(slack, url, reply);
    const record = async (): Promise<Suppression | undefined> =>
      (await store.listSuppressions()).find((s) => s.controlId === suppressedControl);
    await phase(
      'apply',
      async (last) => {
        // Before the record exists, the read of the findings and the permalink are points too. Every
        // attempt sends all 250 again (3 calls); a kill after the last must come before the record's write.
        const exists = (await record()) !== undefined;
        const points: Omit<KillPoint, 'phase'>[] = [
          ...(exists
            ? []
            : [
                { source: 'aws', method: 'GetFindings', nth: 1, delayMs: Math.floor(rand() * 20) },
                { source: 'slack', method: 'chat.getPermalink', nth: 1, delayMs: 0 },
              ]),
          ...batchUpdatePoints(),
          // After the record is active, before the digest reply is edited: this ends the phase.
          ...(last ? [{ source: 'slack', method: 'chat.update', nth: 1, delayMs: 0 }] : []),
        ] as Omit<KillPoint, 'phase'>[];
        return { phase: 'apply', ...pick(points) };
      },
      () => postToBot(url, interactionBody(submission(view)), { secret: signingSecret }).catch(() => null),
      async () => (await record())?.state === 'active',
    );
    const applied = await record();
    const afterApply = integrity(findings(), applied ? [applied] : []);

    // 3. Lift it.
    await phase(
      'lift',
      async () => ({ phase: 'lift', ...pick(batchUpdatePoints()) }),
      () => slash(`unsuppress ${applied?.id ?? 0} --reason "${liftReason}"`),
      async () => (await record())?.state === 'lifted',
    );
    await bot.stop();

    const records = await store.listSuppressions();
    const afterLift = integrity(findings(), records);
    const sawSuppression = findings().some((f) => f.Note?.Text?.startsWith(suppressReason));
    const history = (await Promise.all(records.map((r) => store.suppressionHistory(r.id)))).flat.length;
    void history;
    let outOfOrder = 0;
    for (const r of records) outOfOrder += auditOutOfOrder(await store.suppressionHistory(r.id));
    const digest = digestReplies(slack.messages(CHANNEL), setupRun.parentTs ?? '');
    return {
      seed: options.seed,
      killsPlanned: options.kills,
      killsLanded: kills.filter((k) => k.landed).length,
      killsByPhase: {
        digest: kills.filter((k) => k.landed && k.phase === 'digest').length,
        apply: kills.filter((k) => k.landed && k.phase === 'apply').length,
        lift: kills.filter((k) => k.landed && k.phase === 'lift').length,
      },
      killsInPostWindow: windowKills,
      suppressionRecordsLost: sawSuppression && records.length === 0 ? 1 : 0,
      findingsSuppressedWithoutActiveRecord:
        afterApply.suppressedWithoutActive + afterLift.suppressedWithoutActive,
      findingsNewUnderActiveRecord: afterApply.newUnderActive + afterLift.newUnderActive,
      duplicateDigestReplies: digest.duplicates,
      duplicated: digest.duplicated,
      missingDigestReplies: digest.missing,
      auditEventsOutOfOrder: outOfOrder,
      restarts: bot.starts - 1,
      elapsedMs: Date.now() - started,
      timedOut,
      kills,
    };
  } finally {
    if (pendingKill) clearTimeout(pendingKill);
    await bot.stop();
    store.close();
    await slack.close();
    await aws.close();
  }
}

/**
 * Inside the n-th of the 3 BatchUpdateFindings calls of 250 findings (AWS applied it, the bot never
 * hears). The bot sends the three at once and writes the outcome right after, so a kill even a
 * millisecond later can come too late.
 */
function batchUpdatePoints(): Omit<KillPoint, 'phase'>[] {
  return [1, 2, 3].map((nth) => ({ source: 'aws' as const, method: 'BatchUpdateFindings', nth, delayMs: 0 }));
}

async function waitFor<T>(probe: () => Promise<T | null | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('soak: condition not met in time');
    await sleep(50);
  }
}

/** SUPPRESSED findings no active record covers; NEW findings an active record covers. */
function integrity(findings: readonly EmulatedFinding[], records: readonly Suppression[]) {
  const active = records.filter((r) => r.state === 'active' || r.state === 'partial');
  const covered = new Set(active.flatMap((r) => r.findings.map((f) => f.id)));
  return {
    suppressedWithoutActive: findings.filter((f) => f.Workflow?.Status === 'SUPPRESSED' && !covered.has(f.Id))
      .length,
    newUnderActive: findings.filter((f) => f.Workflow?.Status === 'NEW' && covered.has(f.Id)).length,
  };
}

const isParent = (m: StoredMessage) => !m.thread_ts || m.thread_ts === m.ts;
const controlOf = (m: StoredMessage) =>
  /\] ([A-Za-z0-9]+\.[0-9]+)\*/.exec(JSON.stringify(m.blocks))?.[1] ?? null;

function replyOf(messages: readonly StoredMessage[], parentTs: string, controlId: string): StoredMessage {
  const reply = messages.find(
    (m) => m.thread_ts === parentTs && m.ts !== parentTs && controlOf(m) === controlId,
  );
  if (!reply) throw new Error(`soak: no digest reply for ${controlId}`);
  return reply;
}

/** Digest messages after the setup digest: more than one parent, or one control twice, is a duplicate. */
function digestReplies(messages: readonly StoredMessage[], setupParentTs: string) {
  // Digest parents only (an in-channel `unsuppress` answer is a parent message too).
  const parents = messages.filter(
    (m) => isParent(m) && m.ts > setupParentTs && JSON.stringify(m.blocks).includes('FSBP digest'),
  );
  const perControl = new Map<string, number>();
  for (const m of messages) {
    if (isParent(m) || !parents.some((p) => p.ts === m.thread_ts)) continue;
    const id = controlOf(m) ?? '?';
    perControl.set(id, (perControl.get(id) ?? 0) + 1);
  }
  const duplicates =
    Math.max(0, parents.length - 1) + [...perControl.values()].reduce((n, c) => n + Math.max(0, c - 1), 0);
  const duplicated = [
    ...(parents.length > 1 ? [`parent x${parents.length}`] : []),
    ...[...perControl].filter(([, n]) => n > 1).map(([id, n]) => `${id} x${n}`),
  ];
  return { duplicates, duplicated, missing: newControls.filter((c) => !perControl.has(c)).length };
}

async function openModal(slack: SlackEmulator, url: string, reply: StoredMessage) {
  const button = (reply.blocks as { elements?: { action_id?: string; value?: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'suppress_open');
  const opened = slack.calls('views.open').length;
  const payload = blockActionPayload({
    user: TARO,
    channel: CHANNEL,
    message_ts: reply.ts,
    action_id: 'suppress_open',
    value: button?.value ?? '',
    trigger_id: slack.mintTriggerId(),
    response_url: slack.responseUrl({ channel: CHANNEL }),
  });
  await postToBot(url, interactionBody(payload), { secret: signingSecret });
  const call = await waitFor(async () => slack.calls('views.open')[opened], 15_000);
  return (call.response as { view: Record<string, unknown> }).view;
}

function submission(view: Record<string, unknown>) {
  return viewSubmissionPayload({
    user: TARO,
    callback_id: 'suppress_submit',
    private_metadata: String(view.private_metadata),
    view_id: String(view.id),
    view,
    values: {
      reason: { value: suppressReason },
      expiry: {
        value: {
          type: 'static_select',
          selected_option: { value: '30', text: { type: 'plain_text', text: '30' } },
        },
      },
      date: { value: { type: 'datepicker', selected_date: null } },
      scope: { value: { type: 'radio_buttons', selected_option: { value: 'control' } } },
    },
  });
}
