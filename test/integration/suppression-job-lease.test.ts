/**
 * The suppression job holds the maintenance lease while it works; a job that stalled past the lease
 * and was taken over stops before its next AWS write.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { staticAccountDirectory } from '../../src/organization/directory.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { maintainSuppressions, regionAccessFor } from '../../src/suppression/maintain.ts';
import type { NewSuppression } from '../../src/suppression/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';
const config = Config.parse({ accounts: [{ id: PROD, regions: [TOKYO] }] });

let emulator: AwsEmulator;
let aws: ReturnType<typeof createAwsPort>;
beforeAll(async () => {
  emulator = await startAwsEmulator({
    state: ownAccountState(PROD, TOKYO, {
      'S3.8': [{ id: 'bucket-1', compliance: 'NON_COMPLIANT' }],
      'EC2.19': [{ id: 'sg-1', compliance: 'NON_COMPLIANT' }],
    }),
  });
  useAwsEndpoint(emulator.url);
  aws = createAwsPort({ maxAttempts: 1 });
});
afterAll(async () => {
  aws.close();
  await emulator.close();
});

describe('the suppression job’s lease', () => {
  it('a job taken over while it waits on AWS lifts nothing more', async () => {
    let clock = Date.parse('2026-12-31T00:00:00.000Z');
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    const access = await aws.region({ id: PROD }, TOKYO, 'test');
    const failing = await access.findings.failingFindings(['HIGH', 'MEDIUM', 'LOW', 'CRITICAL']);
    const ids: number[] = [];
    for (const finding of failing) {
      const input: NewSuppression = {
        requestKey: finding.id,
        controlId: finding.controlId,
        accountId: PROD,
        region: TOKYO,
        scope: 'resource',
        reason: 'expired in this test',
        userId: 'U1',
        userName: 'taro',
        createdAt: '2026-11-01T00:00:00.000Z',
        expiresAt: '2026-12-01T00:00:00.000Z',
        findings: [{ id: finding.id, productArn: finding.productArn, resourceId: finding.resourceId }],
        channel: null,
        messageTs: null,
        permalink: null,
      };
      const { suppression } = await store.createSuppression(input);
      await store.suppressionProgress(suppression.id, 'U1', 'active', [finding.id], []);
      ids.push(suppression.id);
    }
    expect(ids).toHaveLength(2);
    emulator.resetCalls();
    emulator.setFaults({ latencyMs: 1500, operations: ['BatchUpdateFindings'] });
    // The job reads the clock first thing after it took the lease.
    let started: () => void = () => {};
    const leased = new Promise<void>((r) => {
      started = r;
    });
    const now = () => {
      started();
      return clock;
    };
    const job = maintainSuppressions(
      { store, aws, config, accounts: staticAccountDirectory(config), now },
      'job-a',
    );
    await leased;
    // The first lift is waiting on AWS (1.5 s); meanwhile the lease runs out and another replica's job takes it.
    await new Promise((r) => setTimeout(r, 300));
    clock += 11 * 60 * 1000;
    expect(await store.acquireLease('suppression-maintenance', 'job-b', 10 * 60 * 1000)).not.toBeNull();
    const report = await job;
    emulator.setFaults({});
    const updates = emulator.calls().filter((c) => c.operation === 'BatchUpdateFindings');
    expect(updates).toHaveLength(1);
    expect(report.expired).toHaveLength(1);
    const states = await Promise.all(ids.map(async (id) => (await store.getSuppression(id))?.state));
    expect(states.sort()).toEqual(['active', 'expired']);
    await store.close();
  });
});

describe('the suppression job and an account that left the config', () => {
  it('reports the record by that one account, lists no other configured account, and writes nothing', async () => {
    const clock = Date.parse('2026-12-31T00:00:00.000Z');
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    const GONE = '999999999999';
    const configured = Config.parse({
      accounts: [
        { id: PROD, name: 'prod', regions: [TOKYO] },
        { id: '333333333333', name: 'secret-m-and-a', regions: [TOKYO] },
      ],
    });
    const { suppression } = await store.createSuppression({
      requestKey: 'gone-1',
      controlId: 'S3.8',
      accountId: GONE,
      region: TOKYO,
      scope: 'resource',
      reason: 'account since removed from the config',
      userId: 'U1',
      userName: 'taro',
      createdAt: '2026-11-01T00:00:00.000Z',
      expiresAt: '2026-12-01T00:00:00.000Z',
      findings: [{ id: 'f-gone', productArn: 'arn:p', resourceId: 'bucket-x' }],
      channel: null,
      messageTs: null,
      permalink: null,
    });
    emulator.resetCalls();
    const report = await maintainSuppressions(
      { store, aws, config: configured, accounts: staticAccountDirectory(configured), now: () => clock },
      'job',
    );
    expect(report.failed).toEqual([
      { id: suppression.id, code: 'account_not_configured', message: expect.stringContaining(GONE) },
    ]);
    // What the job's log line carries (the report), and the error as a refusal's log line serializes it.
    const error = await regionAccessFor(
      { aws, accounts: staticAccountDirectory(configured) },
      GONE,
      TOKYO,
      'job',
    ).catch((e) => e);
    for (const logged of [JSON.stringify(report), JSON.stringify(pino.stdSerializers.err(error))]) {
      expect(logged).toContain(GONE);
      for (const other of ['prod', PROD, 'secret-m-and-a', '333333333333'])
        expect(logged).not.toContain(other);
    }
    expect(emulator.calls().filter((c) => c.operation === 'BatchUpdateFindings')).toEqual([]);
    expect((await store.getSuppression(suppression.id))?.state).toBe('pending');
    await store.close();
  });
});
