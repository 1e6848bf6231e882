import { type AppError, asAppError } from '../errors.ts';

/** One line of `fsbp doctor`: what was checked, where, the outcome, and what to change when it is not a pass. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckScope {
  channel?: string;
  account?: string;
  region?: string;
  /** Organization mode: checked as the delegated administrator (its own role), not as a member. */
  as?: 'administrator';
}

export interface DoctorCheck {
  /** Stable name, also the locale key under `doctor.checks.<id>`. */
  id: string;
  status: CheckStatus;
  scope: CheckScope;
  /** Locale key of the outcome, under `doctor.checks.<id>.`. */
  outcome: string;
  /** Fills the outcome's and the fix's placeholders. Never a token or an external ID. */
  params: Record<string, string | number>;
  /** Locale key of what to change, under `doctor.checks.<id>.fix.`; only when the check did not pass. */
  fix?: string;
  /** A policy statement or command to paste, shown as a code block (not translated). */
  snippet?: string;
}

export function pass(
  id: string,
  scope: CheckScope,
  outcome: string,
  params: DoctorCheck['params'] = {},
): DoctorCheck {
  return { id, status: 'pass', scope, outcome, params };
}

export function problem(
  status: 'warn' | 'fail',
  id: string,
  scope: CheckScope,
  outcome: string,
  params: DoctorCheck['params'] = {},
  snippet?: string,
): DoctorCheck {
  return { id, status, scope, outcome, params, fix: outcome, ...(snippet ? { snippet } : {}) };
}

export function summarize(checks: readonly DoctorCheck[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status] += 1;
  return counts;
}

/** An AWS refusal as a line: the refused IAM action when AWS named one, else the kind of error. */
export function awsProblem(id: string, scope: CheckScope, error: unknown): DoctorCheck {
  const e: AppError = asAppError(error);
  if (e.code === 'aws_access_denied')
    return problem('fail', id, scope, 'denied', { action: String(e.params.action ?? '') });
  if (e.code === 'aws_region_disabled') return problem('fail', id, scope, 'regionDisabled');
  if (e.code === 'aws_credentials') return problem('fail', id, scope, 'credentials');
  return problem('fail', id, scope, 'unavailable', { code: e.code });
}
