import type { DigestItem, DigestPlanRecord, DigestRun } from '../digest/types.ts';
import type { LanguagePreference } from '../i18n/index.ts';
import type { ChainedEvent } from '../suppression/audit.ts';
import type {
  ApprovalDecision,
  CheckTargetRecord,
  NewSuppression,
  Suppression,
  SuppressionEvent,
  SuppressionFilter,
  SuppressionState,
  SuppressTarget,
} from '../suppression/types.ts';
import type { ControlDefinitionsCache } from './control-definitions.ts';
import type { DiscoveryCache } from './discovery-cache.ts';
import type { PostureHistory } from './history.ts';
import type { LeaseStore } from './lease.ts';
import type { StoreTransfer } from './tables.ts';

/** What users and channels chose. */
export interface Preferences {
  getUserLanguage(userId: string): Promise<LanguagePreference | null>;
  setUserLanguage(userId: string, language: LanguagePreference): Promise<void>;
  setDigestEnabled(channel: string, enabled: boolean): Promise<void>;
  digestEnabled(channel: string): Promise<boolean | null>;
}

/** Requests handled once, whichever replica a retried delivery reaches. */
export interface Claims {
  /**
   * Claims a key (a Slack request's trigger ID, an event ID) once. Returns false when it was
   * claimed before, so a retried delivery is acknowledged but not run twice.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
}

/** The digest runs, their replies and what each channel has been told. */
export interface DigestLog {
  /** Finding IDs this channel has been told about and that have not been seen resolved since. */
  reportedFindings(channel: string): Promise<Set<string>>;
  /** Which channels were told about each of these findings (one page of a stream at a time). */
  reportedChannels(findingIds: readonly string[]): Promise<Map<string, string[]>>;
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
  digestRun(id: number): Promise<DigestRun | null>;
  digestItem(key: string): Promise<DigestItem | null>;
  /** Forgets that any channel was told about these findings: their next failure is new again. */
  forgetReported(findingIds: readonly string[]): Promise<void>;
}

/** What Suppress buttons point at: digest replies and the failing controls of check results. */
export interface SuppressTargets {
  /** Remembers the failing controls of a check result shown with Suppress buttons. */
  recordCheckTargets(targets: readonly CheckTargetRecord[]): Promise<void>;
  /** The message a check target's button is in (known at the first click). */
  setCheckTargetMessage(key: string, ts: string): Promise<void>;
  /** Forgets check targets recorded before this instant (their buttons then answer "no longer known"). */
  purgeCheckTargets(before: string): Promise<number>;
  /** What a Suppress button points at: a digest reply or a failing control of a check result. */
  suppressTarget(key: string): Promise<SuppressTarget | null>;
}

/**
 * Suppression records and their audit trail. Every change writes an event in the same
 * transaction, events are never changed or deleted, and each is chained to the one before.
 */
export interface SuppressionLedger {
  /**
   * Writes the record (`pending`, or `awaiting_approval` when the input asks for an approval) and
   * its first event; returns the existing one for a repeated request.
   */
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
  /**
   * Ends the wait of a request for approval: approved (`pending`, with the findings still failing,
   * then applied as any suppression), rejected, or lapsed. Only a waiting record moves, so of two
   * approvers at once one wins; the other gets `SuppressionTransitionError` and nothing is written.
   */
  decideApproval(id: number, decision: ApprovalDecision): Promise<Suppression>;
  /** Where the approvers' message is, so each decision can edit it in place. */
  setApprovalMessage(id: number, ts: string): Promise<void>;
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

/** The audit trail as stored, for checking its hash chain (`fsbp audit verify`) and copying it. */
export interface AuditTrail {
  /** Events after this ID, oldest first, at most `limit`. */
  auditEvents(afterId: number, limit: number): Promise<ChainedEvent[]>;
}

/**
 * Everything the bot remembers, by role; a module asks for the roles it uses. Every method is
 * async so a shared database (several replicas) and the embedded SQLite file implement the same
 * interface.
 */
export interface Store
  extends Preferences,
    Claims,
    LeaseStore,
    DigestLog,
    SuppressTargets,
    SuppressionLedger,
    AuditTrail,
    StoreTransfer,
    PostureHistory,
    ControlDefinitionsCache,
    DiscoveryCache {
  /** True when the store answers and its schema is the one this release migrates to (/readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}
