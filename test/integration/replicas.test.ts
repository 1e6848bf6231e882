/**
 * Two real bot processes (the built `fsbp serve`) on one PostgreSQL schema, with the AWS and Slack
 * emulators, receiving signed requests as Slack would send them to either replica.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, type StoredMessage, startSlackEmulator } from '../emulator/slack/server.ts';
import {
  blockActionPayload,
  interactionBody,
  postToBot,
  viewSubmissionPayload,
} from '../emulator/slack/signing.ts';
import { startSocketModeServer } from '../emulator/slack/socket-mode.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { botToken, eventually, signingSecret } from '../helpers/bot.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';
import { type Replica, slashBody, startReplica, writeConfig } from '../helpers/replicas.ts';
import { suppressFormValues } from '../helpers/suppress-form.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CRON = 'C0CRON00001';
const KILL = 'C0KILL00001';
const SLOT = 'C0SLOT00001';
const controls = ['S3.8', 'EC2.19', 'IAM.3', 'KMS.3', 'S3.1', 'EC2.2'];

const available = await postgresAvailable();

let aws: AwsEmulator;
let slack: SlackEmulator;
let schema: Awaited<ReturnType<typeof freshSchema>>;
let a: Replica;
let b: Replica;
/** Controls suppressed by an earlier test: their findings are left out of later digests. */
let suppressedControls = 0;
/** When both replicas' crons fire for CRON (a few seconds after start-up). */
let cronAt: Date;

beforeAll(async () => {
  if (!available) return;
  aws = await startAwsEmulator({
    state: ownAccountState(
      PROD,
      TOKYO,
      Object.fromEntries(
        controls.map((c, i) => [c, [{ id: `res-${i}`, compliance: 'NON_COMPLIANT' as const }]]),
      ),
    ),
  });
  slack = await startSlackEmulator({
    botToken,
    users: {
      U0EN00001: { name: 'alice', locale: 'en-US' },
      U0EN00002: { name: 'bob', locale: 'en-US' },
    },
    channels: {
      [CRON]: { name: 'cron', member: true },
      [KILL]: { name: 'kill', member: true },
      [SLOT]: { name: 'slot', member: true },
    },
  });
  schema = await freshSchema();
  cronAt = new Date(Date.now() + 20_000);
  const config = writeConfig({
    defaultLanguage: 'en',
    accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
    channels: [
      {
        id: CRON,
        accounts: ['prod'],
        digest: {
          schedule: `${cronAt.getUTCSeconds()} ${cronAt.getUTCMinutes()} ${cronAt.getUTCHours()} * * *`,
          timezone: 'UTC',
          language: 'en',
        },
      },
      { id: KILL, accounts: ['prod'], digest: { language: 'en' } },
      { id: SLOT, accounts: ['prod'], digest: { enabled: false } },
    ],
    suppression: { allowedUsers: ['U0EN00001'] },
  });
  const env = {
    AWS_ENDPOINT_URL: aws.url,
    SLACK_API_URL: slack.url,
    FSBP_STORE: schema.url,
    FSBP_STORE_POOL_SIZE: '4',
    FSBP_CONFIG: config,
    FSBP_DIGEST_LEASE_SECONDS: '3',
    FSBP_DIGEST_RESUME_SCHEDULE: '*/2 * * * * *',
  };
  // Started together on a fresh schema: they migrate it once between them.
  [a, b] = await Promise.all([startReplica('A', env), startReplica('B', env)]);
}, 60_000);

afterAll(async () => {
  if (!available) return;
  await Promise.all([a?.kill(), b?.kill()]);
  await slack?.close();
  await aws?.close();
  await schema?.drop();
});

function parents(channel: string): StoredMessage[] {
  return slack
    .messages(channel)
    .filter(
      (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks).includes('FSBP digest'),
    );
}

function replies(channel: string, parent: StoredMessage): StoredMessage[] {
  return slack.messages(channel).filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts);
}

