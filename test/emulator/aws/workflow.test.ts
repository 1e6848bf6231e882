import { readFileSync } from 'node:fs';
import {
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import {
  assume,
  baseState,
  type Compliance,
  type Creds,
  clients,
  evaluation,
  PROD,
  SSL_RULE,
  SSL_RULE_STAGING,
  STAGING,
  TOKYO,
  waitFor,
} from './test-helpers.ts';

let em: AwsEmulator;
let prod: Creds;
let staging: Creds;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0 });
  prod = await assume(em, PROD, { externalId: 'example-external-id' });
  staging = await assume(em, STAGING);
});
afterAll(async () => {
  await em.close();
});

type Row = [string, Compliance];

/** Sets the rule's nextEvaluations, runs StartConfigRulesEvaluation, waits for ACTIVE, returns the findings. */
async function evaluate(
  account: string,
  rule: string,
  rows: Row[],
  creds: Creds,
): Promise<AwsSecurityFinding[]> {
  const state = em.getState();
  const rs = state.accounts?.[account]?.regions?.[TOKYO];
  if (!rs) throw new Error('no region');
  rs.nextEvaluations = { [rule]: rows.map(([id, c]) => evaluation(rule, 'AWS::S3::Bucket', id, c)) };
  em.setState(state);
  const { config, sh } = clients(em, creds);
  await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [rule] }));
  await waitFor(
    async () =>
      (await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [rule] }))).ConfigRules?.[0]
        ?.ConfigRuleState === 'ACTIVE',
    'evaluation to finish',
  );
  return (await sh.send(new GetFindingsCommand({}))).Findings ?? [];
}

const byBucket = (findings: AwsSecurityFinding[], name: string) => {
  const f = findings.find((x) => x.Resources?.[0]?.Id === `arn:aws:s3:::${name}`);
  if (!f) throw new Error(`no finding for ${name}`);
  return f;
};
const view = (f: AwsSecurityFinding) => [f.Compliance?.Status, f.Workflow?.Status, f.RecordState];

async function setWorkflow(
  f: AwsSecurityFinding,
  status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED',
): Promise<void> {
  const out = await clients(em, prod).sh.send(
    new BatchUpdateFindingsCommand({
      FindingIdentifiers: [{ Id: f.Id, ProductArn: f.ProductArn }],
      Workflow: { Status: status },
      ...(status === 'SUPPRESSED' ? { Note: { Text: 'accepted', UpdatedBy: 'fsbp-bot' } } : {}),
    }),
  );
  expect(out.ProcessedFindings).toHaveLength(1);
}

