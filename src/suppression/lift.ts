import type { WorkflowPort } from '../engine/ports.ts';
import type { Store } from '../store/store.ts';
import { withSuppressionLock } from './lock.ts';
import { type Suppression, SuppressionTransitionError, statesBefore } from './types.ts';

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
  /** How many findings were set back to NEW. */
  reset: number;
}

/** A finding Security Hub no longer has cannot stay SUPPRESSED: nothing to reset. */
const gone = 'FindingNotFound';

/**
 * Under the suppression's lock (an apply in progress is waited for, up to `waitMs`): sets back to
 * NEW every finding the suppression may have touched, then ends the record and forgets that any
 * channel was told about them, so the next digest lists the ones still failing. "May have touched"
 * is every target of the record, not only those recorded as updated: an apply that crashed between
 * BatchUpdateFindings and saving its progress recorded none. A record that ended meanwhile throws
 * `SuppressionTransitionError`.
 */
export async function liftSuppression(
  store: Store,
  workflow: WorkflowPort,
  id: number,
  request: LiftRequest & { holder: string; waitMs: number },
): Promise<LiftOutcome> {
  return withSuppressionLock(
    store,
    id,
    request.holder,
    { waitMs: request.waitMs, waiting: 'lift:waiting' },
    async (suppression, lease) => {
      if (!statesBefore(request.state).includes(suppression.state))
        throw new SuppressionTransitionError(id, suppression.state, request.state);
      const findings = suppression.findings;
      await lease.ensure();
      const result = await workflow.updateWorkflow(findings, {
        status: 'NEW',
        note: liftNote(request),
        updatedBy: request.state === 'expired' ? 'fsbp-bot' : `fsbp-bot/${request.actor}`,
      });
      const failed = result.unprocessed
        .filter((f) => f.code !== gone)
        .map(({ id, code, message }) => ({ id, code, message }));
      if (failed.length > 0) {
        await store.recordSuppressionEvent(id, request.actor, `${request.state}-refused`, {
          reason: request.reason ?? null,
          failed,
        });
        return { suppression, failed, reset: result.processed.length };
      }
      const ended = await store.endSuppression(id, request.actor, request.state, {
        reason: request.reason ?? null,
        findings: result.processed.length,
      });
      await store.forgetReported(findings.map((f) => f.id));
      return { suppression: ended, failed, reset: result.processed.length };
    },
  );
}