/** The control each reply is about (the Suppress button's value is unique per reply). */
function keys(messages: StoredMessage[]): string[] {
  return messages.map((m) => /"value":"([^"]+)"/.exec(JSON.stringify(m.blocks))?.[1] ?? 'none');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('several replicas on one PostgreSQL database', () => {
  it('a slash command delivered to A and retried by Slack to B runs once', async () => {
    const { body, responseUrl } = slashBody(slack, 'explain S3.1', KILL);
    expect((await a.slash(body)).status).toBe(200);
    expect(
      (await b.slash(body, { 'X-Slack-Retry-Num': '1', 'X-Slack-Retry-Reason': 'http_timeout' })).status,
    ).toBe(200);
    await eventually(() => slack.responses(responseUrl)[0], 15_000);
    await sleep(1500);
    expect(slack.responses(responseUrl)).toHaveLength(1);
  });

  it('both replicas’ crons fire for one channel: one digest thread, each reply once', async () => {
    await sleep(Math.max(0, cronAt.getTime() - Date.now()));
    const parent = await eventually(() => parents(CRON)[0], 20_000);
    await eventually(() => replies(CRON, parent).length >= controls.length, 30_000);
    // Long enough for a second run (the other replica, or the resume job) to have posted anything.
    await sleep(4000);
    expect(parents(CRON)).toHaveLength(1);
    const posted = keys(replies(CRON, parent));
    expect(posted).toHaveLength(controls.length);
    expect(new Set(posted).size).toBe(controls.length);
  }, 60_000);

  it('a suppression clicked on B and submitted on A is listed by /fsbp suppressions on B at once', async () => {
    const parent = parents(CRON)[0] as StoredMessage;
    const reply = replies(CRON, parent)[0] as StoredMessage;
    const key = keys([reply])[0] as string;
    const opened = slack.calls('views.open').length;
    const click = blockActionPayload({
      user: 'U0EN00001',
      channel: CRON,
      message_ts: reply.ts,
      action_id: 'suppress_open',
      value: key,
      trigger_id: slack.mintTriggerId(),
      response_url: slack.responseUrl({ channel: CRON }),
    });
    expect((await postToBot(b.url, interactionBody(click), { secret: signingSecret })).status).toBe(200);
    const call = await eventually(() => slack.calls('views.open')[opened], 15_000);
    const view = (call.response as { view: Record<string, unknown> }).view;
    const submission = viewSubmissionPayload({
      user: 'U0EN00001',
      callback_id: 'suppress_submit',
      private_metadata: String(view.private_metadata),
      values: suppressFormValues({ reason: 'accepted by the replica test' }),
      view_id: String(view.id),
      view,
    });
    expect((await postToBot(a.url, interactionBody(submission), { secret: signingSecret })).status).toBe(200);
    await eventually(
      () =>
        slack
          .calls('views.update')
          .some((c) => c.args.view_id === view.id && JSON.stringify(c.args.view).includes('Suppressed')),
      30_000,
    );
    const { body, responseUrl } = slashBody(slack, 'suppressions', CRON);
    expect((await b.slash(body)).status).toBe(200);
    const listed = await eventually(() => slack.responses(responseUrl)[0], 15_000);
    expect(JSON.stringify(listed.body)).toContain('accepted by the replica test');
    suppressedControls += 1;
  }, 60_000);

  it('one check per user and channel across replicas: a second on B while A runs the first gets a private link to it', async () => {
    // Security Hub and Config answer slowly: the check on A is still running when B gets the second.
    aws.setFaults({ latencyMs: 1500, services: ['config', 'securityhub'] });
    // The check's own messages in the channel: placeholders, later replaced by their results.
    const posts = () => slack.messages(SLOT).filter((m) => !m.thread_ts);
    try {
      expect((await a.slash(slashBody(slack, 'check S3.8 --account prod', SLOT).body)).status).toBe(200);
      const first = await eventually(() => posts()[0], 15_000);
      expect(first.text).toContain('Checking');
      const second = slashBody(slack, 'check all', SLOT);
      expect((await b.slash(second.body)).status).toBe(200);
      const answer = await eventually(() => slack.responses(second.responseUrl)[0], 15_000);
      const shown = JSON.stringify(answer.body);
      expect((answer.body as { response_type?: string }).response_type).toBe('ephemeral');
      expect(shown).toContain('Your check in this channel is still running');
      expect(shown).toContain(`/archives/${SLOT}/p${first.ts.replace('.', '')}`);
      // Someone else may check in the same channel at the same time, on either replica.
      const other = slashBody(slack, 'check S3.8 --account prod', SLOT, 'U0EN00002');
      expect((await b.slash(other.body)).status).toBe(200);
      await eventually(() => posts().length === 2, 15_000);
      expect(slack.responses(other.responseUrl)).toEqual([]);
      aws.setFaults({});
      // Once both have answered (placeholders replaced by results), the same user may check again.
      await eventually(() => posts().every((m) => m.edited), 30_000);
      const third = slashBody(slack, 'check S3.8 --account prod', SLOT);
      expect((await b.slash(third.body)).status).toBe(200);
      await eventually(() => posts().length === 3, 30_000);
      expect(slack.responses(third.responseUrl)).toEqual([]);
    } finally {
      aws.setFaults({});
    }
  }, 90_000);

  it('SIGKILL of A after its 3rd reply: B completes the run, no reply lost, a duplicate only in the documented window', async () => {
    const expected = controls.length - suppressedControls;
    const { body } = slashBody(slack, 'digest now', KILL);
    expect((await a.slash(body)).status).toBe(200);
    const parent = await eventually(() => parents(KILL)[0], 20_000);
    await eventually(() => replies(KILL, parent).length >= 3, 20_000);
    await a.kill('SIGKILL');
    const killedAt = Date.now();
    const atKill = replies(KILL, parent).length;
    await eventually(() => replies(KILL, parent).length > atKill, 30_000);
    const failoverMs = Date.now() - killedAt;
    await eventually(() => new Set(keys(replies(KILL, parent))).size >= expected, 30_000);
    await sleep(3000);
    const posted = keys(replies(KILL, parent));
    expect(new Set(posted).size).toBe(expected);
    // Slack may have accepted a post whose ts A had not stored yet: that one reply can appear twice.
    expect(posted.length - expected).toBeLessThanOrEqual(1);
    expect(parents(KILL)).toHaveLength(1);
    // Lease TTL (3 s here) + the resume job's period (2 s) + pacing; the figure goes to the log.
    expect(failoverMs).toBeLessThan(3_000 + 60_000);
    console.info(`failover: ${failoverMs} ms from SIGKILL to the survivor's next reply`);
  }, 90_000);

  it('/readyz says not ready while the database holds a schema newer than the replica knows', async () => {
    const readyz = () => fetch(b.url.replace('/slack/events', '/readyz')).then((r) => r.status);
    expect(await readyz()).toBe(200);
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    await admin.query('UPDATE fsbp_schema SET version = version + 1');
    expect(await readyz()).toBe(503);
    await admin.query('UPDATE fsbp_schema SET version = version - 1');
    await admin.end();
    expect(await readyz()).toBe(200);
  });
});

