/**
 * The store's contract: one suite, run unchanged against every backend (each backend's test file
 * calls it with a way to open a fresh, empty store on a given clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DigestPlanRecord } from '../../src/digest/types.ts';
import { holdLease, type LeaseGrant, LeaseLostError } from '../../src/store/lease.ts';
import type { Store } from '../../src/store/store.ts';
import { genesisHash, verifyChain } from '../../src/suppression/audit.ts';
import { type NewSuppression, SuppressionTransitionError } from '../../src/suppression/types.ts';

export type OpenStore = (now: () => number) => Promise<Store>;

const suppressionInput: NewSuppression = {
  requestKey: 'req-1',
  controlId: 'S3.8',
  accountId: '111111111111',
  region: 'ap-northeast-1',
  scope: 'resource',
  reason: 'accepted risk <!channel>',
  userId: 'U1',
  userName: 'taro',
  createdAt: '2026-11-30T00:00:00.000Z',
  expiresAt: '2026-12-30T00:00:00.000Z',
  findings: [{ id: 'f1', productArn: 'arn:p', resourceId: 'bucket-1' }],
  channel: 'C0123456789',
  messageTs: '1.1',
  permalink: null,
};

function plan(channel: string, overrides: Partial<DigestPlanRecord['summary']> = {}): DigestPlanRecord {
  return {
    channel,
    startedAt: '2026-12-01T00:00:00.000Z',
    summary: {
      date: '2026-12-01',
      accounts: ['prod'],
      failing: { HIGH: 2 },
      newCount: 2,
      overflow: 0,
      resolvedCount: 0,
      previousFailingTotal: null,
      resolvedIds: [],
      overflowIds: [],
      consoleUrl: null,
      ...overrides,
    },
    items: [
      {
        key: `${channel}-k1`,
        position: 0,
        controlId: 'EC2.19',
        accountId: '111111111111',
        region: 'ap-northeast-1',
        findingIds: ['f-a'],
        resources: ['sg-1'],
      },
      {
        key: `${channel}-k2`,
        position: 1,
        controlId: 'S3.8',
        accountId: '111111111111',
        region: 'ap-northeast-1',
        findingIds: ['f-b', 'f-c'],
        resources: ['b1', 'b2'],
        label: 'suppression_expired',
      },
    ],
  };
}

export function storeContract(backend: string, open: OpenStore): void {
  describe(`store contract: ${backend}`, () => {
    const clock = { at: Date.parse('2026-11-30T00:00:00.000Z') };
    const opened: Store[] = [];
    const fresh = async () => {
      clock.at = Date.parse('2026-11-30T00:00:00.000Z');
      const store = await open(() => clock.at);
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    it('keeps a user’s language and a channel’s digest switch', async () => {
      const store = await fresh();
      expect(await store.getUserLanguage('U1')).toBeNull();
      await store.setUserLanguage('U1', 'ja');
      await store.setUserLanguage('U1', 'both');
      expect(await store.getUserLanguage('U1')).toBe('both');
      await expect(store.setUserLanguage('U1', 'fr' as 'ja')).rejects.toThrow();
      expect(await store.digestEnabled('C1')).toBeNull();
      await store.setDigestEnabled('C1', false);
      expect(await store.digestEnabled('C1')).toBe(false);
      await store.setDigestEnabled('C1', true);
      expect(await store.digestEnabled('C1')).toBe(true);
    });

    it('claims a key once until it expires, also when claimed at the same moment', async () => {
      const store = await fresh();
      const first = await Promise.all([
        store.claimOnce('trigger-1', 60_000),
        store.claimOnce('trigger-1', 60_000),
      ]);
      expect(first.filter(Boolean)).toHaveLength(1);
      expect(await store.claimOnce('trigger-1', 60_000)).toBe(false);
      clock.at += 60_001;
      expect(await store.claimOnce('trigger-1', 60_000)).toBe(true);
    });

    it('grants leases with growing fencing tokens and refuses a holder taken over', async () => {
      const store = await fresh();
      const a = (await store.acquireLease('digest:C1', 'a', 100)) as LeaseGrant;
      expect(a.token).toBeGreaterThan(0);
      expect(await store.acquireLease('digest:C1', 'b', 100)).toBeNull();
      expect(await store.renewLease(a, 100)).toBe(true);
      clock.at += 101;
      const b = (await store.acquireLease('digest:C1', 'b', 100)) as LeaseGrant;
      expect(b.token).toBeGreaterThan(a.token);
      expect(await store.renewLease(a, 100)).toBe(false);
      await store.releaseLease(a);
      expect(await store.acquireLease('digest:C1', 'c', 100)).toBeNull();
      await store.releaseLease(b);
      const c = (await store.acquireLease('digest:C1', 'c', 100)) as LeaseGrant;
      expect(c.token).toBeGreaterThan(b.token);
      const held = await holdLease(store, 'job', 'x', { ttlMs: 100, renewEveryMs: 3_600_000 });
      clock.at += 101;
      expect(await store.acquireLease('job', 'y', 100)).not.toBeNull();
      await expect(held?.ensure()).rejects.toThrow(LeaseLostError);
      await held?.release();
    });

    it('gives a contended lease to exactly one of many acquiring at once', async () => {
      const store = await fresh();
      const grants = await Promise.all(
        Array.from({ length: 8 }, (_, i) => store.acquireLease('maintenance', `h${i}`, 1000)),
      );
      expect(grants.filter((g) => g !== null)).toHaveLength(1);
    });

    it('shows a lease’s live holder and its note; a holder taken over cannot note; a freed lease has no holder', async () => {
      const store = await fresh();
      const slot = 'check:U1|C1';
      expect(await store.leaseHolder(slot)).toBeNull();
      const a = (await store.acquireLease(slot, 'a', 100)) as LeaseGrant;
      expect(await store.leaseHolder(slot)).toEqual({ holder: 'a', token: a.token, note: null });
      expect(await store.noteLease(a, '1700000000.000100')).toBe(true);
      expect(await store.leaseHolder(slot)).toEqual({
        holder: 'a',
        token: a.token,
        note: '1700000000.000100',
      });
      // A crashed holder's lease runs out: nobody holds it, and the next holder starts without a note.
      clock.at += 101;
      expect(await store.leaseHolder(slot)).toBeNull();
      expect(await store.noteLease(a, 'late')).toBe(false);
      const b = (await store.acquireLease(slot, 'b', 100)) as LeaseGrant;
      expect(await store.noteLease(a, 'late')).toBe(false);
      expect(await store.leaseHolder(slot)).toEqual({ holder: 'b', token: b.token, note: null });
      await store.releaseLease(b);
      expect(await store.leaseHolder(slot)).toBeNull();
      // Other names are other slots.
      expect(await store.acquireLease('check:U1|C2', 'c', 100)).not.toBeNull();
      expect(await store.acquireLease('check:U2|C1', 'd', 100)).not.toBeNull();
    });

    it('records a digest run, its replies and what the channel was told, and resumes an unfinished one', async () => {
      const store = await fresh();
      expect(await store.lastDigest('C1')).toBeNull();
      const run = await store.createDigest(plan('C1', { resolvedIds: ['old'], overflowIds: ['f-over'] }));
      expect(run.items.map((i) => [i.position, i.ts, i.label])).toEqual([
        [0, null, undefined],
        [1, null, 'suppression_expired'],
      ]);
      expect((await store.unfinishedDigest('C1'))?.id).toBe(run.id);
      await store.setDigestParent(run.id, '100.1');
      await store.recordDigestItem(run.id, 0, '100.2');
      const resumed = await store.unfinishedDigest('C1');
      expect(resumed?.parentTs).toBe('100.1');
      expect(resumed?.items.map((i) => i.ts)).toEqual(['100.2', null]);
      expect(await store.reportedFindings('C1')).toEqual(new Set(['f-a']));
      await store.recordDigestItem(run.id, 1, '100.3');
      await store.finishDigest(run.id);
      expect(await store.unfinishedDigest('C1')).toBeNull();
      const last = await store.lastDigest('C1');
      expect(last?.finishedAt).not.toBeNull();
      expect(last?.summary.overflowIds).toEqual(['f-over']);
      expect(await store.reportedFindings('C1')).toEqual(new Set(['f-a', 'f-b', 'f-c', 'f-over']));
      expect(await store.reportedFindings('C2')).toEqual(new Set());
      expect((await store.digestRun(run.id))?.items).toHaveLength(2);
      expect(await store.digestItem('C1-k2')).toMatchObject({
        controlId: 'S3.8',
        findingIds: ['f-b', 'f-c'],
      });
      await store.forgetReported(['f-b', 'f-over']);
      expect(await store.reportedFindings('C1')).toEqual(new Set(['f-a', 'f-c']));
      // The next run forgets what it saw resolved.
      const next = await store.createDigest({ ...plan('C1', { resolvedIds: ['f-a'] }), items: [] });
      await store.finishDigest(next.id);
      expect(await store.reportedFindings('C1')).toEqual(new Set(['f-c']));
    });

    it('resolves Suppress keys of digest replies and check results, and forgets old check targets', async () => {
      const store = await fresh();
      const run = await store.createDigest(plan('C9'));
      await store.recordDigestItem(run.id, 0, '9.1');
      expect(await store.suppressTarget('C9-k1')).toMatchObject({
        kind: 'digest',
        channel: 'C9',
        ts: '9.1',
        findingIds: ['f-a'],
      });
      const target = {
        key: 'AbCdEfGhIjKlMnOp',
        controlId: 'S3.8',
        accountId: '111111111111',
        region: 'ap-northeast-1',
        findingIds: ['f1'],
        resources: ['bucket'],
        channel: 'C0123456789',
        createdAt: '2026-11-01T00:00:00.000Z',
      };
      await store.recordCheckTargets([target]);
      await store.recordCheckTargets([target]);
      expect(await store.suppressTarget(target.key)).toMatchObject({
        kind: 'check',
        ts: null,
        resources: ['bucket'],
      });
      await store.setCheckTargetMessage(target.key, '1.1');
      await store.setCheckTargetMessage(target.key, '2.2');
      expect((await store.suppressTarget(target.key))?.ts).toBe('1.1');
      expect(await store.purgeCheckTargets('2026-10-31T00:00:00.000Z')).toBe(0);
      expect(await store.purgeCheckTargets('2026-11-02T00:00:00.000Z')).toBe(1);
      expect(await store.suppressTarget(target.key)).toBeNull();
      expect(await store.suppressTarget('nothing')).toBeNull();
    });

    it('writes a suppression once per request, with its audit trail in order', async () => {
      const store = await fresh();
      const [one, two] = await Promise.all([
        store.createSuppression(suppressionInput),
        store.createSuppression(suppressionInput),
      ]);
      expect([one.created, two.created].sort()).toEqual([false, true]);
      const id = one.suppression.id;
      expect(two.suppression.id).toBe(id);
      expect(one.suppression).toMatchObject({ state: 'pending', updated: [], failed: [], endedAt: null });
      expect(await store.suppressionForRequest('req-1')).toEqual(one.suppression);
      clock.at += 1000;
      const partial = await store.suppressionProgress(
        id,
        'U1',
        'partial',
        [],
        [{ id: 'f1', code: 'Throttled', message: 'slow down' }],
      );
      expect(partial.failed).toEqual([{ id: 'f1', code: 'Throttled', message: 'slow down' }]);
      const active = await store.suppressionProgress(id, 'U1', 'active', ['f1'], []);
      expect(active).toMatchObject({ state: 'active', updated: ['f1'], failed: [] });
      await store.recordSuppressionEvent(id, 'fsbp-bot', 'resuppressed', { findings: ['f1'] });
      clock.at += 1000;
      const lifted = await store.endSuppression(id, 'U2', 'lifted', { reason: 'fixed' });
      expect(lifted.state).toBe('lifted');
      expect(lifted.endedAt).toBe('2026-11-30T00:00:02.000Z');
      const history = await store.suppressionHistory(id);
      expect(history.map((e) => e.action)).toEqual([
        'requested',
        'partial',
        'active',
        'resuppressed',
        'lifted',
      ]);
      expect(history[0]?.detail).toMatchObject({ reason: 'accepted risk <!channel>', findings: ['f1'] });
      expect(history.at(-1)).toMatchObject({ actor: 'U2', detail: { reason: 'fixed' } });
      expect(await store.getSuppression(id + 1000)).toBeNull();
    });

    it('chains every audit event to the one before, across suppressions', async () => {
      const store = await fresh();
      const a = (await store.createSuppression({ ...suppressionInput, requestKey: 'a' })).suppression;
      const b = (await store.createSuppression({ ...suppressionInput, requestKey: 'b' })).suppression;
      await Promise.all([
        store.suppressionProgress(a.id, 'U1', 'active', ['f1'], []),
        store.recordSuppressionEvent(b.id, 'fsbp-bot', 'resuppressed', { findings: [] }),
        store.endSuppression(b.id, 'U2', 'lifted', { reason: 'done' }),
      ]);
      const events = await store.auditEvents(0, 100);
      expect(events).toHaveLength(5);
      expect(events[0]?.prevHash).toBe(genesisHash);
      // Read in pages of two, as `fsbp audit verify` reads a long trail.
      expect(await verifyChain((after, limit) => store.auditEvents(after, limit), 2)).toEqual({
        ok: true,
        events: 5,
        lastHash: events[4]?.hash,
      });
    });

    it('lists suppressions by state, account and end', async () => {
      const store = await fresh();
      const a = (await store.createSuppression({ ...suppressionInput, requestKey: 'a' })).suppression;
      await store.createSuppression({ ...suppressionInput, requestKey: 'b', accountId: '222222222222' });
      clock.at += 1000;
      await store.endSuppression(a.id, 'fsbp-bot', 'expired', {});
      expect((await store.listSuppressions({ states: ['pending'] })).map((s) => s.requestKey)).toEqual(['b']);
      expect((await store.listSuppressions({ accountIds: ['111111111111'] })).map((s) => s.state)).toEqual([
        'expired',
      ]);
      expect(await store.listSuppressions({ endedSince: '2026-11-30T00:00:01.000Z' })).toHaveLength(1);
      expect(await store.listSuppressions({ endedSince: '2026-11-30T00:00:02.000Z' })).toHaveLength(0);
      expect((await store.listSuppressions()).map((s) => s.requestKey)).toEqual(['a', 'b']);
      expect(await store.listSuppressions({ states: [], accountIds: [] })).toEqual([]);
    });
    it('refuses a late progress on a lifted record and a second end, writing neither state nor event', async () => {
      const store = await fresh();
      const { suppression } = await store.createSuppression(suppressionInput);
      await store.endSuppression(suppression.id, 'U2', 'lifted', { reason: 'not needed' });
      const late = store.suppressionProgress(suppression.id, 'U1', 'active', ['f1'], []);
      await expect(late).rejects.toBeInstanceOf(SuppressionTransitionError);
      await expect(late).rejects.toMatchObject({
        code: 'suppression_conflict',
        params: { id: suppression.id, state: 'lifted' },
      });
      await expect(store.endSuppression(suppression.id, 'fsbp-bot', 'expired', {})).rejects.toMatchObject({
        code: 'suppression_conflict',
      });
      await expect(store.suppressionProgress(suppression.id, 'x', 'pending', [], [])).rejects.toBeInstanceOf(
        SuppressionTransitionError,
      );
      expect(await store.getSuppression(suppression.id)).toMatchObject({ state: 'lifted', updated: [] });
      expect((await store.suppressionHistory(suppression.id)).map((e) => e.action)).toEqual([
        'requested',
        'lifted',
      ]);
    });

    it('an active record may only end: no step back to partial', async () => {
      const store = await fresh();
      const { suppression } = await store.createSuppression(suppressionInput);
      await store.suppressionProgress(suppression.id, 'U1', 'active', ['f1'], []);
      await expect(store.suppressionProgress(suppression.id, 'U1', 'partial', [], [])).rejects.toMatchObject({
        code: 'suppression_conflict',
        params: { state: 'active' },
      });
      expect((await store.endSuppression(suppression.id, 'fsbp-bot', 'expired', {})).state).toBe('expired');
    });

    it('ends a record once when a lift and an expiry race, and the loser writes no event', async () => {
      const store = await fresh();
      const { suppression } = await store.createSuppression(suppressionInput);
      const results = await Promise.allSettled([
        store.endSuppression(suppression.id, 'U2', 'lifted', {}),
        store.endSuppression(suppression.id, 'fsbp-bot', 'expired', {}),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = results.find((r) => r.status === 'rejected');
      expect(loser?.reason).toBeInstanceOf(SuppressionTransitionError);
      expect(await store.suppressionHistory(suppression.id)).toHaveLength(2);
    });

    it('refuses a change to a record that does not exist as unknown, not as a conflict', async () => {
      const store = await fresh();
      const missing = store.endSuppression(4242, 'U2', 'lifted', {});
      await expect(missing).rejects.toBeInstanceOf(SuppressionTransitionError);
      await expect(missing).rejects.toMatchObject({ code: 'unknown_suppression', params: { id: 4242 } });
      await expect(store.suppressionProgress(4242, 'U1', 'active', [], [])).rejects.toMatchObject({
        code: 'unknown_suppression',
      });
      expect(await store.auditEvents(0, 10)).toEqual([]);
    });
  });
}
