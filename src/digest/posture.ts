import { type Severity, severities } from '../catalog/schema.ts';
import type { ControlFinding } from '../engine/ports.ts';
import type { FailureEpisode, FailureObservation, PostureHistory } from '../store/history.ts';
import { type SlaDays, type SlaState, type SlaStatus, severityOrLow, slaStatus } from './sla.ts';

export function observation(finding: ControlFinding): FailureObservation {
  return {
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    controlId: finding.controlId,
    severity: severityOrLow(finding.severity ?? ''),
    firstObservedAt: finding.firstObservedAt ?? null,
    resourceId: finding.resourceId,
  };
}

export interface PostureInput {
  history: PostureHistory;
  at: number;
  day: string;
  timeZone: string;
  sla: SlaDays;
  accountIds: readonly string[];
  /** Accounts and Regions read in this run (the unreachable left out). */
  scopes: readonly { accountId: string; region: string }[];
  severities: readonly string[];
  failing: readonly ControlFinding[];
  /** Findings held by an active suppression. */
  suppressed: ReadonlySet<string>;
}

export interface PostureSnapshot {
  /** Open, unsuppressed failures past their SLA, by severity. */
  overdue: Record<Severity, number>;
  dueSoon: Record<Severity, number>;
  /** SLA standing of every open failure, by finding ID. */
  status: Map<string, SlaStatus>;
  open: FailureEpisode[];
}

function zeroes(): Record<Severity, number> {
  return Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
}

/**
 * Records what a digest run read into the history (opening failures first seen, resolving the
 * ones gone) and says where each open failure stands against the channel's SLA.
 */
export async function recordPosture(input: PostureInput): Promise<PostureSnapshot> {
  await input.history.recordSweep({
    at: new Date(input.at).toISOString(),
    day: input.day,
    scopes: input.scopes,
    severities: input.severities,
    failing: input.failing.map(observation),
    suppressed: [...input.suppressed],
  });
  const open = await input.history.openFailures(input.accountIds);
  return slaSnapshot(open, input.suppressed, input.sla, input.at, input.timeZone);
}

export function slaSnapshot(
  open: FailureEpisode[],
  suppressedIds: ReadonlySet<string>,
  sla: SlaDays,
  now: number,
  timeZone: string,
): PostureSnapshot {
  const overdue = zeroes();
  const dueSoon = zeroes();
  const status = new Map<string, SlaStatus>();
  const snapshot: PostureSnapshot = { overdue, dueSoon, status, open };
  for (const failure of open) {
    const standing = slaStatus(failure, sla, now, timeZone, suppressedIds.has(failure.findingId));
    status.set(failure.findingId, standing);
    countStanding(snapshot, failure.severity, standing.state, 1);
  }
  return snapshot;
}

/** Adds `n` failures of one severity and standing to the overdue and due-soon counts. */
export function countStanding(
  snapshot: Pick<PostureSnapshot, 'overdue' | 'dueSoon'>,
  severity: string,
  state: SlaState,
  n: number,
): void {
  const label = severityOrLow(severity);
  if (state === 'overdue') snapshot.overdue[label] += n;
  if (state === 'due_soon') snapshot.dueSoon[label] += n;
}
