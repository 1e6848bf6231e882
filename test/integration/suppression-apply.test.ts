import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { Config } from '../../src/config/schema.ts';
import type { RegionAccess } from '../../src/engine/ports.ts';
import { staticAccountDirectory } from '../../src/organization/directory.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import {
  applySuppression,
  completeSuppression,
  maxReasonLength,
  noteLimit,
  suppressionNote,
} from '../../src/suppression/apply.ts';
import { liftSuppression } from '../../src/suppression/lift.ts';
import { resuppressReset } from '../../src/suppression/maintain.ts';
import { suppressTarget } from '../../src/suppression/request.ts';
import type { NewSuppression } from '../../src/suppression/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { catalog, ownAccountState } from '../helpers/aws-state.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';

function state() {
  const built = ownAccountState(PROD, TOKYO, {
    'S3.8': Array.from({ length: 250 }, (_, i) => ({
      id: `bucket-${i}`,
      compliance: 'NON_COMPLIANT' as const,
    })),
  });
  return built;
}

let emulator: AwsEmulator;
let access: RegionAccess;
let aws: ReturnType<typeof createAwsPort>;
beforeAll(async () => {
  emulator = await startAwsEmulator({ state: state() });
  useAwsEndpoint(emulator.url);
  aws = createAwsPort({ maxAttempts: 1 });
  access = await aws.region({ id: PROD }, TOKYO, 'U0TEST0001');
});
afterAll(async () => {
  aws.close();
  await emulator.close();
});
beforeEach(() => {
  emulator.setState(state());
  emulator.setFaults({});
});

async function request(key: string, extra: NewSuppression['findings'] = []): Promise<NewSuppression> {
  const findings = (await access.findings.failingFindings(['HIGH'])).map(
    ({ id, productArn, resourceId }) => ({
      id,
      productArn,
      resourceId,
    }),
  );
  emulator.resetCalls();
  return {
    requestKey: key,
    controlId: 'S3.8',
    accountId: PROD,
    region: TOKYO,
    scope: 'control',
    reason: 'Static website buckets, reviewed by the platform team',
    userId: 'U0TEST0001',
    userName: 'taro',
    createdAt: '2026-11-30T00:00:00.000Z',
    expiresAt: '2026-12-30T00:00:00.000Z',
    findings: [...findings, ...extra],
    channel: null,
    messageTs: null,
    permalink: null,
  };
}

const updates = () => emulator.calls().filter((c) => c.operation === 'BatchUpdateFindings');

describe('applying a suppression', () => {
  it('records it first, then suppresses 250 findings in 3 calls with the note, and keeps the history', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const input = await request('view-1');
    const { suppression, created } = await applySuppression(store, access.workflow, input, 'test');
    expect(created).toBe(true);
    expect(suppression.state).toBe('active');
    expect(suppression.updated).toHaveLength(250);
    expect(updates()).toHaveLength(3);
    expect(await access.findings.failingFindings(['HIGH'])).toEqual([]);
    expect((await store.suppressionHistory(suppression.id)).map((e) => e.action)).toEqual([
      'requested',
      'active',
    ]);
    const stored = (
      emulator.getState() as {
        accounts: Record<string, { regions: Record<string, { findings: { Note?: { Text: string } }[] }> }>;
      }
    ).accounts[PROD]?.regions[TOKYO]?.findings[0];
    expect(stored?.Note?.Text).toBe(
      'Static website buckets, reviewed by the platform team — taro until 2026-12-30 (fsbp-bot)',
    );
  });

  it('makes no second suppression for a repeated submit', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const input = await request('view-2');
    await applySuppression(store, access.workflow, input, 'test');
    emulator.resetCalls();
    const again = await applySuppression(store, access.workflow, input, 'test');
    expect(again.created).toBe(false);
    expect(again.suppression.state).toBe('active');
    expect(updates()).toHaveLength(0);
  });

  it('says which findings were not updated when AWS fails, and a re-run completes it without resending', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const ghost = {
      id: `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3.8/finding/gone`,
      productArn: `arn:aws:securityhub:${TOKYO}::product/aws/securityhub`,
      resourceId: 'gone',
    };
    const input = await request('view-3', [ghost]);
    emulator.setFaults({ operations: ['BatchUpdateFindings'], errorRate: 1 });
    const failed = await applySuppression(store, access.workflow, input, 'test');
    expect(failed.suppression.state).toBe('partial');
    expect(failed.suppression.updated).toEqual([]);
    expect(failed.suppression.failed).toHaveLength(251);
    emulator.setFaults({});
    emulator.resetCalls();
    const completed = await applySuppression(store, access.workflow, input, 'test');
    expect(completed.suppression.updated).toHaveLength(250);
    // Only the unknown finding is left, named with AWS's reason.
    expect(completed.suppression.failed).toEqual([
      { id: ghost.id, code: 'FindingNotFound', message: expect.any(String) },
    ]);
    emulator.resetCalls();
    const third = await applySuppression(store, access.workflow, input, 'test');
    // Only the one finding not yet updated is sent again (and retried once).
    expect(updates()).toHaveLength(2);
    expect(third.suppression.updated).toHaveLength(250);
    expect((await store.suppressionHistory(third.suppression.id)).map((e) => e.action)).toEqual([
      'requested',
      'partial',
      'partial',
      'partial',
    ]);
  });
});

