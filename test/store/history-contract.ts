import { describe, expect, it } from 'vitest';
import type { FailureObservation, PostureHistory, PostureSweep } from '../../src/store/history.ts';

const A = '111111111111';
const B = '222222222222';
const TOKYO = 'ap-northeast-1';
const VIRGINIA = 'us-east-1';
const all = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

function seen(id: string, over: Partial<FailureObservation> = {}): FailureObservation {
  return {
    findingId: id,
    accountId: A,
    region: TOKYO,
    controlId: 'S3.8',
    severity: 'HIGH',
    firstObservedAt: null,
    ...over,
  };
}

const scopes = [
  { accountId: A, region: TOKYO },
  { accountId: A, region: VIRGINIA },
];

type Opened = PostureHistory & { close(): unknown };

/** A sweep of both scopes at every severity with nothing suppressed, counted for the day of `at`. */
function sweepAt(h: PostureHistory, at: string, failing: FailureObservation[]) {
  return h.recordSweep({ at, day: at.slice(0, 10), scopes, severities: all, failing, suppressed: [] });
}

/** The same history with `recordSweep` done as a streamed sweep: batches of two, then `finish`. */
function streamed(history: Opened): Opened {
  const recordSweep = async ({ failing, day, ...sweep }: PostureSweep) => {
    const writer = history.beginSweep(sweep);
    for (let i = 0; i < failing.length; i += 2) await writer.observe(failing.slice(i, i + 2));
    return writer.finish([day]);
  };
  return new Proxy(history, {
    get: (target, key, receiver) =>
      key === 'recordSweep' ? recordSweep : Reflect.get(target, key, receiver),
  });
}

/**
 * The behaviour every PostureHistory backend must have; `open` gives a fresh, empty one. Every case
 * runs twice: with `recordSweep`, and with the same sweeps streamed through `beginSweep`.
 */
