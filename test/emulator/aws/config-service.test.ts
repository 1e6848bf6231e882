import {
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import {
  assume,
  baseState,
  type Compliance,
  clients,
  evaluation,
  expectAwsError,
  PROD,
  SSL_RULE,
  TOKYO,
  waitFor,
} from './test-helpers.ts';

let em: AwsEmulator;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0 });
});
afterAll(async () => {
  await em.close();
});

const ruleName = (i: number) => `custom-rule-${String(i).padStart(3, '0')}`;

/** prod/Tokyo with `count` extra plain rules and `failing` NON_COMPLIANT buckets on the S3.5 rule. */
function stateWith(
  count: number,
  failing: number,
  patch: (s: EmulatorState) => void = () => {},
): EmulatorState {
  const state = baseState();
  const rs = state.accounts?.[PROD]?.regions?.[TOKYO];
  if (!rs) throw new Error('fixture');
  for (let i = 0; i < count; i++) {
    rs.configRules?.push({
      ConfigRuleName: ruleName(i),
      Source: { Owner: 'CUSTOM_LAMBDA', SourceIdentifier: 'arn:aws:lambda:x' },
    });
  }
  const results = [] as ReturnType<typeof evaluation>[];
  for (let i = 0; i < failing; i++)
    results.push(evaluation(SSL_RULE, 'AWS::S3::Bucket', `bucket-${i}`, 'NON_COMPLIANT'));
  results.push(evaluation(SSL_RULE, 'AWS::S3::Bucket', 'good-bucket', 'COMPLIANT'));
  results.push(evaluation(SSL_RULE, 'AWS::S3::Bucket', 'na-bucket', 'NOT_APPLICABLE'));
  rs.evaluations = { [SSL_RULE]: results };
  patch(state);
  return state;
}

async function prodConfig() {
  return clients(em, await assume(em, PROD, { externalId: 'example-external-id' })).config;
}

describe('DescribeConfigRules', () => {
  it('pages all rules 25 at a time with NextToken, in stored order, with ARN and id filled in', async () => {
    em.setState(stateWith(60, 0));
    const config = await prodConfig();
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const out = await config.send(
        new DescribeConfigRulesCommand({ ...(token ? { NextToken: token } : {}) }),
      );
      pages.push((out.ConfigRules ?? []).map((r) => r.ConfigRuleName ?? ''));
      token = out.NextToken;
    } while (token);
    expect(pages.map((p) => p.length)).toEqual([25, 25, 11]);
    expect(pages.flat()).toEqual([SSL_RULE, ...Array.from({ length: 60 }, (_, i) => ruleName(i))]);
    const first = (await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [SSL_RULE] })))
      .ConfigRules?.[0];
    expect(first?.ConfigRuleId).toMatch(/^config-rule-[a-z0-9]{6}$/);
    expect(first?.ConfigRuleArn).toBe(
      `arn:aws:config:${TOKYO}:${PROD}:config-rule/aws-service-rule/securityhub.amazonaws.com/${first?.ConfigRuleId}`,
    );
  });

  it('rejects unknown names, more than 25 names and a foreign NextToken', async () => {
    em.setState(stateWith(30, 0));
    const config = await prodConfig();
    const err = await expectAwsError(
      config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: ['nope'] })),
      'NoSuchConfigRuleException',
      400,
    );
    expect(err.message).toContain("'nope'");
    const names = Array.from({ length: 26 }, (_, i) => ruleName(i));
    await expectAwsError(
      config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: names })),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      config.send(new DescribeConfigRulesCommand({ NextToken: 'garbage' })),
      'InvalidNextTokenException',
      400,
    );
  });
});

