import type { ApprovalDecision, NewSuppression } from '../suppression/types.ts';

/**
 * What the audit trail says about a request and its review, the same in every backend (the
 * events are hash-chained over this text, so both must write it alike).
 */
export function requestedDetail(input: NewSuppression): Record<string, unknown> {
  return {
    reason: input.reason,
    scope: input.scope,
    expiresAt: input.expiresAt,
    findings: input.findings.map((f) => f.id),
    ...(input.approval ? { approvalRequired: true, approvalExpiresAt: input.approval.expiresAt } : {}),
  };
}

/** The event's action: `approved`, `rejected` or `approval_expired`. */
export function decisionAction(decision: ApprovalDecision): string {
  return decision.state === 'pending' ? 'approved' : decision.state;
}

export function decisionDetail(decision: ApprovalDecision): Record<string, unknown> {
  if (decision.state === 'pending') {
    return { approver: decision.actorName, findings: decision.findings.map((f) => f.id) };
  }
  if (decision.state === 'rejected') return { reviewer: decision.actorName, reason: decision.reason };
  return {};
}
