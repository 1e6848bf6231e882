// Config rule evaluation lifecycle: StartConfigRulesEvaluation -> EVALUATING -> (evaluationDelayMs) -> ACTIVE,
// nextEvaluations applied, evaluation status moved forward, Security Hub findings following.
import type { ConfigRule, EvaluationStatus, NormalizedState, RegionState } from './state.ts';
import { followEvaluation } from './workflow.ts';

interface Running {
  timer: NodeJS.Timeout;
  startedAt: number;
}

export class EvaluationEngine {
  private running = new Map<string, Running>();
  private lastStart = new Map<string, number>();

  constructor(private readonly getState: () => NormalizedState) {}

  private key(acct: string, region: string, rule: string): string {
    return `${acct}/${region}/${rule}`;
  }

  /** Milliseconds since the last start of this rule, or undefined. */
  sinceLastStart(acct: string, region: string, rule: string, now: number): number | undefined {
    const at = this.lastStart.get(this.key(acct, region, rule));
    return at === undefined ? undefined : now - at;
  }

  start(acct: string, region: string, rule: ConfigRule, now: number): void {
    const key = this.key(acct, region, rule.ConfigRuleName);
    rule.ConfigRuleState = 'EVALUATING';
    this.lastStart.set(key, now);
    const delay = this.getState().evaluationDelayMs;
    const timer = setTimeout(() => {
      this.running.delete(key);
      this.complete(acct, region, rule.ConfigRuleName);
    }, delay);
    this.running.set(key, { timer, startedAt: now });
  }

  /** Stops every pending evaluation (state replaced or server closing). */
  cancelAll(): void {
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.running.clear();
    this.lastStart.clear();
  }

  private complete(acct: string, region: string, ruleName: string): void {
    const state = this.getState();
    const account = state.accounts[acct];
    const rs = account?.regions[region];
    const rule = rs?.configRules.find((r) => r.ConfigRuleName === ruleName);
    if (!account || !rs || !rule) return;
    const now = new Date().toISOString();
    rule.ConfigRuleState = 'ACTIVE';
    const status: EvaluationStatus = rs.evaluationStatus[ruleName] ?? synthesizeStatus(rs, ruleName);
    rs.evaluationStatus[ruleName] = status;
    status.FirstEvaluationStarted = true;
    status.LastSuccessfulInvocationTime = now;
    if (rule.evaluationFails) {
      status.LastFailedEvaluationTime = now;
      status.LastErrorCode = rule.evaluationFails.code;
      status.LastErrorMessage = rule.evaluationFails.message;
      return;
    }
    const next = rs.nextEvaluations[ruleName];
    if (next) {
      for (const r of next) {
        r.EvaluationResultIdentifier.OrderingTimestamp = now;
        r.EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName ??= ruleName;
      }
      rs.evaluations[ruleName] = next;
      delete rs.nextEvaluations[ruleName];
    }
    const results = rs.evaluations[ruleName] ?? [];
    for (const r of results) {
      r.ResultRecordedTime = now;
      r.ConfigRuleInvokedTime = now;
    }
    status.LastSuccessfulEvaluationTime = now;
    followEvaluation({ accountId: acct, region, account, regionState: rs, now }, rule, results);
  }
}

/** Status for a rule that has none in state: derived from its recorded results. */
export function synthesizeStatus(rs: RegionState, ruleName: string): EvaluationStatus {
  const results = rs.evaluations[ruleName] ?? [];
  const times = (pick: (r: (typeof results)[number]) => string | undefined) =>
    results
      .map(pick)
      .filter((t): t is string => t !== undefined)
      .sort();
  const invoked = times((r) => r.ConfigRuleInvokedTime);
  const recorded = times((r) => r.ResultRecordedTime);
  const ordering = times((r) => r.EvaluationResultIdentifier.OrderingTimestamp);
  const status: EvaluationStatus = { FirstEvaluationStarted: results.length > 0 };
  const lastInvoked = invoked.at(-1) ?? recorded.at(-1);
  const lastRecorded = recorded.at(-1) ?? invoked.at(-1);
  if (lastInvoked) status.LastSuccessfulInvocationTime = lastInvoked;
  if (lastRecorded) status.LastSuccessfulEvaluationTime = lastRecorded;
  status.FirstActivatedTime = ordering[0] ?? invoked[0] ?? '2023-01-01T00:00:00.000Z';
  return status;
}
