/**
 * Posture history: what failed where and for how long. Kept apart from the rest of the store so
 * each backend implements it as one role, with its own migrations.
 */

/** A finding seen failing (or held by an active suppression) in one sweep. */
export interface FailureObservation {
  findingId: string;
  accountId: string;
  region: string;
  controlId: string;
  severity: string;
  /** Security Hub's FirstObservedAt, when it gave one. */
  firstObservedAt: string | null;
  /** The failing resource, for showing and suppressing it later. */
  resourceId?: string | null;
}

/**
 * One read of the failing findings of some accounts and Regions at some severities. Open failures
 * in those scopes and severities that are neither failing nor suppressed now are resolved.
 */
export interface PostureSweep {
  at: string;
  /** The local date of `at` in the channel's time zone: the day the counts are for. */
  day: string;
  /** The accounts and Regions that answered; nothing is resolved elsewhere. */
  scopes: readonly { accountId: string; region: string }[];
  severities: readonly string[];
  failing: readonly FailureObservation[];
  /** Findings an active suppression covers: an open failure of theirs stays open, uncounted. */
  suppressed: readonly string[];
}

/** A sweep too large to hold at once (organization mode): `observe` each batch, then `finish`. */
export type StreamedSweep = Omit<PostureSweep, 'failing' | 'day'>;

export interface SweepWriter {
  /** Opens (or refreshes) the failures of one batch of failing findings. */
  observe(failing: readonly FailureObservation[]): Promise<void>;
  /**
   * Resolves the sweep's open failures that were neither observed nor suppressed nor `held` (found
   * during the stream to stay open: a control disabled where they are), and writes the failing counts
   * of each scope and severity under each of `days` (one per time zone reported in). Gives the same
   * result as one `recordSweep` with every batch.
   */
  finish(days: readonly string[], held?: readonly string[]): Promise<{ opened: number; resolved: number }>;
}

/** One failure of one finding, from first seen failing to resolution. */
export interface FailureEpisode {
  findingId: string;
  accountId: string;
  region: string;
  controlId: string;
  severity: string;
  resourceId: string | null;
  /** When it started failing: the bot's first sight, or FirstObservedAt when earlier. */
  since: string;
  firstSeenAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
}

export interface DailyCount {
  accountId: string;
  region: string;
  day: string;
  severity: string;
  failing: number;
}

/** Open failures that began in one minute (UTC) at one severity. */
export interface OpenFailureCount {
  severity: string;
  /** `YYYY-MM-DDTHH:MM` (UTC). */
  sinceMinute: string;
  count: number;
}

/** Failures that began, or were resolved, in one minute (UTC). */
export interface FailureActivity {
  event: 'began' | 'fixed';
  /** `YYYY-MM-DDTHH:MM` (UTC). */
  minute: string;
  count: number;
}

export interface HistoryFilter {
  accountIds: readonly string[];
  /** Inclusive local dates (YYYY-MM-DD) for counts, ISO instants for episodes. */
  from?: string;
  to?: string;
}

export interface PostureHistory {
  recordSweep(sweep: PostureSweep): Promise<{ opened: number; resolved: number }>;
  /** The same sweep fed in batches; failures observed by it carry `last_seen_at = at`. */
  beginSweep(sweep: StreamedSweep): SweepWriter;
  /** Failures still open in these accounts. */
  openFailures(accountIds: readonly string[]): Promise<FailureEpisode[]>;
  /**
   * Open failures of these accounts counted by severity and the minute they began: enough for SLA
   * counts in any time zone (a day starts on a whole minute everywhere) without reading each failure.
   */
  openFailureCounts(accountIds: readonly string[]): Promise<OpenFailureCount[]>;
  /**
   * Failures of these accounts that began at or after `from` (an ISO instant), and those resolved at
   * or after it, counted by the minute: weekly new and fixed counts without reading each failure.
   */
  failureActivity(accountIds: readonly string[], from: string): Promise<FailureActivity[]>;
  /** Those of these findings that have an open failure, in any account. */
  openFailuresOf(findingIds: readonly string[]): Promise<FailureEpisode[]>;
  /** Failures that were open at some moment between `from` and `to` (ISO instants). */
  failuresBetween(filter: HistoryFilter): Promise<FailureEpisode[]>;
  dailyCounts(filter: HistoryFilter): Promise<DailyCount[]>;
  /**
   * Findings told to `channel` that no sweep since `seenAt` saw failing at one of `severities`: what a
   * streamed digest counts as resolved without holding every told ID (the sweep marked what it saw).
   */
  reportedUnseenSince(channel: string, seenAt: string, severities: readonly string[]): Promise<string[]>;
  /** Forgets counts of days before `beforeDay` and failures resolved before `beforeAt`. */
  purgeHistory(beforeDay: string, beforeAt: string): Promise<number>;
}
