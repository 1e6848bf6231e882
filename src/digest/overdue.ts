import { severityRank } from '../catalog/schema.ts';
import type { FailureEpisode } from '../store/history.ts';
import type { Store } from '../store/store.ts';
import { slaSnapshot } from './posture.ts';
import { type SlaDays, type SlaStatus, severityOrLow } from './sla.ts';

export interface OverdueFailure extends FailureEpisode {
  standing: SlaStatus;
}

/**
 * The open failures of these accounts past their SLA now, as the digest counts them: from the
 * posture history, findings held by an active suppression left out; most days over first.
 */
export async function overdueFailures(
  store: Store,
  input: { accounts: readonly { id: string }[]; sla: SlaDays; timeZone: string; now: number },
): Promise<OverdueFailure[]> {
  const accountIds = input.accounts.map((a) => a.id);
  if (accountIds.length === 0) return [];
  const [open, active] = await Promise.all([
    store.openFailures(accountIds),
    store.listSuppressions({ states: ['active', 'partial'], accountIds }),
  ]);
  const suppressed = new Set(active.flatMap((s) => s.updated));
  const { status } = slaSnapshot(open, suppressed, input.sla, input.now, input.timeZone);
  return open
    .flatMap((f) => {
      const standing = status.get(f.findingId);
      return standing?.state === 'overdue' ? [{ ...f, standing }] : [];
    })
    .sort(
      (a, b) =>
        b.standing.daysOver - a.standing.daysOver ||
        severityRank[severityOrLow(b.severity)] - severityRank[severityOrLow(a.severity)] ||
        a.controlId.localeCompare(b.controlId) ||
        a.findingId.localeCompare(b.findingId),
    );
}