describe.skipIf(!available)('two Socket Mode replicas on one PostgreSQL database', () => {
  it('one envelope delivered to both connections (a redelivery) is handled once', async () => {
    const appToken = 'xapp-1-A0EMU00001-1234567890-socketmodetoken';
    const socket = await startSocketModeServer({ appToken, forwardTo: slack.url });
    const config = writeConfig({
      accounts: [{ id: PROD, regions: [TOKYO] }],
      channels: [{ id: KILL, accounts: [PROD] }],
    });
    const env = {
      AWS_ENDPOINT_URL: aws.url,
      SLACK_API_URL: socket.apiUrl,
      SLACK_APP_TOKEN: appToken,
      FSBP_STORE: schema.url,
      FSBP_STORE_POOL_SIZE: '2',
      FSBP_CONFIG: config,
    };
    const replicas = await Promise.all([startReplica('S1', env), startReplica('S2', env)]);
    try {
      await eventually(() => socket.connections() === 2, 15_000);
      const responseUrl = slack.responseUrl({ channel: KILL });
      const acks = await socket.sendToEvery('slash_commands', {
        token: 'legacy',
        team_id: 'T0EMU00001',
        channel_id: KILL,
        user_id: 'U0EN00001',
        user_name: 'alice',
        command: '/fsbp',
        text: 'explain S3.1',
        api_app_id: 'A0EMU00001',
        response_url: responseUrl,
        trigger_id: '7.7.socket-replicas',
      });
      expect(acks).toHaveLength(2);
      await eventually(() => slack.responses(responseUrl)[0], 15_000);
      await sleep(1500);
      expect(slack.responses(responseUrl)).toHaveLength(1);
    } finally {
      await Promise.all(replicas.map((r) => r.kill()));
      await socket.close();
    }
  }, 60_000);
});
