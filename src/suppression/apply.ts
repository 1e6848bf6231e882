import type { WorkflowPort } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { pauseAt, withSuppressionLock } from './lock.ts';
import type { NewSuppression, Suppression, SuppressionApproval } from './types.ts';

/** Security Hub keeps at most 512 characters of a note. */
export const noteLimit = 512;
/** A user name longer than this is cut in the note, so the room left for the reason is fixed. */
const userNameRoom = 40;

const cut = (name: string) => [...name].slice(0, userNameRoom).join('');

function noteSuffix(userName: string, expiresAt: string, approverName?: string | null): string {
  const approved = approverName ? `, approved by ${cut(approverName)}` : '';
  return ` — ${cut(userName)}${approved} until ${expiresAt.slice(0, 10)} (fsbp-bot)`;
}

const longestName = 'x'.repeat(userNameRoom);

/** The longest reason that fits the note whatever the user's name: the modal's max_length. */
export const maxReasonLength = noteLimit - [...noteSuffix(longestName, '2026-01-01')].length;

/** The same when a second person approves: the note names both (387 characters). */
export const maxApprovedReasonLength =
  noteLimit - [...noteSuffix(longestName, '2026-01-01', longestName)].length;

/**
 * `<reason> — <user name> until <date> (fsbp-bot)`, or with `, approved by <approver>` after the
 * requester's name once a second person approved it; always within Security Hub's 512 characters.
 */
export function suppressionNote(
  s: Pick<Suppression, 'reason' | 'userName' | 'expiresAt'> & {
    approval?: Pick<SuppressionApproval, 'reviewerName'> | null;
  },
): string {
  const suffix = noteSuffix(s.userName, s.expiresAt, s.approval?.reviewerName);
  const room = noteLimit - [...suffix].length;
  return `${[...s.reason].slice(0, room).join('')}${suffix}`;
}

export interface ApplyOutcome {
  suppression: Suppression;
  /** False when the request had been made before (a double submit, a second click, a re-run). */
  created: boolean;
  /** Another submit of the same request is applying it right now; nothing was sent by this one. */
  busy: boolean;
}

/**
 * Records the suppression first (pending), then sets the findings SUPPRESSED. A repeated request
 * sends nothing for findings already updated; one that AWS interrupted is completed by calling this
 * again. Two submits at once: one applies, the other finds it busy.
 */
export async function applySuppression(
  store: Store,
  workflow: WorkflowPort,
  input: NewSuppression,
  holder: string,
): Promise<ApplyOutcome> {
  const { suppression, created } = await store.createSuppression(input);
  return { ...(await completeSuppression(store, workflow, suppression, holder)), created };
}

/**
 * Sends the findings of a pending or partial suppression that are not SUPPRESSED yet, under the
 * suppression's lock (a lift waits for it). Every finding sent is in the record before the call, so
 * a crash before the progress is saved leaves nothing a lift would miss.
 */
export async function completeSuppression(
  store: Store,
  workflow: WorkflowPort,
  suppression: Suppression,
  holder: string,
): Promise<Omit<ApplyOutcome, 'created'>> {
  if (suppression.state !== 'pending' && suppression.state !== 'partial') return { suppression, busy: false };
  try {
    return await withSuppressionLock(store, suppression.id, holder, { waitMs: 0 }, async (current, lease) => {
      // Another holder may have finished it, or a lift ended it, in between.
      if (current.state !== 'pending' && current.state !== 'partial')
        return { suppression: current, busy: false };
      const done = new Set(current.updated);
      const todo = current.findings.filter((f) => !done.has(f.id));
      await lease.ensure();
      const result = await workflow.updateWorkflow(todo, {
        status: 'SUPPRESSED',
        note: suppressionNote(current),
        updatedBy: `fsbp-bot/${current.userId}`,
      });
      await pauseAt('apply:sent', current.id);
      const updated = [...done, ...result.processed];
      const failed = result.unprocessed.map(({ id, code, message }) => ({ id, code, message }));
      const state = failed.length === 0 ? 'active' : 'partial';
      return {
        suppression: await store.suppressionProgress(current.id, current.userId, state, updated, failed),
        busy: false,
      };
    });
  } catch (error) {
    if (error instanceof AppError && error.code === 'suppression_busy') return { suppression, busy: true };
    throw error;
  }
}
