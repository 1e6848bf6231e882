// AWS Config (JSON 1.1, X-Amz-Target: StarlingDoveService.<Op>): the rule and compliance reads the bot uses,
// and StartConfigRulesEvaluation.
import {
  AwsError,
  cfgInvalidLimit,
  cfgInvalidNextToken,
  cfgInvalidParameter,
  cfgNoSuchRule,
  constraintMessage,
} from './errors.ts';
import type { EvaluationEngine } from './evaluation.ts';
import { synthesizeStatus } from './evaluation.ts';
import { pageOf, requestHash } from './paging.ts';
import type { ConfigRule, EvaluationResult, NormalizedState, RegionState } from './state.ts';

export interface ConfigContext {
  state: NormalizedState;
  accountId: string;
  region: string;
  now: number;
  engine: EvaluationEngine;
}

type Input = Record<string, unknown>;
type Handler = (ctx: ConfigContext, rs: RegionState, input: Input) => unknown;

const EMPTY_REGION: RegionState = {
  configRecorder: null,
  configRules: [],
  evaluations: {},
  nextEvaluations: {},
  evaluationStatus: {},
  findings: [],
};

const epoch = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso) / 1000);

function names(
  input: Input,
  member: string,
  max: number,
  maxLength: number,
  required = false,
): string[] | undefined {
  const value = input[member];
  if (value === undefined || value === null) {
    if (required)
      throw cfgInvalidParameter(constraintMessage(null, lowerFirst(member), 'Member must not be null'));
    return undefined;
  }
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new AwsError('SerializationException', `${member} must be a list of strings`, 400);
  }
  const list = value as string[];
  if (required && list.length < 1) {
    throw cfgInvalidParameter(
      constraintMessage(list, lowerFirst(member), 'Member must have length greater than or equal to 1'),
    );
  }
  if (list.length > max) {
    throw cfgInvalidParameter(
      constraintMessage(
        `[${list.join(', ')}]`,
        lowerFirst(member),
        `Member must have length less than or equal to ${max}`,
      ),
    );
  }
  for (const n of list) {
    if (n.length < 1 || n.length > maxLength) {
      throw cfgInvalidParameter(
        constraintMessage(
          n,
          `${lowerFirst(member)}.member`,
          `Member must have length between 1 and ${maxLength}`,
        ),
      );
    }
  }
  return list;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function limit(input: Input, max: number, dflt: number): number {
  const value = input.Limit;
  if (value === undefined || value === null) return dflt;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw cfgInvalidLimit(constraintMessage(value, 'limit', `Member must have value between 0 and ${max}`));
  }
  return value === 0 ? dflt : value;
}

function nextToken(input: Input): string | undefined {
  const t = input.NextToken;
  return typeof t === 'string' && t !== '' ? t : undefined;
}

function findRules(rs: RegionState, requested: string[] | undefined): ConfigRule[] {
  if (!requested || requested.length === 0) return rs.configRules;
  return requested.map((n) => {
    const rule = rs.configRules.find((r) => r.ConfigRuleName === n);
    if (!rule) throw cfgNoSuchRule(n);
    return rule;
  });
}

function complianceTypes(input: Input, allowed: string[]): string[] | undefined {
  const value = input.ComplianceTypes;
  if (value === undefined || value === null) return undefined;
  const list = value as string[];
  if (list.length > 3) {
    throw cfgInvalidParameter(
      constraintMessage(
        `[${list.join(', ')}]`,
        'complianceTypes',
        'Member must have length less than or equal to 3',
      ),
    );
  }
  for (const t of list) {
    if (!allowed.includes(t)) {
      throw cfgInvalidParameter(
        t === 'INSUFFICIENT_DATA'
          ? 'INSUFFICIENT_DATA is not a valid ComplianceType for filtering results.'
          : constraintMessage(
              t,
              'complianceTypes.member',
              `Member must satisfy enum value set: [${allowed.join(', ')}]`,
            ),
      );
    }
  }
  return list.length > 0 ? list : undefined;
}

function ruleOut(rule: ConfigRule): Input {
  const { evaluationFails: _hidden, ...rest } = rule;
  return structuredClone(rest);
}

function resultOut(r: EvaluationResult): Input {
  const out = structuredClone(r) as Input & EvaluationResult;
  const id = out.EvaluationResultIdentifier as Input;
  if (r.EvaluationResultIdentifier.OrderingTimestamp !== undefined) {
    id.OrderingTimestamp = epoch(r.EvaluationResultIdentifier.OrderingTimestamp);
  }
  const o = out as Input;
  for (const k of ['ResultRecordedTime', 'ConfigRuleInvokedTime'] as const) {
    if (r[k] !== undefined) o[k] = epoch(r[k]);
  }
  return o;
}

