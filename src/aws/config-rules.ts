import {
  type ConfigServiceClient,
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import type { ConfigRulesPort, RuleEvaluation, RuleInfo, RuleStatus, StartOutcome } from '../engine/ports.ts';
import { type AwsCaller, errorName, toAppError } from './errors.ts';
import type { Inflight } from './inflight.ts';

/** StartConfigRulesEvaluation and DescribeConfigRuleEvaluationStatus take at most 25 names a call. */
export const ruleNamesPerCall = 25;
export const complianceDetailsPageSize = 100;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface ConfigRulesAdapterOptions {
  client: Pick<ConfigServiceClient, 'send'>;
  /** A client without SDK retries: LimitExceededException on a start means "already running", not "retry". */
  startClient: Pick<ConfigServiceClient, 'send'>;
  accountId: string;
  region: string;
  call: AwsCaller;
  /** Shares identical reads in flight; `identity` keeps different credentials apart. */
  share: Inflight;
  identity: string;
  sleep?: (ms: number) => Promise<void>;
}

const startAttempts = 5;

export function createConfigRulesAdapter(options: ConfigRulesAdapterOptions): ConfigRulesPort {
  const { client, accountId, region, call } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const scope = (operation: string) => ({ operation, accountId, region });

  async function describe(names?: readonly string[]): Promise<RuleInfo[]> {
    const rules: RuleInfo[] = [];
    let token: string | undefined;
    do {
      const page = await call(scope('DescribeConfigRules'), () =>
        client.send(
          new DescribeConfigRulesCommand({
            ...(names ? { ConfigRuleNames: [...names] } : {}),
            NextToken: token,
          }),
        ),
      );
      for (const rule of page.ConfigRules ?? []) {
        if (rule.ConfigRuleName)
          rules.push({ name: rule.ConfigRuleName, state: rule.ConfigRuleState ?? 'ACTIVE' });
      }
      token = page.NextToken;
    } while (token);
    return rules;
  }

  async function statusBatch(names: string[]): Promise<RuleStatus[]> {
    const out: RuleStatus[] = [];
    let token: string | undefined;
    do {
      const page = await call(scope('DescribeConfigRuleEvaluationStatus'), () =>
        client.send(
          new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: names, NextToken: token }),
        ),
      );
      for (const s of page.ConfigRulesEvaluationStatus ?? []) {
        if (!s.ConfigRuleName) continue;
        out.push({
          name: s.ConfigRuleName,
          lastSuccessfulEvaluation: s.LastSuccessfulEvaluationTime ?? null,
          lastSuccessfulInvocation: s.LastSuccessfulInvocationTime ?? null,
          lastFailedEvaluation: s.LastFailedEvaluationTime ?? null,
          lastErrorCode: s.LastErrorCode ?? null,
          lastErrorMessage: s.LastErrorMessage ?? null,
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }

  /** One batch of up to 25; on LimitExceededException the rules still evaluating are left to run. */
  async function startBatch(names: string[]): Promise<StartOutcome> {
    let pending = names;
    const busy: string[] = [];
    for (let attempt = 1; attempt <= startAttempts; attempt++) {
      try {
        // Raw SDK errors here: LimitExceededException is read below, not converted.
        await call(scope('StartConfigRulesEvaluation'), () =>
          options.startClient.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: pending })),
        ).catch((error: { cause?: unknown }) => {
          throw error.cause ?? error;
        });
        return { started: pending, busy, refused: [] };
      } catch (error) {
        const name = errorName(error);
        if (name === 'LimitExceededException') {
          const states = await describe(pending);
          const running = new Set(states.filter((s) => s.state === 'EVALUATING').map((s) => s.name));
          busy.push(...pending.filter((n) => running.has(n)));
          pending = pending.filter((n) => !running.has(n));
          if (pending.length === 0) return { started: [], busy, refused: [] };
          if (running.size === 0 && attempt >= 2) return { started: [], busy, refused: pending };
        } else if (
          name !== 'ThrottlingException' &&
          !/InternalFailure|InternalError|ServiceUnavailable/.test(name)
        ) {
          throw toAppError(error, scope('StartConfigRulesEvaluation'));
        }
        await sleep(Math.round(2 ** attempt * 200 * (0.5 + Math.random())));
      }
    }
    return { started: [], busy, refused: pending };
  }

  const shared = <T>(what: string, fn: () => Promise<T>) => options.share(`${options.identity}|${what}`, fn);

  return {
    listRules: () => shared('DescribeConfigRules', () => describe()),
    describeRules: (names) => describe(names),
    async statuses(names) {
      const batches = await Promise.all(chunk(names, ruleNamesPerCall).map(statusBatch));
      return batches.flat();
    },
    async startEvaluation(names) {
      const outcomes = await Promise.all(chunk(names, ruleNamesPerCall).map(startBatch));
      return {
        started: outcomes.flatMap((o) => o.started),
        busy: outcomes.flatMap((o) => o.busy),
        refused: outcomes.flatMap((o) => o.refused),
      };
    },
    evaluations: (ruleName) =>
      shared(`GetComplianceDetailsByConfigRule|${ruleName}`, () => evaluations(ruleName)),
  };

  async function evaluations(ruleName: string): Promise<RuleEvaluation[]> {
    const out: RuleEvaluation[] = [];
    let token: string | undefined;
    do {
      const page = await call(scope('GetComplianceDetailsByConfigRule'), () =>
        client.send(
          new GetComplianceDetailsByConfigRuleCommand({
            ConfigRuleName: ruleName,
            // NOT_APPLICABLE results are out of the control's scope and never shown; skip their pages.
            ComplianceTypes: ['NON_COMPLIANT', 'COMPLIANT'],
            Limit: complianceDetailsPageSize,
            NextToken: token,
          }),
        ),
      );
      for (const r of page.EvaluationResults ?? []) {
        const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
        const compliance = r.ComplianceType;
        if (!q?.ResourceId || !q.ResourceType) continue;
        if (compliance !== 'COMPLIANT' && compliance !== 'NON_COMPLIANT' && compliance !== 'NOT_APPLICABLE')
          continue;
        out.push({
          resourceType: q.ResourceType,
          resourceId: q.ResourceId,
          compliance,
          recordedAt: r.ResultRecordedTime ?? null,
          annotation: r.Annotation ?? null,
        });
      }
      token = page.NextToken;
    } while (token);
    return out;
  }
}
