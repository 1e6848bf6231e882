import type { WorkflowPort } from '../engine/ports.ts';
import type { Store } from '../store/store.ts';
import type { Suppression } from './types.ts';

export interface LiftRequest {
  /** `expired` by the scheduled job, `lifted` early by a user. */
  state: 'expired' | 'lifted';
  actor: string;
  /** Who lifted it, as a name for the note; the job leaves it out. */
  actorName?: string;
  reason?: string;
}

/** The note a lifted finding carries, so Security Hub shows why it is back. */
export function liftNote(request: LiftRequest): string {
  if (request.state === 'expired') return 'suppression expired (fsbp-bot)';
  const by = request.actorName ? ` by ${request.actorName}` : '';
  return [...`suppression lifted${by}: ${request.reason ?? ''}`].slice(0, 490).join('').concat(' (fsbp-bot)');
}

export interface LiftOutcome {
  suppression: Suppression;
  /** Findings AWS would not set back to NEW; the record stays as it was and the job tries again. */
  failed: { id: string; code: string; message: string }[];
}

/**
 * Sets the suppressed findings back to NEW with a note, then ends the record and forgets that any
 * channel was told about them, so the next digest lists the ones still failing.
 */
export async function liftSuppression(
  store: Store,
  workflow: WorkflowPort,
  suppression: Suppression,
  request: LiftRequest,
): Promise<LiftOutcome> {
  const updated = new Set(suppression.updated);
  const findings = suppression.findings.filter((f) => updated.has(f.id));
  const result = await workflow.updateWorkflow(findings, {
    status: 'NEW',
    note: liftNote(request),
    updatedBy: request.state === 'expired' ? 'fsbp-bot' : `fsbp-bot/${request.actor}`,
  });
  const failed = result.unprocessed.map(({ id, code, message }) => ({ id, code, message }));
  if (failed.length > 0) {
    await store.recordSuppressionEvent(suppression.id, request.actor, `${request.state}-refused`, {
      reason: request.reason ?? null,
      failed,
    });
    return { suppression, failed };
  }
  const ended = await store.endSuppression(suppression.id, request.actor, request.state, {
    reason: request.reason ?? null,
    findings: findings.length,
  });
  await store.forgetReported(suppression.findings.map((f) => f.id));
  return { suppression: ended, failed };
}