describe('new findings follow Config evaluations', () => {
  it('consolidated format (SECURITY_CONTROL) for a newly failing bucket', async () => {
    em.setState(baseState());
    const before = new Date(Date.now() - 1).toISOString();
    const [f] = await evaluate(PROD, SSL_RULE, [['alpha', 'NON_COMPLIANT']], prod);
    expect(f?.Id).toMatch(
      new RegExp(`^arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3\\.5/finding/[0-9a-f-]{36}$`),
    );
    expect(f).toMatchObject({
      ProductArn: `arn:aws:securityhub:${TOKYO}::product/aws/securityhub`,
      GeneratorId: 'security-control/S3.5',
      AwsAccountId: PROD,
      Region: TOKYO,
      Title: 'S3 general purpose buckets should require requests to use SSL',
      Severity: { Label: 'MEDIUM', Normalized: 40 },
      Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::alpha', Partition: 'aws', Region: TOKYO }],
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: 'S3.5',
        AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
      },
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
      ProductFields: {
        'RelatedAWSResources:0/name': SSL_RULE,
        'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
      },
    });
    expect(f?.ProductFields).not.toHaveProperty('ControlId');
    expect(f?.CreatedAt).toBe(f?.UpdatedAt);
    expect(f?.FirstObservedAt).toBe(f?.CreatedAt);
    expect((f?.CreatedAt ?? '') > before).toBe(true);
  });

  it('standard-specific format (STANDARD_CONTROL), with Compliance.SecurityControlId too', async () => {
    em.setState(baseState());
    const [f] = await evaluate(STAGING, SSL_RULE_STAGING, [['beta', 'NON_COMPLIANT']], staging);
    const path = 'aws-foundational-security-best-practices/v/1.0.0';
    expect(f?.Id).toMatch(
      new RegExp(
        `^arn:aws:securityhub:${TOKYO}:${STAGING}:subscription/${path}/S3\\.5/finding/[0-9a-f-]{36}$`,
      ),
    );
    expect(f).toMatchObject({
      GeneratorId: `${path}/S3.5`,
      Title: 'S3.5 S3 general purpose buckets should require requests to use SSL',
      Compliance: { Status: 'FAILED', SecurityControlId: 'S3.5' },
      ProductFields: {
        ControlId: 'S3.5',
        StandardsArn: `arn:aws:securityhub:::standards/${path}`,
        StandardsSubscriptionArn: `arn:aws:securityhub:${TOKYO}:${STAGING}:subscription/${path}`,
        StandardsControlArn: `arn:aws:securityhub:${TOKYO}:${STAGING}:control/${path}/S3.5`,
        'RelatedAWSResources:0/name': SSL_RULE_STAGING,
      },
    });
  });

  it('a passing resource gets PASSED/RESOLVED, NOT_APPLICABLE gets NOT_AVAILABLE', async () => {
    em.setState(baseState());
    const all = await evaluate(
      PROD,
      SSL_RULE,
      [
        ['ok', 'COMPLIANT'],
        ['na', 'NOT_APPLICABLE'],
      ],
      prod,
    );
    expect(view(byBucket(all, 'ok'))).toEqual(['PASSED', 'RESOLVED', 'ACTIVE']);
    expect(view(byBucket(all, 'na'))).toEqual(['NOT_AVAILABLE', 'NEW', 'ACTIVE']);
  });

  it('applies nextEvaluations once, moves UpdatedAt/LastObservedAt, keeps one finding per resource', async () => {
    em.setState(baseState());
    const first = byBucket(await evaluate(PROD, SSL_RULE, [['alpha', 'NON_COMPLIANT']], prod), 'alpha');
    const again = await evaluate(PROD, SSL_RULE, [['alpha', 'NON_COMPLIANT']], prod);
    expect(again).toHaveLength(1);
    expect(again[0]?.Id).toBe(first.Id);
    expect((again[0]?.UpdatedAt ?? '') > (first.UpdatedAt ?? '')).toBe(true);
    expect((again[0]?.LastObservedAt ?? '') > (first.LastObservedAt ?? '')).toBe(true);
    expect(again[0]?.CreatedAt).toBe(first.CreatedAt);
    expect(em.getState().accounts?.[PROD]?.regions?.[TOKYO]?.nextEvaluations).toEqual({});
    const details = await clients(em, prod).config.send(
      new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: SSL_RULE }),
    );
    expect(
      details.EvaluationResults?.map(
        (r) => r.EvaluationResultIdentifier?.EvaluationResultQualifier?.ResourceId,
      ),
    ).toEqual(['alpha']);
  });
});

describe('workflow reset rules', () => {
  it('NOTIFIED persists while failing, PASSED -> RESOLVED, PASSED -> FAILED -> NEW', async () => {
    em.setState(baseState());
    const f = byBucket(await evaluate(PROD, SSL_RULE, [['a', 'NON_COMPLIANT']], prod), 'a');
    await setWorkflow(f, 'NOTIFIED');
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['a', 'NON_COMPLIANT']], prod), 'a'))).toEqual([
      'FAILED',
      'NOTIFIED',
      'ACTIVE',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['a', 'COMPLIANT']], prod), 'a'))).toEqual([
      'PASSED',
      'RESOLVED',
      'ACTIVE',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['a', 'NON_COMPLIANT']], prod), 'a'))).toEqual([
      'FAILED',
      'NEW',
      'ACTIVE',
    ]);
  });

  it('a RESOLVED set by hand persists while failing; PASSED -> NOT_AVAILABLE reopens as NEW', async () => {
    em.setState(baseState());
    const f = byBucket(await evaluate(PROD, SSL_RULE, [['b', 'NON_COMPLIANT']], prod), 'b');
    await setWorkflow(f, 'RESOLVED');
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['b', 'NON_COMPLIANT']], prod), 'b'))).toEqual([
      'FAILED',
      'RESOLVED',
      'ACTIVE',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['b', 'COMPLIANT']], prod), 'b'))).toEqual([
      'PASSED',
      'RESOLVED',
      'ACTIVE',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['b', 'NOT_APPLICABLE']], prod), 'b'))).toEqual([
      'NOT_AVAILABLE',
      'NEW',
      'ACTIVE',
    ]);
  });

  it('SUPPRESSED survives failing and ARCHIVED -> ACTIVE, but not a pass -> fail cycle', async () => {
    em.setState(baseState());
    const f = byBucket(await evaluate(PROD, SSL_RULE, [['c', 'NON_COMPLIANT']], prod), 'c');
    await setWorkflow(f, 'SUPPRESSED');
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['c', 'NON_COMPLIANT']], prod), 'c'))).toEqual([
      'FAILED',
      'SUPPRESSED',
      'ACTIVE',
    ]);
    const gone = await evaluate(PROD, SSL_RULE, [['other', 'COMPLIANT']], prod);
    expect(view(byBucket(gone, 'c'))).toEqual(['FAILED', 'SUPPRESSED', 'ARCHIVED']);
    const back = byBucket(await evaluate(PROD, SSL_RULE, [['c', 'NON_COMPLIANT']], prod), 'c');
    expect(back.Id).toBe(f.Id);
    expect(view(back)).toEqual(['FAILED', 'SUPPRESSED', 'ACTIVE']);
    expect(back.Note?.Text).toBe('accepted');
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['c', 'COMPLIANT']], prod), 'c'))).toEqual([
      'PASSED',
      'RESOLVED',
      'ACTIVE',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['c', 'NON_COMPLIANT']], prod), 'c'))).toEqual([
      'FAILED',
      'NEW',
      'ACTIVE',
    ]);
  });

  it('NOTIFIED goes back to NEW when the finding returns from ARCHIVED', async () => {
    em.setState(baseState());
    const f = byBucket(await evaluate(PROD, SSL_RULE, [['d', 'NON_COMPLIANT']], prod), 'd');
    await setWorkflow(f, 'NOTIFIED');
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [], prod), 'd'))).toEqual([
      'FAILED',
      'NOTIFIED',
      'ARCHIVED',
    ]);
    expect(view(byBucket(await evaluate(PROD, SSL_RULE, [['d', 'NON_COMPLIANT']], prod), 'd'))).toEqual([
      'FAILED',
      'NEW',
      'ACTIVE',
    ]);
  });
});

