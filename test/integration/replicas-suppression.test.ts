/**
 * Suppressions with two real bot processes (the built `fsbp serve`) on one PostgreSQL schema: a
 * submit on one replica and an `unsuppress` on the other serialize on the suppression's lease, and
 * the expiry job, fired by both replicas' crons, lifts an expired suppression once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import type { Store } from '../../src/store/store.ts';
import { suppressionLock } from '../../src/suppression/lock.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, type StoredMessage, startSlackEmulator } from '../emulator/slack/server.ts';
import { buildState } from '../helpers/aws-state.ts';
import { botToken, eventually } from '../helpers/bot.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';
import { type Replica, slashBody, startReplica, writeConfig } from '../helpers/replicas.ts';
import {
  type BotSurface,
  clickSuppress,
  emulatedFindings,
  modalOutcome,
  replyFor,
  submitSuppress,
} from '../helpers/suppress-flow.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0SUPPR0001';
const TARO = 'U0JA00001';
const ALICE = 'U0EN00001';
const role = { name: 'FsbpBotRole' };

const available = await postgresAvailable();

const failing = (prefix: string, n: number, suppressed = false) =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    compliance: 'NON_COMPLIANT' as const,
    suppressed,
  }));

let aws: AwsEmulator;
let slack: SlackEmulator;
let schema: Awaited<ReturnType<typeof freshSchema>>;
let store: Store;
let a: Replica;
let b: Replica;

beforeAll(async () => {
  if (!available) return;
  aws = await startAwsEmulator({
    state: {
      ...buildState([
        {
          id: PROD,
          role,
          regions: {
            [TOKYO]: {
              controls: {
                'S3.8': failing('site', 3),
                // Suppressed a week ago for a week: the expiry job's work (its record is written below).
                'S3.9': failing('media', 2, true),
              },
            },
          },
        },
      ]),
      startEvaluationMinIntervalMs: 0,
    },
  });
  slack = await startSlackEmulator({
    botToken,
    users: {
      [TARO]: { name: 'taro', locale: 'en-US' },
      [ALICE]: { name: 'alice', locale: 'en-US' },
    },
    channels: { [CHANNEL]: { name: 'suppressions', member: true } },
  });
  schema = await freshSchema();
  const config = writeConfig({
    defaultLanguage: 'en',
    accounts: [
      { id: PROD, name: 'prod', roleArn: `arn:aws:iam::${PROD}:role/${role.name}`, regions: [TOKYO] },
    ],
    channels: [{ id: CHANNEL, accounts: ['prod'], digest: { language: 'en', enabled: false } }],
    suppression: { allowedUsers: [TARO, ALICE], minReasonLength: 10 },
  });
  const env = {
    AWS_ENDPOINT_URL: aws.url,
    SLACK_API_URL: slack.url,
    FSBP_STORE: schema.url,
    FSBP_STORE_POOL_SIZE: '4',
    FSBP_CONFIG: config,
    // Both replicas' suppression jobs fire at the same instants, every 2 seconds.
    FSBP_SUPPRESSION_JOB_SCHEDULE: '*/2 * * * * *',
    LOG_LEVEL: 'debug',
  };
  [a, b] = await Promise.all([startReplica('A', env), startReplica('B', env)]);
  store = await openPostgresStore({ connectionString: schema.url, poolSize: 2 });
}, 60_000);

afterAll(async () => {
  if (!available) return;
  await Promise.all([a?.kill(), b?.kill()]);
  await store?.close();
  await slack?.close();
  await aws?.close();
  await schema?.drop();
});

/** Waits until the store says so (an async probe). */
async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const on = (replica: Replica): BotSurface => ({ aws, slack, url: replica.url });
const statusesOf = (prefix: string) =>
  emulatedFindings(on(a), PROD, TOKYO)
    .filter((f) => f.Resources.some((r) => r.Id.includes(prefix)))
    .map((f) => f.Workflow?.Status);
const writes = () => aws.calls().filter((c) => c.operation === 'BatchUpdateFindings');
const trail = async (id: number) => (await store.suppressionHistory(id)).map((e) => e.action);

