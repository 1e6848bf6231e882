import { z } from 'zod';
import type { FindingGroup } from '../suppression/types.ts';

export type DigestItemLabel = 'suppression_expired' | 'suppression_lifted';
export const digestItemLabels = ['suppression_expired', 'suppression_lifted'] as const;

export interface DigestItem extends FindingGroup {
  runId: number;
  position: number;
  /** Why these findings are in the digest again, when it is not a plain new failure. */
  label?: DigestItemLabel | undefined;
  ts: string | null;
  /** Days past the SLA, when the reply is rendered for a digest that found it overdue (not stored). */
  overdueDays?: number | undefined;
}

export const ExpiringSuppression = z.object({
  id: z.number().int(),
  controlId: z.string(),
  accountId: z.string(),
  region: z.string(),
  expiresAt: z.string(),
  findings: z.number().int(),
  permalink: z.string().nullable(),
});
export type ExpiringSuppression = z.infer<typeof ExpiringSuppression>;

/** A run's summary, as stored with it (read back through this schema). */
export const DigestSummary = z.object({
  date: z.string(),
  accounts: z.array(z.string()),
  /** Everything failing now, by severity. */
  failing: z.record(z.string(), z.number()),
  newCount: z.number().int(),
  /** New failures not given their own reply (too many for one thread). */
  overflow: z.number().int(),
  resolvedCount: z.number().int(),
  previousFailingTotal: z.number().nullable(),
  /** Finding IDs seen resolved since the last digest; forgotten when the run finishes. */
  resolvedIds: z.array(z.string()),
  /** New failures counted but not given a reply; reported when the run finishes. */
  overflowIds: z.array(z.string()),
  consoleUrl: z.string().nullable(),
  /** Active suppressions of the channel's accounts that end within 7 days. */
  expiringSoon: z.array(ExpiringSuppression).optional(),
  /** Findings found reset to NEW under an active suppression and suppressed again by this run. */
  resuppressed: z.number().int().optional(),
  /** Open, unsuppressed failures past the channel's SLA, by severity. */
  overdue: z.record(z.string(), z.number()).optional(),
  /** Days over SLA of the most overdue finding of a reply, by item key (overdue replies only). */
  overdueDays: z.record(z.string(), z.number()).optional(),
  /** Monday's digest: the last 7 days (new and fixed failures) and what is overdue now. */
  weekly: z.object({ newCount: z.number(), fixedCount: z.number(), overdue: z.number() }).optional(),
  /** Monday's digest: the uploaded 12-week trend chart. */
  chartFileId: z.string().optional(),
});
export type DigestSummary = z.infer<typeof DigestSummary>;

export interface DigestRun {
  id: number;
  channel: string;
  startedAt: string;
  finishedAt: string | null;
  parentTs: string | null;
  summary: DigestSummary;
  items: DigestItem[];
}

export interface DigestPlanRecord {
  channel: string;
  startedAt: string;
  summary: DigestSummary;
  items: Omit<DigestItem, 'runId' | 'ts'>[];
}
