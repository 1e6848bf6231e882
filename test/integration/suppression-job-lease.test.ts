/**
 * The suppression job holds the maintenance lease while it works; a job that stalled past the lease
 * and was taken over stops before its next AWS write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import { staticAccountDirectory } from '../../src/organization/directory.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { maintainSuppressions } from '../../src/suppression/maintain.ts';
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