describe('the sample state demo', () => {
  it('re-evaluating the S3.5 rule in prod shows the fixed bucket as PASSED and keeps the suppression', async () => {
    const sample = JSON.parse(
      readFileSync(new URL('./sample-state.json', import.meta.url), 'utf8'),
    ) as EmulatorState;
    em.setState({ ...sample, evaluationDelayMs: 10, startEvaluationMinIntervalMs: 0, rateLimits: false });
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    const { config, sh } = clients(em, creds);
    const rule = 'securityhub-s3-bucket-ssl-requests-only-7b2d4e61';
    const control = {
      Filters: { ComplianceSecurityControlId: [{ Value: 'S3.5', Comparison: 'EQUALS' as const }] },
    };
    const before = (await sh.send(new GetFindingsCommand(control))).Findings ?? [];
    expect(view(byBucket(before, 'prod-app-assets-111111111111'))).toEqual(['FAILED', 'NEW', 'ACTIVE']);
    await config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [rule] }));
    await waitFor(
      async () =>
        (await config.send(new DescribeConfigRulesCommand({ ConfigRuleNames: [rule] }))).ConfigRules?.[0]
          ?.ConfigRuleState === 'ACTIVE',
      'evaluation',
    );
    const after = (await sh.send(new GetFindingsCommand(control))).Findings ?? [];
    expect(after).toHaveLength(before.length);
    expect(view(byBucket(after, 'prod-app-assets-111111111111'))).toEqual(['PASSED', 'RESOLVED', 'ACTIVE']);
    expect(view(byBucket(after, 'prod-db-backups-111111111111'))).toEqual(['FAILED', 'SUPPRESSED', 'ACTIVE']);
  });
});

describe('fault knobs for half-done updates', () => {
  it('unprocessedIds: a 200 answer that leaves the named findings unprocessed', async () => {
    em.setState(baseState());
    const findings = await evaluate(
      PROD,
      SSL_RULE,
      [
        ['knob-a', 'NON_COMPLIANT'],
        ['knob-b', 'NON_COMPLIANT'],
      ],
      prod,
    );
    const [a, b] = [byBucket(findings, 'knob-a'), byBucket(findings, 'knob-b')];
    if (!a || !b) throw new Error('need two findings');
    em.setFaults({ unprocessedIds: [b.Id as string] });
    const out = await clients(em, prod).sh.send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [a, b].map((f) => ({ Id: f.Id, ProductArn: f.ProductArn })),
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'accepted', UpdatedBy: 'test' },
      }),
    );
    em.setFaults({});
    expect(out.ProcessedFindings?.map((f) => f.Id)).toEqual([a.Id]);
    expect(out.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: { Id: b.Id, ProductArn: b.ProductArn },
        ErrorCode: 'InternalFailure',
        ErrorMessage: 'Internal Failure',
      },
    ]);
  });

  it('afterCalls: the first matching calls go through, the rest fail', async () => {
    em.setState(baseState());
    em.setFaults({ operations: ['GetFindings'], errorRate: 1, afterCalls: 2 });
    const sh = clients(em, prod).sh;
    const outcomes = [];
    for (let i = 0; i < 3; i++) {
      outcomes.push(
        await sh.send(new GetFindingsCommand({ MaxResults: 1 })).then(
          () => 'ok',
          (e: { name: string }) => e.name,
        ),
      );
    }
    em.setFaults({});
    expect(outcomes).toEqual(['ok', 'ok', 'InternalException']);
  });
});