describe('StartConfigRulesEvaluation and the evaluation lifecycle', () => {
  it('validates 1-25 names of 1-128 characters and unknown names', async () => {
    em.setState(stateWith(30, 0));
    const config = await prodConfig();
    const start = (names: string[]) =>
      config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: names }));
    await expectAwsError(start([]), 'InvalidParameterValueException', 400);
    await expectAwsError(
      config.send(new StartConfigRulesEvaluationCommand({})),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      start(Array.from({ length: 26 }, (_, i) => ruleName(i))),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(start(['x'.repeat(129)]), 'InvalidParameterValueException', 400);
    await expectAwsError(start(['unknown-rule']), 'NoSuchConfigRuleException', 400);
    expect(Object.keys(await start(Array.from({ length: 25 }, (_, i) => ruleName(i))))).toEqual([
      '$metadata',
    ]);
  });

  it('EVALUATING while running, LimitExceededException meanwhile, then ACTIVE with statuses moved forward', async () => {
    em.setState(stateWith(0, 1, (s) => Object.assign(s, { evaluationDelayMs: 150 })));
    const config = await prodConfig();
    const status = async () =>
      (await config.send(new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: [SSL_RULE] })))
        .ConfigRulesEvaluationStatus?.[0];
    const before = await status();
    expect(before?.LastSuccessfulEvaluationTime?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(before?.FirstEvaluationStarted).toBe(true);
    const startedAt = Date.now();
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] }));
    const state = async () =>
      (await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [SSL_RULE] }))).ConfigRules?.[0]
        ?.ConfigRuleState;
    expect(await state()).toBe('EVALUATING');
    await expectAwsError(
      config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] })),
      'LimitExceededException',
      400,
    );
    await waitFor(async () => (await state()) === 'ACTIVE', 'ACTIVE');
    const after = await status();
    expect(after?.LastSuccessfulEvaluationTime?.getTime()).toBeGreaterThanOrEqual(
      Math.floor(startedAt / 1000) * 1000,
    );
    expect(after?.LastSuccessfulInvocationTime?.getTime()).toBeGreaterThanOrEqual(
      Math.floor(startedAt / 1000) * 1000,
    );
    const details = await config.send(
      new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: SSL_RULE }),
    );
    expect(details.EvaluationResults?.[0]?.ResultRecordedTime?.getTime()).toBe(
      after?.LastSuccessfulEvaluationTime?.getTime(),
    );
  });

  it('an evaluation set to fail ends in LastFailedEvaluationTime and LastErrorCode', async () => {
    em.setState(
      stateWith(0, 1, (s) => {
        const rule = s.accounts?.[PROD]?.regions?.[TOKYO]?.configRules?.[0];
        if (rule)
          rule.evaluationFails = {
            code: 'AccessDenied',
            message: 'The rule could not read the bucket policy',
          };
      }),
    );
    const config = await prodConfig();
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] }));
    const status = await waitFor(async () => {
      const s = (
        await config.send(new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: [SSL_RULE] }))
      ).ConfigRulesEvaluationStatus?.[0];
      return s?.LastFailedEvaluationTime ? s : undefined;
    }, 'failed evaluation');
    expect(status.LastErrorCode).toBe('AccessDenied');
    expect(status.LastErrorMessage).toBe('The rule could not read the bucket policy');
    expect(status.LastSuccessfulEvaluationTime?.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    const rules = await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [SSL_RULE] }));
    expect(rules.ConfigRules?.[0]).not.toHaveProperty('evaluationFails');
  });

  it('enforces "at most once per minute" per rule when startEvaluationMinIntervalMs is set', async () => {
    em.setState(
      stateWith(0, 1, (s) =>
        Object.assign(s, { startEvaluationMinIntervalMs: 60_000, evaluationDelayMs: 0 }),
      ),
    );
    const config = await prodConfig();
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] }));
    await waitFor(
      async () =>
        (await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [SSL_RULE] }))).ConfigRules?.[0]
          ?.ConfigRuleState === 'ACTIVE',
      'ACTIVE',
    );
    await expectAwsError(
      config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] })),
      'LimitExceededException',
      400,
    );
  });
});

describe('DescribeConfigRuleEvaluationStatus', () => {
  it('pages with Limit 0-50 and rejects Limit 51 and more than 25 names', async () => {
    em.setState(stateWith(60, 0));
    const config = await prodConfig();
    const first = await config.send(new DescribeConfigRuleEvaluationStatusCommand({ Limit: 20 }));
    expect(first.ConfigRulesEvaluationStatus).toHaveLength(20);
    const second = await config.send(
      new DescribeConfigRuleEvaluationStatusCommand({ Limit: 50, NextToken: first.NextToken }),
    );
    expect(second.ConfigRulesEvaluationStatus).toHaveLength(41);
    expect(second.NextToken).toBeUndefined();
    expect(
      (await config.send(new DescribeConfigRuleEvaluationStatusCommand({ Limit: 0 })))
        .ConfigRulesEvaluationStatus,
    ).toHaveLength(50);
    await expectAwsError(
      config.send(new DescribeConfigRuleEvaluationStatusCommand({ Limit: 51 })),
      'InvalidLimitException',
      400,
    );
    const names = Array.from({ length: 26 }, (_, i) => ruleName(i));
    await expectAwsError(
      config.send(new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: names })),
      'InvalidParameterValueException',
      400,
    );
  });
});