describe.skipIf(!available)('suppressions across replicas', () => {
  it('a submit on A and an unsuppress on B for the same suppression serialize: applied, then lifted, in Security Hub, the record and the audit trail', async () => {
    const sent = slashBody(slack, 'digest now', CHANNEL, TARO);
    expect((await a.slash(sent.body)).status).toBe(200);
    await eventually(() => slack.responses(sent.responseUrl)[0], 30_000);
    const parent = slack.messages(CHANNEL).find((m) => !m.thread_ts || m.thread_ts === m.ts) as StoredMessage;
    const { message, key } = replyFor(on(b), CHANNEL, parent, 'S3.8');

    // Security Hub answers the apply's BatchUpdateFindings slowly: A holds the lease all that time.
    aws.setFaults({ latencyMs: 4000, operations: ['BatchUpdateFindings'] });
    const { view } = await clickSuppress(on(b), TARO, CHANNEL, message, key);
    await submitSuppress(on(a), TARO, view, { reason: 'Public website buckets, by design' });
    const id = await until(async () => (await store.listSuppressions())[0]?.id, 15_000);
    await until(() => store.leaseHolder(suppressionLock(id)), 15_000);
    expect((await store.getSuppression(id))?.state).toBe('pending');

    const lift = slashBody(slack, `unsuppress ${id} --reason "The buckets went private"`, CHANNEL, ALICE);
    expect((await b.slash(lift.body)).status).toBe(200);
    const answer = await eventually(() => slack.responses(lift.responseUrl)[0], 60_000);
    aws.setFaults({});
    expect(JSON.stringify(answer.body)).toContain(`Suppression #${id} lifted: 3 finding(s)`);
    await modalOutcome(on(a), String(view.id), 'Suppressed 3 finding');

    // Security Hub: SUPPRESSED first, then NEW (the lift by ALICE's session), and NEW is what stays.
    const done = writes();
    expect(done).toHaveLength(2);
    expect(done[1]?.principal).toBe(`arn:aws:sts::${PROD}:assumed-role/${role.name}/fsbp-${ALICE}`);
    expect(statusesOf('site-')).toEqual(['NEW', 'NEW', 'NEW']);
    const record = await store.getSuppression(id);
    expect(record?.state).toBe('lifted');
    expect(record?.updated).toHaveLength(3);
    expect(await trail(id)).toEqual(['requested', 'active', 'lifted']);
  }, 120_000);

  it('both replicas’ suppression jobs fire; one of them lifts an expired suppression, with one BatchUpdateFindings', async () => {
    const findings = emulatedFindings(on(a), PROD, TOKYO).filter((f) =>
      f.Resources.some((r) => r.Id.includes('media-')),
    );
    expect(findings.map((f) => f.Workflow?.Status)).toEqual(['SUPPRESSED', 'SUPPRESSED']);
    const week = 7 * 24 * 60 * 60 * 1000;
    const skipped = () => [...a.logs, ...b.logs].join('').split('another replica holds its lease').length - 1;
    const skippedBefore = skipped();
    aws.resetCalls();
    // Every job run that takes the lease waits on the lift's write long enough for the other replica's
    // job to fire meanwhile and find the lease taken.
    aws.setFaults({ latencyMs: 3000, operations: ['BatchUpdateFindings'] });
    const { suppression } = await store.createSuppression({
      requestKey: 'expiry-across-replicas',
      controlId: 'S3.9',
      accountId: PROD,
      region: TOKYO,
      scope: 'resource',
      reason: 'Media buckets, until the migration',
      userId: TARO,
      userName: 'taro',
      createdAt: new Date(Date.now() - 2 * week).toISOString(),
      expiresAt: new Date(Date.now() - week).toISOString(),
      findings: findings.map((f) => ({
        id: f.Id,
        productArn: `arn:aws:securityhub:${TOKYO}::product/aws/securityhub`,
        resourceId: f.Resources[0]?.Id ?? '',
      })),
      channel: CHANNEL,
      messageTs: null,
      permalink: null,
    });
    await store.suppressionProgress(
      suppression.id,
      TARO,
      'active',
      findings.map((f) => f.Id),
      [],
    );
    await until(async () => (await store.getSuppression(suppression.id))?.state === 'expired', 30_000);
    await eventually(() => skipped() > skippedBefore, 15_000);
    aws.setFaults({});
    // A few more rounds of both jobs: nothing more is written.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    expect(writes()).toHaveLength(1);
    expect(statusesOf('media-')).toEqual(['NEW', 'NEW']);
    expect(await trail(suppression.id)).toEqual(['requested', 'active', 'expired']);
    // Both replicas' jobs fired (each logs every run at debug level).
    for (const replica of [a, b]) expect(replica.logs.join('')).toContain('suppression job');
  }, 90_000);
});
