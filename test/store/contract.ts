/**
 * The store's contract: one suite, run unchanged against every backend (each backend's test file
 * calls it with a way to open a fresh, empty store on a given clock).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DefinitionsSnapshot } from '../../src/catalog/aws-controls.ts';
import type { DigestPlanRecord } from '../../src/digest/types.ts';
import type { DiscoverySnapshot } from '../../src/organization/snapshot.ts';
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

function discovery(discoveredAt: string, ids: string[]): DiscoverySnapshot {
  return {
    source: 'organizations',
    discoveredAt,
    accounts: ids.map((id, i) => ({
      id,
      name: `Account "${i}" <!here>`,
      ous: ['ou-ab12-cdef3456', 'ou-ab12-child0001'],
      tags: { team: 'payments', 'cost=center': 'a=b' },
    })),
    ouNames: { 'ou-ab12-cdef3456': 'Workloads', 'ou-ab12-child0001': 'Payments' },
    aggregation: { mode: 'SPECIFIED_REGIONS', regions: ['us-west-2'] },
  };
}

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

function definitions(syncedAt: string, ids: string[], standard = 'standards/fsbp'): DefinitionsSnapshot {
  return {
    standard,
    syncedAt,
    source: { accountId: '111111111111', region: 'ap-northeast-1' },
    definitions: ids.map((id) => ({
      id,
      title: `${id} should be <b>fine</b> & "quoted"`,
      description: 'AWS’s own text, kept as given.',
      remediationUrl: `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`,
      severity: 'HIGH',
      available: true,
    })),
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

    it('caches AWS’s control definitions per standard; an older read never replaces a newer one', async () => {
      const store = await fresh();
      expect(await store.controlDefinitions('standards/fsbp')).toBeNull();
      const first = definitions('2026-11-30T00:00:00.000Z', ['S3.1', 'S3.99']);
      await store.saveControlDefinitions(first);
      expect(await store.controlDefinitions('standards/fsbp')).toEqual(first);
      const newer = definitions('2026-12-01T00:00:00.000Z', ['S3.1']);
      await store.saveControlDefinitions(newer);
      await store.saveControlDefinitions(definitions('2026-11-30T12:00:00.000Z', ['S3.2']));
      expect(await store.controlDefinitions('standards/fsbp')).toEqual(newer);
      const other = definitions('2026-11-01T00:00:00.000Z', [], 'standards/other');
      await store.saveControlDefinitions(other);
      expect(await store.controlDefinitions('standards/other')).toEqual(other);
      expect(await store.controlDefinitions('standards/fsbp')).toEqual(newer);
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

    it('says which channels were told about a page of findings, and which told ones a sweep did not see', async () => {
      const store = await fresh();
      for (const [channel, ids] of [
        ['C1', ['f-seen', 'f-gone', 'f-low', 'f-later']],
        ['C2', ['f-seen']],
      ] as const) {
        const run = await store.createDigest({ ...plan(channel, { overflowIds: [...ids] }), items: [] });
        await store.finishDigest(run.id);
      }
      const told = await store.reportedChannels(['f-seen', 'f-gone', 'f-new']);
      expect(Object.fromEntries([...told].map(([id, channels]) => [id, [...channels].sort()]))).toEqual({
        'f-seen': ['C1', 'C2'],
        'f-gone': ['C1'],
      });
      expect(await store.reportedChannels([])).toEqual(new Map());

      const at = '2026-11-10T00:00:00.000Z';
      const observed = (id: string, severity: string) => ({
        findingId: id,
        accountId: '111111111111',
        region: 'ap-northeast-1',
        controlId: 'S3.8',
        severity,
        firstObservedAt: null,
      });
      // f-later was seen by an earlier sweep only: a later one (a second digest at once) counts too.
      const earlier = store.beginSweep({
        at: '2026-11-09T00:00:00.000Z',
        scopes: [],
        severities: [],
        suppressed: [],
      });
      await earlier.observe([observed('f-later', 'HIGH'), observed('f-gone', 'HIGH')]);
      const sweep = store.beginSweep({ at, scopes: [], severities: [], suppressed: [] });
      await sweep.observe([observed('f-seen', 'HIGH'), observed('f-low', 'LOW')]);
      const later = store.beginSweep({
        at: '2026-11-10T00:05:00.000Z',
        scopes: [],
        severities: [],
        suppressed: [],
      });
      await later.observe([observed('f-later', 'HIGH')]);
      expect(await store.reportedUnseenSince('C1', at, ['CRITICAL', 'HIGH'])).toEqual(['f-gone', 'f-low']);
      expect(await store.reportedUnseenSince('C1', at, ['HIGH', 'LOW'])).toEqual(['f-gone']);
      expect(await store.reportedUnseenSince('C2', at, ['HIGH'])).toEqual([]);
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

    it('records a request for approval as waiting, and approves it once: two approvers at once, one wins', async () => {
      const store = await fresh();
      const input = { ...suppressionInput, approval: { expiresAt: '2026-12-03T00:00:00.000Z' } };
      const { suppression, created } = await store.createSuppression(input);
      expect(created).toBe(true);
      expect(suppression).toMatchObject({
        state: 'awaiting_approval',
        approval: {
          expiresAt: '2026-12-03T00:00:00.000Z',
          messageTs: null,
          reviewerId: null,
          reviewerName: null,
          reviewedAt: null,
          rejectionReason: null,
        },
      });
      // A waiting request is not being applied: no progress, no lift, no expiry of a suppression.
      await expect(
        store.suppressionProgress(suppression.id, 'U1', 'active', ['f1'], []),
      ).rejects.toMatchObject({
        code: 'suppression_conflict',
        params: { state: 'awaiting_approval' },
      });
      await expect(store.endSuppression(suppression.id, 'U2', 'lifted', {})).rejects.toBeInstanceOf(
        SuppressionTransitionError,
      );
      await store.setApprovalMessage(suppression.id, '9.9');
      clock.at += 1000;
      const still = [{ id: 'f1', productArn: 'arn:p', resourceId: 'bucket-1' }];
      const results = await Promise.allSettled([
        store.decideApproval(suppression.id, {
          state: 'pending',
          actor: 'U2',
          actorName: 'hanako',
          findings: still,
        }),
        store.decideApproval(suppression.id, {
          state: 'pending',
          actor: 'U3',
          actorName: 'jiro',
          findings: still,
        }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
      const loser = results.find((r) => r.status === 'rejected');
      expect(loser?.reason).toMatchObject({ code: 'suppression_conflict', params: { state: 'pending' } });
      const approved = await store.getSuppression(suppression.id);
      expect(approved).toMatchObject({
        state: 'pending',
        endedAt: null,
        findings: still,
        approval: { messageTs: '9.9', reviewedAt: '2026-11-30T00:00:01.000Z', rejectionReason: null },
      });
      expect(['U2', 'U3']).toContain(approved?.approval?.reviewerId);
      // From here it is applied as any suppression.
      const active = await store.suppressionProgress(suppression.id, 'U1', 'active', ['f1'], []);
      expect(active.state).toBe('active');
      const history = await store.suppressionHistory(suppression.id);
      expect(history.map((e) => e.action)).toEqual(['requested', 'approved', 'active']);
      expect(history[0]?.detail).toMatchObject({
        approvalRequired: true,
        approvalExpiresAt: '2026-12-03T00:00:00.000Z',
      });
      expect(history[1]).toMatchObject({
        actor: approved?.approval?.reviewerId,
        detail: { approver: approved?.approval?.reviewerName, findings: ['f1'] },
      });
    });

    it('rejects or lets a request lapse only while it waits, ending it without a suppression', async () => {
      const store = await fresh();
      const approval = { expiresAt: '2026-12-03T00:00:00.000Z' };
      const a = (await store.createSuppression({ ...suppressionInput, requestKey: 'a', approval }))
        .suppression;
      const b = (await store.createSuppression({ ...suppressionInput, requestKey: 'b', approval }))
        .suppression;
      clock.at += 1000;
      const rejected = await store.decideApproval(a.id, {
        state: 'rejected',
        actor: 'U2',
        actorName: 'hanako',
        reason: 'Fix it instead <!here>',
      });
      expect(rejected).toMatchObject({
        state: 'rejected',
        endedAt: '2026-11-30T00:00:01.000Z',
        updated: [],
        approval: { reviewerId: 'U2', reviewerName: 'hanako', rejectionReason: 'Fix it instead <!here>' },
      });
      const lapsed = await store.decideApproval(b.id, { state: 'approval_expired', actor: 'fsbp-bot' });
      expect(lapsed).toMatchObject({ state: 'approval_expired', endedAt: '2026-11-30T00:00:01.000Z' });
      expect(lapsed.approval).toMatchObject({ reviewerId: null, rejectionReason: null });
      // Ended: no approval, rejection or lapse afterwards, and nothing written.
      for (const id of [a.id, b.id]) {
        await expect(
          store.decideApproval(id, { state: 'pending', actor: 'U3', actorName: 'jiro', findings: [] }),
        ).rejects.toBeInstanceOf(SuppressionTransitionError);
        await expect(
          store.decideApproval(id, { state: 'approval_expired', actor: 'fsbp-bot' }),
        ).rejects.toBeInstanceOf(SuppressionTransitionError);
      }
      // A record that never needed an approval cannot be approved either.
      const plain = (await store.createSuppression({ ...suppressionInput, requestKey: 'c' })).suppression;
      expect(plain.approval).toBeNull();
      await expect(
        store.decideApproval(plain.id, { state: 'rejected', actor: 'U2', actorName: 'hanako', reason: 'no' }),
      ).rejects.toMatchObject({ code: 'suppression_conflict', params: { state: 'pending' } });
      await expect(
        store.decideApproval(4242, { state: 'approval_expired', actor: 'fsbp-bot' }),
      ).rejects.toMatchObject({ code: 'unknown_suppression' });
      expect((await store.suppressionHistory(a.id)).map((e) => [e.action, e.detail])).toEqual([
        ['requested', expect.objectContaining({ approvalRequired: true })],
        ['rejected', { reviewer: 'hanako', reason: 'Fix it instead <!here>' }],
      ]);
      expect((await store.suppressionHistory(b.id)).map((e) => e.action)).toEqual([
        'requested',
        'approval_expired',
      ]);
      expect((await store.listSuppressions({ states: ['awaiting_approval'] })).map((s) => s.id)).toEqual([]);
      expect(await verifyChain((after, limit) => store.auditEvents(after, limit))).toMatchObject({
        ok: true,
      });
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

    describe('discovery cache', () => {
      const scope = 'organizations|999999999999|ap-northeast-1|';

      it('has nothing for an organization never discovered', async () => {
        const store = await fresh();
        expect(await store.loadDiscovery(scope)).toBeNull();
      });

      it('gives back what was saved, names and tags as AWS wrote them', async () => {
        const store = await fresh();
        const saved = discovery('2026-11-30T00:00:00.000Z', ['111111111111', '222222222222']);
        await store.saveDiscovery(scope, saved);
        expect(await store.loadDiscovery(scope)).toEqual(saved);
        expect(await store.loadDiscovery('securityhub|999999999999|ap-northeast-1|')).toBeNull();
      });

      it('replaces a discovery with a later one, never with an earlier one', async () => {
        const store = await fresh();
        await store.saveDiscovery(scope, discovery('2026-11-30T01:00:00.000Z', ['111111111111']));
        await store.saveDiscovery(scope, discovery('2026-11-30T00:00:00.000Z', ['333333333333']));
        expect((await store.loadDiscovery(scope))?.accounts.map((a) => a.id)).toEqual(['111111111111']);
        await store.saveDiscovery(scope, discovery('2026-11-30T02:00:00.000Z', ['444444444444']));
        expect((await store.loadDiscovery(scope))?.accounts.map((a) => a.id)).toEqual(['444444444444']);
      });

      it('keeps organizations apart and refuses a snapshot that does not fit', async () => {
        const store = await fresh();
        const other = 'securityhub|888888888888|us-east-1|';
        await store.saveDiscovery(scope, discovery('2026-11-30T00:00:00.000Z', ['111111111111']));
        await store.saveDiscovery(other, discovery('2026-11-30T00:00:00.000Z', ['555555555555']));
        expect((await store.loadDiscovery(scope))?.accounts[0]?.id).toBe('111111111111');
        expect((await store.loadDiscovery(other))?.accounts[0]?.id).toBe('555555555555');
        const bad = { ...discovery('2026-11-30T03:00:00.000Z', []), accounts: [{ id: 'not-an-id' }] };
        await expect(store.saveDiscovery(scope, bad as unknown as DiscoverySnapshot)).rejects.toThrow();
        expect((await store.loadDiscovery(scope))?.discoveredAt).toBe('2026-11-30T00:00:00.000Z');
      });
    });
  });
}