const STATUS_DATES = [
  'LastSuccessfulInvocationTime',
  'LastFailedInvocationTime',
  'LastSuccessfulEvaluationTime',
  'LastFailedEvaluationTime',
  'FirstActivatedTime',
  'LastDeactivatedTime',
] as const;

const describeConfigRules: Handler = (_ctx, rs, input) => {
  const requested = names(input, 'ConfigRuleNames', 25, 128);
  let rules = findRules(rs, requested);
  const mode = (input.Filters as { EvaluationMode?: string } | undefined)?.EvaluationMode;
  if (mode) {
    rules = rules.filter((r) => {
      const modes = (r.EvaluationModes as Array<{ Mode?: string }> | undefined)?.map((m) => m.Mode) ?? [
        'DETECTIVE',
      ];
      return modes.includes(mode);
    });
  }
  const hash = requestHash({ requested, mode });
  const { page, nextToken: next } = pageOf(rules, 25, nextToken(input), hash, cfgInvalidNextToken);
  return { ConfigRules: page.map(ruleOut), ...(next ? { NextToken: next } : {}) };
};

const startConfigRulesEvaluation: Handler = (ctx, rs, input) => {
  const requested = names(input, 'ConfigRuleNames', 25, 128, true) ?? [];
  const rules = findRules(rs, requested);
  for (const rule of rules) {
    const since = ctx.engine.sinceLastStart(ctx.accountId, ctx.region, rule.ConfigRuleName, ctx.now);
    const minInterval = ctx.state.startEvaluationMinIntervalMs;
    if (rule.ConfigRuleState === 'EVALUATING' || (since !== undefined && since < minInterval)) {
      throw new AwsError(
        'LimitExceededException',
        `An evaluation of the rule ${rule.ConfigRuleName} is already in progress or was started less than a minute ago. ` +
          'Wait for the evaluation to complete before starting another one.',
        400,
      );
    }
    if (rule.ConfigRuleState === 'DELETING' || rule.ConfigRuleState === 'DELETING_RESULTS') {
      throw new AwsError('ResourceInUseException', `The rule ${rule.ConfigRuleName} is being deleted.`, 400);
    }
  }
  for (const rule of rules) ctx.engine.start(ctx.accountId, ctx.region, rule, ctx.now);
  return {};
};

const describeConfigRuleEvaluationStatus: Handler = (_ctx, rs, input) => {
  const requested = names(input, 'ConfigRuleNames', 25, 128);
  const pageSize = limit(input, 50, 50);
  const rules = findRules(rs, requested);
  const hash = requestHash({ requested });
  const { page, nextToken: next } = pageOf(rules, pageSize, nextToken(input), hash, cfgInvalidNextToken);
  const statuses = page.map((rule) => {
    const status = rs.evaluationStatus[rule.ConfigRuleName] ?? synthesizeStatus(rs, rule.ConfigRuleName);
    const out: Input = {
      ConfigRuleName: rule.ConfigRuleName,
      ConfigRuleArn: rule.ConfigRuleArn,
      ConfigRuleId: rule.ConfigRuleId,
    };
    for (const k of STATUS_DATES) if (status[k] !== undefined) out[k] = epoch(status[k]);
    for (const k of ['LastErrorCode', 'LastErrorMessage', 'FirstEvaluationStarted'] as const) {
      if (status[k] !== undefined) out[k] = status[k];
    }
    return out;
  });
  return { ConfigRulesEvaluationStatus: statuses, ...(next ? { NextToken: next } : {}) };
};

