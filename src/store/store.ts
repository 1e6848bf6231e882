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
  setDigestEnabled(channel: string, enabled: boolean): Promise<void>;
  digestEnabled(channel: string): Promise<boolean | null>;
}

export interface DigestItem {
  runId: number;
  position: number;
  /** A short key for buttons; never the raw finding ARN. */
  key: string;
  controlId: string;
  accountId: string;
  region: string;
  findingIds: string[];
  resources: string[];
  ts: string | null;
}

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
}

export interface DigestPlanRecord {
  channel: string;
  startedAt: string;
  summary: DigestSummary;
  items: Omit<DigestItem, 'runId' | 'ts'>[];
}
