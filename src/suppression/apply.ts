import type { WorkflowPort } from '../engine/ports.ts';
import type { NewSuppression, Suppression, SuppressionStore } from './store.ts';

/** Security Hub keeps at most 512 characters of a note. */
export const noteLimit = 512;

function noteSuffix(userName: string, expiresAt: string): string {
  return ` — ${userName} until ${expiresAt.slice(0, 10)} (fsbp-bot)`;
}

/** The longest reason that still fits the note with its suffix; the modal's max_length uses it. */
export function maxReasonLength(userName: string, expiresAt: string): number {
  return noteLimit - [...noteSuffix(userName, expiresAt)].length;
}

/** `<reason> — <user name> until <date> (fsbp-bot)`, as it goes into the finding's note. */
export function suppressionNote(s: Pick<Suppression, 'reason' | 'userName' | 'expiresAt'>): string {
  const suffix = noteSuffix(s.userName, s.expiresAt);
  const room = noteLimit - [...suffix].length;
  return `${[...s.reason].slice(0, room).join('')}${suffix}`;
}

/**
 * Records the suppression first (pending), then sets the findings SUPPRESSED. A repeated request
 * changes nothing; a run that AWS interrupted is completed by calling this again: only the findings
 * not yet updated are sent.
 */
export async function applySuppression(
  store: SuppressionStore,
  workflow: WorkflowPort,
  input: NewSuppression,
): Promise<{ suppression: Suppression; created: boolean }> {
  const { suppression, created } = store.create(input);
  if (suppression.state === 'active') return { suppression, created };
  const done = new Set(suppression.updated);
  const todo = suppression.findings.filter((f) => !done.has(f.id));
  const result = await workflow.updateWorkflow(todo, {
    status: 'SUPPRESSED',
    note: suppressionNote(suppression),
    updatedBy: `fsbp-bot/${suppression.userId}`,
  });
  const updated = [...done, ...result.processed];
  const failed = result.unprocessed.map(({ id, code, message }) => ({ id, code, message }));
  const state = failed.length === 0 ? 'active' : 'partial';
  return { suppression: store.progress(suppression.id, suppression.userId, state, updated, failed), created };
}