describe('the note', () => {
  it('always fits Security Hub’s 512 characters, whatever the reason and the user name', () => {
    const expiresAt = '2026-12-30T00:00:00.000Z';
    // The modal allows maxReasonLength characters: with the longest name kept, that is exactly 512.
    const longName = 'n'.repeat(60);
    expect([
      ...suppressionNote({ userName: longName, expiresAt, reason: 'x'.repeat(maxReasonLength) }),
    ]).toHaveLength(noteLimit);
    const short = suppressionNote({ userName: 'たろう', expiresAt, reason: 'x'.repeat(maxReasonLength) });
    expect(short.endsWith(' — たろう until 2026-12-30 (fsbp-bot)')).toBe(true);
    expect([...short].length).toBeLessThan(noteLimit);
    expect([...suppressionNote({ userName: 'たろう', expiresAt, reason: 'y'.repeat(2000) })]).toHaveLength(
      noteLimit,
    );
  });
});

describe('what a Suppress button covers', () => {
  const config = Config.parse({
    accounts: [{ id: PROD, regions: [TOKYO] }],
    channels: [{ id: 'C0123456789', accounts: [PROD] }],
  });

  async function withTarget(findingIds: string[]) {
    const store = openSqliteStore({ path: ':memory:' });
    await store.recordCheckTargets([
      {
        key: 'AbCdEfGhIjKlMnOp',
        controlId: 'S3.8',
        accountId: PROD,
        region: TOKYO,
        findingIds,
        resources: findingIds.map((id) => id.split('/').at(-1) ?? id),
        channel: 'C0123456789',
        createdAt: '2026-11-30T00:00:00.000Z',
      },
    ]);
    return store;
  }

  const choice = { reason: 'Reviewed by the web team', expiresAt: '2026-12-30T00:00:00.000Z' };
  const who = { key: 'AbCdEfGhIjKlMnOp', channel: 'C0123456789', userId: 'U0TEST0001', userName: 'taro' };

  it('leaves findings suppressed by someone else alone, note included', async () => {
    const failing = await access.findings.failingFindings(['HIGH']);
    const [mine, theirs] = failing;
    if (!mine || !theirs) throw new Error('need two findings');
    await access.workflow.updateWorkflow([theirs], {
      status: 'SUPPRESSED',
      note: 'console',
      updatedBy: 'someone',
    });
    const store = await withTarget([mine.id, theirs.id]);
    emulator.resetCalls();
    const outcome = await suppressTarget(
      { config, accounts: staticAccountDirectory(config), catalog, store, aws },
      { ...who, ...choice, scope: 'resource' },
      'h1',
    );
    expect(outcome.suppression.findings.map((f) => f.id)).toEqual([mine.id]);
    expect(outcome.suppression.state).toBe('active');
  });

  it('creates no record when nothing behind the button fails any more', async () => {
    const failing = await access.findings.failingFindings(['HIGH']);
    await access.workflow.updateWorkflow(failing, {
      status: 'SUPPRESSED',
      note: 'console',
      updatedBy: 'someone',
    });
    const store = await withTarget(failing.slice(0, 3).map((f) => f.id));
    await expect(
      suppressTarget(
        { config, accounts: staticAccountDirectory(config), catalog, store, aws },
        { ...who, ...choice, scope: 'control' },
        'h2',
      ),
    ).rejects.toMatchObject({ code: 'nothing_to_suppress' });
    expect(await store.listSuppressions()).toEqual([]);
  });
});