export function historyContract(name: string, openHistory: () => Promise<Opened>) {
  for (const way of ['recordSweep', 'beginSweep'] as const) {
    const open = async () => (way === 'recordSweep' ? openHistory() : streamed(await openHistory()));
    historyCases(`${name}, ${way}`, open);
  }
  describe(`open failures counted and looked up (${name})`, () => {
    it('counts open failures of the accounts by severity and the minute they began; resolved and other accounts left out', async () => {
      const h = await openHistory();
      await sweepAt(h, '2026-11-10T00:00:00.000Z', [
        seen('a1', { firstObservedAt: '2026-11-01T03:00:05Z' }),
        seen('a2', { firstObservedAt: '2026-11-01T03:00:59.999Z' }),
        seen('a3', { firstObservedAt: '2026-11-01T03:01:00Z' }),
        seen('a4', { firstObservedAt: '2026-11-01T03:00:30Z', severity: 'LOW', region: VIRGINIA }),
        seen('gone', { firstObservedAt: '2026-11-01T03:00:30Z' }),
        seen('b1', { firstObservedAt: '2026-11-01T03:00:30Z', accountId: B }),
      ]);
      await sweepAt(h, '2026-11-11T00:00:00.000Z', [
        ...['a1', 'a2', 'a3'].map((id) => seen(id)),
        seen('a4', { severity: 'LOW', region: VIRGINIA }),
      ]);
      const counts = await h.openFailureCounts([A]);
      expect(counts).toEqual([
        { severity: 'HIGH', sinceMinute: '2026-11-01T03:00', count: 2 },
        { severity: 'LOW', sinceMinute: '2026-11-01T03:00', count: 1 },
        { severity: 'HIGH', sinceMinute: '2026-11-01T03:01', count: 1 },
      ]);
      expect(await h.openFailureCounts([A, B])).toContainEqual({
        severity: 'HIGH',
        sinceMinute: '2026-11-01T03:00',
        count: 3,
      });
      expect(await h.openFailureCounts([])).toEqual([]);
      await h.close();
    });

    it('counts failures that began and were resolved from an instant on, by the minute, for the accounts asked', async () => {
      const h = await openHistory();
      await sweepAt(h, '2026-11-10T08:00:10.000Z', [
        seen('old', { firstObservedAt: '2026-11-01T00:00:00Z' }),
        seen('n1'),
        seen('n2'),
        seen('other', { accountId: B }),
      ]);
      await sweepAt(h, '2026-11-10T08:05:00.000Z', [seen('n2')]);
      const activity = await h.failureActivity([A], '2026-11-10T08:00:10.000Z');
      expect(activity).toEqual([
        { event: 'began', minute: '2026-11-10T08:00', count: 2 },
        { event: 'fixed', minute: '2026-11-10T08:05', count: 2 },
      ]);
      // `from` is an exact instant: a failure that began a second before it is not counted.
      expect(await h.failureActivity([A], '2026-11-10T08:00:11.000Z')).toEqual([
        { event: 'fixed', minute: '2026-11-10T08:05', count: 2 },
      ]);
      expect(await h.failureActivity([A, B], '2026-11-01T00:00:00.000Z')).toContainEqual({
        event: 'began',
        minute: '2026-11-10T08:00',
        count: 3,
      });
      expect(await h.failureActivity([], '2026-11-01T00:00:00.000Z')).toEqual([]);
      await h.close();
    });

    it('looks up the open failures of given findings, in any account, in batches', async () => {
      const h = await openHistory();
      const ids = Array.from({ length: 1201 }, (_, i) => `f${String(i).padStart(4, '0')}`);
      await sweepAt(
        h,
        '2026-11-10T00:00:00.000Z',
        ids.map((id, i) => seen(id, { accountId: i % 2 ? B : A })),
      );
      // f0000 is resolved by the next sweep (A's scopes only; B's failures stay open).
      await sweepAt(
        h,
        '2026-11-11T00:00:00.000Z',
        ids.filter((_, i) => i > 0 && i % 2 === 0).map((id) => seen(id)),
      );
      const found = await h.openFailuresOf([...ids, 'unknown']);
      expect(found.map((f) => f.findingId).sort()).toEqual(ids.slice(1));
      expect(found.find((f) => f.findingId === 'f0001')?.accountId).toBe(B);
      expect(await h.openFailuresOf([])).toEqual([]);
      await h.close();
    });
  });

  describe(`a streamed sweep (${name})`, () => {
    it('keeps open, uncounted, the failures held during the stream; resolves the other unseen ones', async () => {
      const h = await openHistory();
      await h.recordSweep({
        at: '2026-11-10T00:00:00.000Z',
        day: '2026-11-10',
        scopes,
        severities: all,
        failing: [seen('held'), seen('gone'), seen('still')],
        suppressed: [],
      });
      const writer = h.beginSweep({
        at: '2026-11-12T00:00:00.000Z',
        scopes,
        severities: all,
        suppressed: [],
      });
      await writer.observe([seen('still')]);
      expect(await writer.finish(['2026-11-12'], ['held'])).toEqual({ opened: 0, resolved: 1 });
      expect((await h.openFailures([A])).map((f) => f.findingId).sort()).toEqual(['held', 'still']);
      const counts = await h.dailyCounts({ accountIds: [A], from: '2026-11-12' });
      expect(counts.find((c) => c.region === TOKYO && c.severity === 'HIGH')?.failing).toBe(1);
      await h.close();
    });
  });
}

