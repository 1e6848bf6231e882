import { AppError } from '../errors.ts';
import type { LanguagePreference } from '../i18n/index.ts';

/**
 * Everything the bot remembers. Methods are async so a shared store (one database for several
 * replicas) can implement the same interface; the default is SQLite on local disk.
 */
export interface Store {
  getUserLanguage(userId: string): Promise<LanguagePreference | null>;
  setUserLanguage(userId: string, language: LanguagePreference): Promise<void>;
  /**
   * Claims a key (a Slack request's trigger ID, an event ID) once. Returns false when it was
   * claimed before, so a retried delivery is acknowledged but not run twice.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): void;

  /** A lease on a named lock; false while someone else holds an unexpired one. */
  acquireLock(name: string, holder: string, ttlMs: number): Promise<boolean>;
  releaseLock(name: string, holder: string): Promise<void>;

  /** Finding IDs this channel has been told about and that have not been seen resolved since. */
  reportedFindings(channel: string): Promise<Set<string>>;
  /** The run that started but did not finish (a crash), to be completed rather than redone. */
  unfinishedDigest(channel: string): Promise<DigestRun | null>;
  lastDigest(channel: string): Promise<DigestRun | null>;
  /** Records a planned run and all its items at once, before anything is posted. */
  createDigest(plan: DigestPlanRecord): Promise<DigestRun>;
  setDigestParent(runId: number, ts: string): Promise<void>;
  /** Marks one reply posted and its findings reported, in one transaction. */
  recordDigestItem(runId: number, position: number, ts: string): Promise<void>;
  /** Ends the run: forgets the findings seen resolved, so a later failure is new again. */
  finishDigest(runId: number): Promise<void>;
  digestItem(key: string): Promise<DigestItem | null>;
  /** Remembers the failing controls of a check result shown with Suppress buttons. */
  recordCheckTargets(targets: readonly CheckTargetRecord[]): Promise<void>;
  /** The message a check target's button is in (known at the first click). */
  setCheckTargetMessage(key: string, ts: string): Promise<void>;
  /** Forgets check targets recorded before this instant (their buttons then answer "no longer known"). */
  purgeCheckTargets(before: string): Promise<number>;
  /** What a Suppress button points at: a digest reply or a failing control of a check result. */
  suppressTarget(key: string): Promise<SuppressTarget | null>;
  digestRun(id: number): Promise<DigestRun | null>;
  setDigestEnabled(channel: string, enabled: boolean): Promise<void>;
  digestEnabled(channel: string): Promise<boolean | null>;
  /** Forgets that any channel was told about these findings: their next failure is new again. */
  forgetReported(findingIds: readonly string[]): Promise<void>;

  /**
   * Suppression records and their audit trail. Every change writes an event in the same
   * transaction, and events are never changed or deleted.
   */
  /** Writes the pending record and its first event; returns the existing one for a repeated request. */
  createSuppression(input: NewSuppression): Promise<{ suppression: Suppression; created: boolean }>;
  /**
   * Records which findings are updated and which AWS refused, with the resulting state. Only a
   * pending or partial record may move (see `suppressionTransitions`); otherwise it throws
   * `SuppressionTransitionError` and writes nothing.
   */
  suppressionProgress(
    id: number,
    actor: string,
    state: SuppressionState,
    updated: string[],
    failed: Suppression['failed'],
  ): Promise<Suppression>;
  /**
   * Ends a suppression (expired or lifted early): the state, when, by whom and why. An ended record
   * stays ended: `SuppressionTransitionError`, nothing written.
   */
  endSuppression(
    id: number,
    actor: string,
    state: 'expired' | 'lifted',
    detail: Record<string, unknown>,
  ): Promise<Suppression>;
  /** An event that changes no state (re-suppressed after a reset, a lift that AWS refused...). */
  recordSuppressionEvent(
    id: number,
    actor: string,
    action: string,
    detail: Record<string, unknown>,
  ): Promise<void>;
  getSuppression(id: number): Promise<Suppression | null>;
  suppressionForRequest(requestKey: string): Promise<Suppression | null>;
  listSuppressions(filter?: SuppressionFilter): Promise<Suppression[]>;
  suppressionHistory(id: number): Promise<SuppressionEvent[]>;
}

export type SuppressionState = 'pending' | 'active' | 'partial' | 'expired' | 'lifted';

/**
 * Which state a suppression may go to from which. Every store applies it in the write itself
 * (`UPDATE ... WHERE state IN (...)`), so a late writer (an apply that outlived its lease, a lift
 * that lost a race) cannot bring an ended record back or end it twice.
 */