describe('GetComplianceDetailsByConfigRule', () => {
  it('pages results (default 10, Limit up to 100) and filters by ComplianceTypes', async () => {
    em.setState(stateWith(0, 25));
    const config = await prodConfig();
    const get = (p: { Limit?: number; NextToken?: string; ComplianceTypes?: Compliance[] } = {}) =>
      config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: SSL_RULE, ...p }));
    const page1 = await get();
    expect(page1.EvaluationResults).toHaveLength(10);
    const all = [...(page1.EvaluationResults ?? [])];
    let token = page1.NextToken;
    while (token) {
      const next = await get({ NextToken: token });
      all.push(...(next.EvaluationResults ?? []));
      token = next.NextToken;
    }
    expect(all).toHaveLength(27);
    expect(all[0]?.EvaluationResultIdentifier?.OrderingTimestamp).toBeInstanceOf(Date);
    expect((await get({ Limit: 100 })).EvaluationResults).toHaveLength(27);
    const compliant = await get({ ComplianceTypes: ['COMPLIANT', 'NOT_APPLICABLE'] });
    expect(compliant.EvaluationResults?.map((r) => r.ComplianceType)).toEqual([
      'COMPLIANT',
      'NOT_APPLICABLE',
    ]);
  });

  it('rejects Limit 101, INSUFFICIENT_DATA as a filter, 4 compliance types and a name over 64 characters', async () => {
    em.setState(stateWith(0, 1));
    const config = await prodConfig();
    const get = (p: object) =>
      config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: SSL_RULE, ...p }));
    await expectAwsError(get({ Limit: 101 }), 'InvalidLimitException', 400);
    await expectAwsError(
      get({ ComplianceTypes: ['INSUFFICIENT_DATA'] }),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      get({ ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'COMPLIANT'] }),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'x'.repeat(65) })),
      'InvalidParameterValueException',
      400,
    );
    await expectAwsError(
      config.send(new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: 'unknown' })),
      'NoSuchConfigRuleException',
      400,
    );
  });
});

describe('DescribeComplianceByConfigRule', () => {
  it('reports NON_COMPLIANT with a contributor count capped at 100, COMPLIANT and INSUFFICIENT_DATA', async () => {
    em.setState(
      stateWith(2, 150, (s) => {
        const rs = s.accounts?.[PROD]?.regions?.[TOKYO];
        if (rs?.evaluations)
          rs.evaluations[ruleName(0)] = [evaluation(ruleName(0), 'AWS::S3::Bucket', 'b', 'COMPLIANT')];
      }),
    );
    const config = await prodConfig();
    const out = await config.send(new DescribeComplianceByConfigRuleCommand({}));
    expect(out.ComplianceByConfigRules).toEqual([
      {
        ConfigRuleName: SSL_RULE,
        Compliance: {
          ComplianceType: 'NON_COMPLIANT',
          ComplianceContributorCount: { CappedCount: 100, CapExceeded: true },
        },
      },
      { ConfigRuleName: ruleName(0), Compliance: { ComplianceType: 'COMPLIANT' } },
      { ConfigRuleName: ruleName(1), Compliance: { ComplianceType: 'INSUFFICIENT_DATA' } },
    ]);
    const filtered = await config.send(
      new DescribeComplianceByConfigRuleCommand({ ComplianceTypes: ['COMPLIANT'] }),
    );
    expect(filtered.ComplianceByConfigRules?.map((c) => c.ConfigRuleName)).toEqual([ruleName(0)]);
    await expectAwsError(
      config.send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: ['nope'] })),
      'NoSuchConfigRuleException',
      400,
    );
  });

  it('counts only NON_COMPLIANT results as contributors', async () => {
    em.setState(stateWith(0, 3));
    const config = await prodConfig();
    const out = await config.send(new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: [SSL_RULE] }));
    expect(out.ComplianceByConfigRules?.[0]?.Compliance?.ComplianceContributorCount).toEqual({
      CappedCount: 3,
      CapExceeded: false,
    });
  });
});