function historyCases(name: string, open: () => Promise<Opened>) {
  describe(`posture history (${name})`, () => {
    it('opens a failure at first sight, or at FirstObservedAt when that is earlier', async () => {
      const h = await open();
      await h.recordSweep({
        at: '2026-11-10T00:00:00.000Z',
        day: '2026-11-10',
        scopes,
        severities: all,
        failing: [
          seen('f1'),
          seen('f2', { firstObservedAt: '2026-11-01T03:00:00Z' }),
          seen('f3', { firstObservedAt: '2026-12-01T00:00:00Z' }),
        ],
        suppressed: [],
      });
      const open1 = await h.openFailures([A]);
      expect(Object.fromEntries(open1.map((f) => [f.findingId, f.since]))).toEqual({
        f1: '2026-11-10T00:00:00.000Z',
        f2: '2026-11-01T03:00:00.000Z',
        f3: '2026-11-10T00:00:00.000Z',
      });
      await h.close();
    });

    it('resolves what stops failing, keeps the unreachable, the suppressed and other severities open', async () => {
      const h = await open();
      const first = {
        at: '2026-11-10T00:00:00.000Z',
        day: '2026-11-10',
        scopes,
        severities: all,
        failing: [
          seen('fixed'),
          seen('still'),
          seen('held'),
          seen('low', { severity: 'LOW' }),
          seen('far', { region: VIRGINIA }),
        ],
        suppressed: [],
      };
      expect(await h.recordSweep(first)).toEqual({ opened: 5, resolved: 0 });
      const second = await h.recordSweep({
        at: '2026-11-12T00:00:00.000Z',
        day: '2026-11-12',
        scopes: [{ accountId: A, region: TOKYO }],
        severities: ['CRITICAL', 'HIGH', 'MEDIUM'],
        failing: [seen('still')],
        suppressed: ['held'],
      });
      expect(second).toEqual({ opened: 0, resolved: 1 });
      const open2 = (await h.openFailures([A])).map((f) => f.findingId).sort();
      expect(open2).toEqual(['far', 'held', 'low', 'still']);
      const all2 = await h.failuresBetween({
        accountIds: [A],
        from: '2026-11-01T00:00:00Z',
        to: '2026-11-30T00:00:00Z',
      });
      expect(all2.find((f) => f.findingId === 'fixed')?.resolvedAt).toBe('2026-11-12T00:00:00.000Z');
      expect(all2.find((f) => f.findingId === 'still')?.lastSeenAt).toBe('2026-11-12T00:00:00.000Z');
      await h.close();
    });

    it('a failure back after a pass starts again at the second sight, not at FirstObservedAt', async () => {
      const h = await open();
      const base = { scopes, severities: all, suppressed: [] };
      const f = seen('again', { firstObservedAt: '2026-10-01T00:00:00Z' });
      await h.recordSweep({ ...base, at: '2026-11-01T00:00:00.000Z', day: '2026-11-01', failing: [f] });
      await h.recordSweep({ ...base, at: '2026-11-02T00:00:00.000Z', day: '2026-11-02', failing: [] });
      await h.recordSweep({ ...base, at: '2026-11-05T00:00:00.000Z', day: '2026-11-05', failing: [f] });
      const episodes = await h.failuresBetween({ accountIds: [A] });
      expect(episodes.map((e) => [e.since, e.resolvedAt])).toEqual([
        ['2026-10-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z'],
        ['2026-11-05T00:00:00.000Z', null],
      ]);
      await h.close();
    });

    it('counts failing (not suppressed) findings per account, Region, day and severity, and keeps only the retention', async () => {
      const h = await open();
      const base = { severities: all, suppressed: ['s'] };
      await h.recordSweep({
        ...base,
        at: '2026-11-01T00:00:00.000Z',
        day: '2026-11-01',
        scopes: [...scopes, { accountId: B, region: TOKYO }],
        failing: [seen('a'), seen('b'), seen('c', { severity: 'CRITICAL' }), seen('d', { accountId: B })],
      });
      // The same day read again replaces that day's counts.
      await h.recordSweep({
        ...base,
        at: '2026-11-01T05:00:00.000Z',
        day: '2026-11-01',
        scopes: [{ accountId: A, region: TOKYO }],
        failing: [seen('a'), seen('c', { severity: 'CRITICAL' })],
      });
      await h.recordSweep({
        ...base,
        at: '2026-11-02T00:00:00.000Z',
        day: '2026-11-02',
        scopes: [{ accountId: A, region: TOKYO }],
        failing: [seen('a')],
      });
      const counts = await h.dailyCounts({ accountIds: [A], from: '2026-11-01', to: '2026-11-02' });
      const nonzero = counts
        .filter((c) => c.failing > 0)
        .map((c) => `${c.day} ${c.region} ${c.severity} ${c.failing}`);
      expect(nonzero).toEqual([
        '2026-11-01 ap-northeast-1 CRITICAL 1',
        '2026-11-01 ap-northeast-1 HIGH 1',
        '2026-11-02 ap-northeast-1 HIGH 1',
      ]);
      expect((await h.dailyCounts({ accountIds: [B] })).filter((c) => c.failing > 0)).toHaveLength(1);
      const removed = await h.purgeHistory('2026-11-02', '2026-11-02T00:00:00.000Z');
      expect(removed).toBeGreaterThan(0);
      const left = await h.dailyCounts({ accountIds: [A, B] });
      expect(new Set(left.map((c) => c.day))).toEqual(new Set(['2026-11-02']));
      // 'b' resolved at 05:00 on the 1st: gone; 'c' resolved at the cut-off and 'a' still open: kept.
      const episodes = await h.failuresBetween({ accountIds: [A] });
      expect(episodes.map((e) => e.findingId).sort()).toEqual(['a', 'c']);
      await h.close();
    });
  });
}
