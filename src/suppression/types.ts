import { z } from 'zod';
import { AppError } from '../errors.ts';

export const suppressionStates = [
  'pending',
  'active',
  'partial',
  'expired',
  'lifted',
  'awaiting_approval',
  'rejected',
  'approval_expired',
] as const;
export type SuppressionState = (typeof suppressionStates)[number];

/** A finding a suppression covers, with its resource so a refusal can be reported by name. */
export const SuppressedFinding = z.object({ id: z.string(), productArn: z.string(), resourceId: z.string() });
export type SuppressedFinding = z.infer<typeof SuppressedFinding>;

/** A finding AWS refused to update, with its reason. */
export const RefusedFinding = z.object({ id: z.string(), code: z.string(), message: z.string() });

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
  /** Four-eyes approval: null when the request needed none (applied at once). */
  approval: SuppressionApproval | null;
}

/** A request waiting for, or decided by, a second person (`suppression.approval`). */
export interface SuppressionApproval {
  /** When the request lapses unanswered (`approval_expired`). */
  expiresAt: string;
  /** The approvers' message in the thread, edited in place at every decision. */
  messageTs: string | null;
  /** Who approved or rejected it, and when; null while it waits. */
  reviewerId: string | null;
  reviewerName: string | null;
  reviewedAt: string | null;
  rejectionReason: string | null;
}

/** How a waiting request ends: approved (then applied as any suppression), rejected, or lapsed. */
export type ApprovalDecision =
  | { state: 'pending'; actor: string; actorName: string; findings: SuppressedFinding[] }
  | { state: 'rejected'; actor: string; actorName: string; reason: string }
  | { state: 'approval_expired'; actor: string };

export interface SuppressionEvent {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export type NewSuppression = Omit<
  Suppression,
  'id' | 'state' | 'updated' | 'failed' | 'endedAt' | 'approval'
> & {
  /** Given when the request needs a second person: it is recorded `awaiting_approval`, nothing is sent. */
  approval?: { expiresAt: string } | null;
};

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

/** Something a Suppress button points at. */
export interface SuppressTarget extends FindingGroup {
  kind: 'digest' | 'check';
  channel: string | null;
  /** The message holding the button (for a check: its thread parent), once known. */
  ts: string | null;
}

export type CheckTargetRecord = Omit<SuppressTarget, 'kind' | 'ts'> & { createdAt: string };

/**
 * Which state a suppression may go to from which. Every store applies it in the write itself
 * (`UPDATE ... WHERE state IN (...)`), so a late writer (an apply that outlived its lease, a lift
 * that lost a race) cannot bring an ended record back or end it twice.
 */
export const suppressionTransitions: Readonly<Record<SuppressionState, readonly SuppressionState[]>> = {
  // A request a second person must approve: approved, it is applied as any other (`pending`).
  awaiting_approval: ['pending', 'rejected', 'approval_expired'],
  pending: ['partial', 'active', 'lifted', 'expired'],
  partial: ['partial', 'active', 'lifted', 'expired'],
  active: ['lifted', 'expired'],
  lifted: [],
  expired: [],
  rejected: [],
  approval_expired: [],
};

/** States in which a record is over: nothing in Security Hub is (or will be) suppressed by it. */
export const endedStates: readonly SuppressionState[] = ['expired', 'lifted', 'rejected', 'approval_expired'];

/** The states a record may be in to move to `to`. */
export function statesBefore(to: SuppressionState): SuppressionState[] {
  return (Object.keys(suppressionTransitions) as SuppressionState[]).filter((from) =>
    suppressionTransitions[from].includes(to),
  );
}

/**
 * A state change the transitions table does not allow; the record is left as it was. A record that
 * no longer exists has no state to show, so the user is told it is unknown.
 */
export class SuppressionTransitionError extends AppError {
  constructor(id: number, from: SuppressionState | 'missing', to: SuppressionState) {
    super(
      from === 'missing' ? 'unknown_suppression' : 'suppression_conflict',
      `suppression ${id}: ${from} -> ${to} is not allowed`,
      { params: from === 'missing' ? { id } : { id, state: from } },
    );
  }
}

/** Who approved a suppression and when; null when none was needed, or it was not (yet) approved. */
export function approvedBy(
  s: Pick<Suppression, 'state' | 'approval'>,
): { id: string; name: string; at: string } | null {
  const a = s.approval;
  if (!a?.reviewerId || !a.reviewedAt || s.state === 'rejected' || s.state === 'awaiting_approval')
    return null;
  return { id: a.reviewerId, name: a.reviewerName ?? a.reviewerId, at: a.reviewedAt };
}

/** A request's approval in one word, for exports: none needed, waiting, approved, rejected or lapsed. */
export function approvalStatus(
  s: Pick<Suppression, 'state' | 'approval'>,
): 'none' | 'awaiting' | 'approved' | 'rejected' | 'expired' {
  if (!s.approval) return 'none';
  if (s.state === 'awaiting_approval') return 'awaiting';
  if (s.state === 'rejected') return 'rejected';
  if (s.state === 'approval_expired') return 'expired';
  return 'approved';
}
