import type { Severity } from '../catalog/schema.ts';
import type { AccountConfig } from '../config/schema.ts';
import type { FailureEpisode } from '../store/history.ts';
import type { Store } from '../store/store.ts';
import type { Suppression } from '../suppression/types.ts';
import { slaSnapshot } from './posture.ts';
import type { SlaDays, SlaStatus } from './sla.ts';
import { trendStart, type WeekPoint, weeklyTrend } from './trend.ts';

const dayMs = 86_400_000;
/** Failures the Home tab lists, oldest first. */
export const oldestShown = 10;
/** Suppressions of the viewer that end within this many days are listed. */
export const expiringWithinDays = 7;

export interface AccountPosture {
  accountId: string;
  name: string;
  failing: Record<Severity, number>;
  overdue: Record<Severity, number>;
}

export interface HomeData {
  accounts: AccountPosture[];
  oldest: (FailureEpisode & { standing: SlaStatus })[];
  expiring: Suppression[];
  trend: WeekPoint[];
}

/** What one viewer's Home tab shows about the accounts they may see, from the posture history. */
export async function homeData(
  store: Store,
  input: {
    accounts: readonly AccountConfig[];
    viewer: string;
    sla: SlaDays;
    timeZone: string;
    now: number;
  },
): Promise<HomeData> {
  const accountIds = input.accounts.map((a) => a.id);
  if (accountIds.length === 0) return { accounts: [], oldest: [], expiring: [], trend: [] };
  const active = await store.listSuppressions({ states: ['active', 'partial'], accountIds });
  const suppressed = new Set(active.flatMap((s) => s.updated));
  const open = await store.openFailures(accountIds);
  const accounts = input.accounts.map((account) => {
    const mine = open.filter((f) => f.accountId === account.id);
    const snapshot = slaSnapshot(mine, suppressed, input.sla, input.now, input.timeZone);
    const failing = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0 };
    for (const f of mine) {
      if (suppressed.has(f.findingId)) continue;
      const s = f.severity as Severity;
      if (s in failing) failing[s] += 1;
    }
    return { accountId: account.id, name: account.name ?? account.id, failing, overdue: snapshot.overdue };
  });
  const all = slaSnapshot(open, suppressed, input.sla, input.now, input.timeZone);
  const oldest = open
    .filter((f) => !suppressed.has(f.findingId))
    .slice(0, oldestShown)
    .map((f) => ({ ...f, standing: all.status.get(f.findingId) as SlaStatus }));
  const horizon = new Date(input.now + expiringWithinDays * dayMs).toISOString();
  const expiring = active.filter((s) => s.userId === input.viewer && s.expiresAt <= horizon);
  const from = trendStart(input.now, input.timeZone, 12);
  const [counts, activity] = await Promise.all([
    store.dailyCounts({ accountIds, from }),
    store.failureActivity(accountIds, new Date(input.now - 84 * dayMs).toISOString()),
  ]);
  return { accounts, oldest, expiring, trend: weeklyTrend(counts, activity, input.now, input.timeZone) };
}
