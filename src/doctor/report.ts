/** One line of `fsbp doctor`: what was checked, where, the outcome, and what to change when it is not a pass. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckScope {
  channel?: string;
  account?: string;
  region?: string;
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