const getComplianceDetailsByConfigRule: Handler = (_ctx, rs, input) => {
  const name = input.ConfigRuleName;
  if (typeof name !== 'string') {
    throw cfgInvalidParameter(constraintMessage(null, 'configRuleName', 'Member must not be null'));
  }
  if (name.length < 1 || name.length > 64) {
    throw cfgInvalidParameter(
      constraintMessage(name, 'configRuleName', 'Member must have length between 1 and 64'),
    );
  }
  const types = complianceTypes(input, ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']);
  const pageSize = limit(input, 100, 10);
  const [rule] = findRules(rs, [name]);
  const results = (rs.evaluations[rule?.ConfigRuleName ?? name] ?? []).filter(
    (r) => !types || types.includes(r.ComplianceType),
  );
  const hash = requestHash({ name, types });
  const { page, nextToken: next } = pageOf(results, pageSize, nextToken(input), hash, cfgInvalidNextToken);
  return { EvaluationResults: page.map(resultOut), ...(next ? { NextToken: next } : {}) };
};

/** Rule-level compliance: any NON_COMPLIANT -> NON_COMPLIANT (count capped at 100), else COMPLIANT, else no data. */
const CONTRIBUTOR_CAP = 100;

const describeComplianceByConfigRule: Handler = (_ctx, rs, input) => {
  const requested = names(input, 'ConfigRuleNames', 25, 128);
  const types = complianceTypes(input, ['COMPLIANT', 'NON_COMPLIANT', 'INSUFFICIENT_DATA']);
  const rules = findRules(rs, requested);
  const all = rules.map((rule) => {
    const results = rs.evaluations[rule.ConfigRuleName] ?? [];
    const failing = results.filter((r) => r.ComplianceType === 'NON_COMPLIANT').length;
    const compliance: Input = {};
    if (failing > 0) {
      compliance.ComplianceType = 'NON_COMPLIANT';
      compliance.ComplianceContributorCount = {
        CappedCount: Math.min(failing, CONTRIBUTOR_CAP),
        CapExceeded: failing > CONTRIBUTOR_CAP,
      };
    } else if (results.some((r) => r.ComplianceType === 'COMPLIANT')) {
      compliance.ComplianceType = 'COMPLIANT';
    } else {
      compliance.ComplianceType = 'INSUFFICIENT_DATA';
    }
    return { ConfigRuleName: rule.ConfigRuleName, Compliance: compliance };
  });
  const filtered = types ? all.filter((c) => types.includes(String(c.Compliance.ComplianceType))) : all;
  const hash = requestHash({ requested, types });
  const { page, nextToken: next } = pageOf(filtered, 25, nextToken(input), hash, cfgInvalidNextToken);
  return { ComplianceByConfigRules: page, ...(next ? { NextToken: next } : {}) };
};

/** One recorder per Region at most, as AWS Config allows; names filter it like the real API. */
const describeConfigurationRecorderStatus: Handler = (_ctx, rs, input) => {
  const recorder =
    rs.configRecorder === undefined
      ? { name: 'default', recording: true, lastStatus: 'Success' }
      : rs.configRecorder;
  const names = input.ConfigurationRecorderNames;
  if (names !== undefined && !Array.isArray(names))
    throw cfgInvalidParameter('ConfigurationRecorderNames must be a list');
  const wanted = (names as unknown[] | undefined) ?? [];
  for (const name of wanted) {
    if (!recorder || name !== recorder.name) {
      throw new AwsError(
        'NoSuchConfigurationRecorderException',
        `Cannot find configuration recorder with the specified name '${String(name)}'.`,
        400,
      );
    }
  }
  if (!recorder) return { ConfigurationRecordersStatus: [] };
  return {
    ConfigurationRecordersStatus: [
      {
        name: recorder.name,
        recording: recorder.recording,
        lastStatus: recorder.lastStatus,
        lastStartTime: 1_700_000_000,
        lastStatusChangeTime: 1_700_000_000,
        ...(recorder.recording ? {} : { lastStopTime: 1_700_000_100 }),
      },
    ],
  };
};

const HANDLERS: Record<string, Handler> = {
  DescribeConfigurationRecorderStatus: describeConfigurationRecorderStatus,
  DescribeConfigRules: describeConfigRules,
  StartConfigRulesEvaluation: startConfigRulesEvaluation,
  DescribeConfigRuleEvaluationStatus: describeConfigRuleEvaluationStatus,
  GetComplianceDetailsByConfigRule: getComplianceDetailsByConfigRule,
  DescribeComplianceByConfigRule: describeComplianceByConfigRule,
};

export function handleConfig(ctx: ConfigContext, operation: string, body: string): unknown {
  const handler = HANDLERS[operation];
  if (!handler)
    throw new AwsError(
      'UnknownOperationException',
      `Operation ${operation} is not supported by the emulator`,
      400,
    );
  let input: Input;
  try {
    input = body.trim() === '' ? {} : (JSON.parse(body) as Input);
  } catch {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.', 400);
  }
  const rs = ctx.state.accounts[ctx.accountId]?.regions[ctx.region] ?? EMPTY_REGION;
  return handler(ctx, rs, input);
}