describe('re-suppressing findings Security Hub reset', () => {
  it('leaves them out of the digest; re-sends only once Security Hub has had time to apply the suppression', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const input = await request('view-grace');
    await applySuppression(store, access.workflow, input, 'test');
    // Security Hub reset two of them (pass, then fail again).
    const reset = input.findings.slice(0, 2);
    await access.workflow.updateWorkflow(reset, { status: 'NEW', note: 'reset', updatedBy: 'securityhub' });
    const failing = await access.findings.failingFindings(['HIGH']);
    expect(failing.map((f) => f.id).sort()).toEqual(reset.map((f) => f.id).sort());
    const workflowOf = async () => access.workflow;
    const active = await store.listSuppressions({ states: ['active', 'partial'] });
    emulator.resetCalls();
    const soon = await resuppressReset({ store }, active, failing, workflowOf, {
      now: Date.parse(input.createdAt) + 60_000,
    });
    expect(soon).toMatchObject({ uncovered: [], resuppressed: 0 });
    expect(updates()).toHaveLength(0);
    const later = await resuppressReset({ store }, active, failing, workflowOf, {
      now: Date.parse(input.createdAt) + 60 * 60_000,
    });
    expect(later).toMatchObject({ uncovered: [], resuppressed: 2 });
    expect(await access.findings.failingFindings(['HIGH'])).toEqual([]);
    const [suppression] = await store.listSuppressions();
    expect((await store.suppressionHistory(suppression?.id ?? 0)).map((e) => e.action)).toEqual([
      'requested',
      'active',
      'resuppressed',
    ]);
  });
});

describe('re-suppression and lifting read the record as it is now', () => {
  it('does not re-suppress a record past its expiry, even while the job has not lifted it yet', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const input = await request('view-expired');
    await applySuppression(store, access.workflow, input, 'test');
    const reset = input.findings.slice(0, 2);
    await access.workflow.updateWorkflow(reset, { status: 'NEW', note: 'reset', updatedBy: 'securityhub' });
    const failing = await access.findings.failingFindings(['HIGH']);
    const active = await store.listSuppressions({ states: ['active', 'partial'] });
    emulator.resetCalls();
    const afterExpiry = await resuppressReset({ store }, active, failing, async () => access.workflow, {
      now: Date.parse(input.expiresAt) + 60_000,
    });
    expect(afterExpiry.resuppressed).toBe(0);
    expect(updates()).toHaveLength(0);
    expect((await access.findings.failingFindings(['HIGH'])).map((f) => f.id).sort()).toEqual(
      reset.map((f) => f.id).sort(),
    );
  });

  it('lifts a partial record: every target back to NEW, a finding Security Hub no longer has does not block it', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const ghost = {
      id: `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3.8/finding/gone`,
      productArn: `arn:aws:securityhub:${TOKYO}::product/aws/securityhub`,
      resourceId: 'gone',
    };
    const input = await request('view-ghost', [ghost]);
    const applied = await applySuppression(store, access.workflow, input, 'test');
    expect(applied.suppression.state).toBe('partial');
    const lifted = await liftSuppression(store, access.workflow, applied.suppression.id, {
      state: 'lifted',
      actor: 'U0TEST0002',
      reason: 'Buckets made private',
      holder: 'lift',
      waitMs: 0,
    });
    expect(lifted).toMatchObject({ failed: [], reset: 250, suppression: { state: 'lifted' } });
    expect(await access.findings.failingFindings(['HIGH'])).toHaveLength(250);
  });

  it('keeps the record when AWS refuses to reset a finding it has, and says so in the audit trail', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const input = await request('view-refused');
    const applied = await applySuppression(store, access.workflow, input, 'test');
    const stuck = input.findings[0]?.id as string;
    emulator.setFaults({ unprocessedIds: [stuck] });
    const outcome = await liftSuppression(store, access.workflow, applied.suppression.id, {
      state: 'expired',
      actor: 'fsbp-bot',
      holder: 'job',
      waitMs: 0,
    });
    expect(outcome.failed.map((f) => f.id)).toEqual([stuck]);
    expect(outcome.suppression.state).toBe('active');
    expect((await store.suppressionHistory(applied.suppression.id)).map((e) => e.action)).toEqual([
      'requested',
      'active',
      'expired-refused',
    ]);
  });

  it('a lift that cannot get the lock in time refuses clearly and sends nothing', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const { suppression } = await store.createSuppression(await request('view-busy'));
    expect(await store.acquireLease(`suppression:${suppression.id}`, 'applier', 60_000)).not.toBeNull();
    emulator.resetCalls();
    const lift = liftSuppression(store, access.workflow, suppression.id, {
      state: 'lifted',
      actor: 'U0TEST0002',
      reason: 'Not needed any more',
      holder: 'lifter',
      waitMs: 300,
    });
    await expect(lift).rejects.toMatchObject({ code: 'suppression_busy', params: { id: suppression.id } });
    expect(updates()).toHaveLength(0);
    expect((await store.getSuppression(suppression.id))?.state).toBe('pending');
  });

  it('an apply finds the lock held by a lift and sends nothing', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const { suppression } = await store.createSuppression(await request('view-locked'));
    expect(
      await store.acquireLease(`suppression:${suppression.id}`, 'someone-lifting', 60_000),
    ).not.toBeNull();
    emulator.resetCalls();
    const outcome = await completeSuppression(store, access.workflow, suppression, 'applier');
    expect(outcome.busy).toBe(true);
    expect(updates()).toHaveLength(0);
  });
});