export const suppressionTransitions: Readonly<Record<SuppressionState, readonly SuppressionState[]>> = {
  pending: ['partial', 'active', 'lifted', 'expired'],
  partial: ['partial', 'active', 'lifted', 'expired'],
  active: ['lifted', 'expired'],
  lifted: [],
  expired: [],
};

/** The states a record may be in to move to `to`. */
export function statesBefore(to: SuppressionState): SuppressionState[] {
  return (Object.keys(suppressionTransitions) as SuppressionState[]).filter((from) =>
    suppressionTransitions[from].includes(to),
  );
}

/** A state change the transitions table does not allow; the record is left as it was. */
export class SuppressionTransitionError extends AppError {
  constructor(id: number, from: SuppressionState | 'missing', to: SuppressionState) {
    super('suppression_conflict', `suppression ${id}: ${from} -> ${to} is not allowed`, {
      params: { id, state: from },
    });
  }
}

/** A finding a suppression covers, with its resource so a refusal can be reported by name. */
export interface SuppressedFinding {
  id: string;
  productArn: string;
  resourceId: string;
}

export interface Suppression {
  id: number;
  /** One request (a digest reply's button) makes at most one suppression: a double submit finds this. */
  requestKey: string;
  controlId: string;
  accountId: string;
  region: string;
  scope: 'resource' | 'control';
  reason: string;
  userId: string;
  userName: string;
  createdAt: string;
  expiresAt: string;
  state: SuppressionState;
  findings: SuppressedFinding[];
  /** IDs of the findings Security Hub has accepted as SUPPRESSED. */
  updated: string[];
  failed: { id: string; code: string; message: string }[];
  /** Where it was made: the digest reply, updated in place and linked from later digests. */
  channel: string | null;
  messageTs: string | null;
  permalink: string | null;
  endedAt: string | null;
}

export interface SuppressionEvent {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export type NewSuppression = Omit<Suppression, 'id' | 'state' | 'updated' | 'failed' | 'endedAt'>;

export interface SuppressionFilter {
  states?: readonly SuppressionState[];
  accountIds?: readonly string[];
  /** Only those ended at or after this instant (ISO). */
  endedSince?: string;
}

/** Failing findings of one control in one account and Region, behind a Suppress button. */
export interface FindingGroup {
  /** A short key for buttons; never the raw finding ARN. */
  key: string;
  controlId: string;
  accountId: string;
  region: string;
  findingIds: string[];
  resources: string[];
}

export interface DigestItem extends FindingGroup {
  runId: number;
  position: number;
  /** Why these findings are in the digest again, when it is not a plain new failure. */
  label?: DigestItemLabel | undefined;
  ts: string | null;
}

/** Something a Suppress button points at. */
export interface SuppressTarget extends FindingGroup {
  kind: 'digest' | 'check';
  channel: string | null;
  /** The message holding the button (for a check: its thread parent), once known. */
  ts: string | null;
}

export type CheckTargetRecord = Omit<SuppressTarget, 'kind' | 'ts'> & { createdAt: string };

export type DigestItemLabel = 'suppression_expired' | 'suppression_lifted';

export interface DigestRun {
  id: number;
  channel: string;
  startedAt: string;
  finishedAt: string | null;
  parentTs: string | null;
  summary: DigestSummary;
  items: DigestItem[];
}

export interface DigestSummary {
  date: string;
  accounts: string[];
  /** Everything failing now, by severity. */
  failing: Record<string, number>;
  newCount: number;
  /** New failures not given their own reply (too many for one thread). */
  overflow: number;
  resolvedCount: number;
  previousFailingTotal: number | null;
  /** Finding IDs seen resolved since the last digest; forgotten when the run finishes. */
  resolvedIds: string[];
  /** New failures counted but not given a reply; reported when the run finishes. */
  overflowIds: string[];
  consoleUrl: string | null;
  /** Active suppressions of the channel's accounts that end within 7 days. */
  expiringSoon?: ExpiringSuppression[];
  /** Findings found reset to NEW under an active suppression and suppressed again by this run. */
  resuppressed?: number;
}

export interface ExpiringSuppression {
  id: number;
  controlId: string;
  accountId: string;
  region: string;
  expiresAt: string;
  findings: number;
  permalink: string | null;
}

export interface DigestPlanRecord {
  channel: string;
  startedAt: string;
  summary: DigestSummary;
  items: Omit<DigestItem, 'runId' | 'ts'>[];
}
