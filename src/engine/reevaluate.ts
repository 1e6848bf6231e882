import type { ConfigRulesPort, RuleInfo, RuleStatus } from './ports.ts';

export interface RuleOutcome {
  status: RuleStatus | null;
  /** Results come from a run that finished after this check asked for it. */
  fresh: boolean;
  /** The run this check waited for ended in an error (LastErrorCode). */
  failed: boolean;
  /** Not started again: AWS evaluated the rule within the cooldown; its last results are used. */
  recent?: boolean;
}

export interface WaitOptions {
  timeoutMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called as soon as a rule's run is over, so its results can be read while others still run. */
  onDone?: (name: string, outcome: RuleOutcome) => void;
  /**
   * The cost guard: a rule whose last successful run (ours or AWS's own schedule) is younger than
   * this is not started again. AWS Config bills every evaluation it records.
   */
  reevaluateAfterMs?: number;
}

/**
 * Polls come at a quarter of the time waited so far (at least 500 ms, at most 15 s): a run that
 * takes 2 s is seen within ~0.5 s, one that takes 2 minutes costs ~20 polls, not hundreds.
 */
const minPollMs = 500;
const maxPollMs = 15_000;
const pollFraction = 0.25;

function time(date: Date | null): number {
  return date ? date.getTime() : 0;
}

/** The last successful run, whether AWS recorded new results with it or not. */
export function lastSuccessfulRun(status: RuleStatus): number {
  return Math.max(time(status.lastSuccessfulEvaluation), time(status.lastSuccessfulInvocation ?? null));
}

/** Evaluated successfully within `withinMs` of `now`, and not failed since. */
function evaluatedRecently(status: RuleStatus | undefined, now: number, withinMs: number): boolean {
  if (!status || withinMs <= 0) return false;
  const success = lastSuccessfulRun(status);
  return success > 0 && now - success < withinMs && success >= time(status.lastFailedEvaluation);
}

/** A run finished after the baseline if either of its end times moved forward. */
function finishedSince(status: RuleStatus, baseline: RuleStatus | undefined): 'success' | 'failure' | null {
  const success = time(status.lastSuccessfulEvaluation);
  const failure = time(status.lastFailedEvaluation);
  const doneSuccess = success > time(baseline?.lastSuccessfulEvaluation ?? null);
  const doneFailure = failure > time(baseline?.lastFailedEvaluation ?? null);
  if (doneSuccess && success >= failure) return 'success';
  if (doneFailure) return 'failure';
  return null;
}

/**
 * Starts evaluations of the rules and waits for them. Freshness is judged against each rule's own
 * status before the start, not against our clock, so clock skew with AWS cannot fake or hide a run.
 * A rule that is already evaluating is not started again; its current run is awaited.
 */
export async function reevaluateRules(
  config: ConfigRulesPort,
  rules: readonly RuleInfo[],
  options: WaitOptions,
): Promise<Map<string, RuleOutcome>> {
  const outcomes = new Map<string, RuleOutcome>();
  if (rules.length === 0) return outcomes;
  const names = rules.map((r) => r.name);
  const deadline = options.now() + options.timeoutMs;
  const baseline = new Map((await config.statuses(names)).map((s) => [s.name, s]));
  const running = rules.filter((r) => r.state === 'EVALUATING').map((r) => r.name);
  const recent = names.filter(
    (n) =>
      !running.includes(n) &&
      evaluatedRecently(baseline.get(n), options.now(), options.reevaluateAfterMs ?? 0),
  );
  const toStart = names.filter((n) => !running.includes(n) && !recent.includes(n));
  const started = toStart.length
    ? await config.startEvaluation(toStart)
    : { started: [], busy: [], refused: [] };
  const waiting = new Set([...running, ...started.started, ...started.busy]);

  function settle(name: string, outcome: RuleOutcome) {
    outcomes.set(name, outcome);
    waiting.delete(name);
    options.onDone?.(name, outcome);
  }
  for (const name of recent) {
    settle(name, { status: baseline.get(name) ?? null, fresh: false, failed: false, recent: true });
  }

  const startedAt = options.now();
  while (waiting.size > 0 && options.now() < deadline) {
    const waited = options.now() - startedAt;
    const delay = Math.min(Math.max(minPollMs, Math.round(waited * pollFraction)), maxPollMs);
    await options.sleep(Math.min(delay, Math.max(0, deadline - options.now())));
    const statuses = await config.statuses([...waiting]);
    const seen = new Set<string>();
    for (const status of statuses) {
      seen.add(status.name);
      const finished = finishedSince(status, baseline.get(status.name));
      if (finished) settle(status.name, { status, fresh: true, failed: finished === 'failure' });
    }
    // Custom Lambda rules have no evaluation status: their state returning to ACTIVE is the signal.
    const silent = [...waiting].filter((n) => !seen.has(n));
    if (silent.length > 0) {
      for (const rule of await config.describeRules(silent)) {
        if (rule.state !== 'EVALUATING') settle(rule.name, { status: null, fresh: true, failed: false });
      }
    }
  }
  for (const name of names) {
    if (!outcomes.has(name)) {
      settle(name, { status: baseline.get(name) ?? null, fresh: false, failed: false });
    }
  }
  return outcomes;
}
