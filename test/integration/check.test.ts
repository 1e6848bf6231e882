import { ConfigServiceClient, StartConfigRulesEvaluationCommand } from '@aws-sdk/client-config-service';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckReport, ControlResult } from '../../src/engine/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { buildState, callerCredentials, catalog, ruleName } from '../helpers/aws-state.ts';
import { runWithConfig, useAwsEndpoint } from '../helpers/cli.ts';

const PROD = '111111111111';
const STAGING = '222222222222';
const TOKYO = 'ap-northeast-1';

const config = {
  accounts: [
    {
      id: PROD,
      name: 'prod',
      roleArn: `arn:aws:iam::${PROD}:role/FsbpBotRole`,
      externalId: 'ext-123',
      regions: [TOKYO],
    },
    { id: STAGING, name: 'staging', roleArn: `arn:aws:iam::${STAGING}:role/FsbpBotRole`, regions: [TOKYO] },
  ],
};

function state(delayMs = 100) {
  return {
    ...buildState(
      [
        {
          id: PROD,
          role: { name: 'FsbpBotRole', externalId: 'ext-123' },
          format: 'SECURITY_CONTROL',
          regions: {
            [TOKYO]: {
              controls: {
                'S3.8': [
                  { id: 'prod-assets', compliance: 'NON_COMPLIANT', next: 'COMPLIANT' },
                  { id: 'prod-site', compliance: 'NON_COMPLIANT', suppressed: true },
                  { id: 'prod-logs', compliance: 'COMPLIANT' },
                ],
                'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' }],
                'Config.1': [{ id: PROD, compliance: 'NON_COMPLIANT' }],
              },
            },
          },
        },
        {
          id: STAGING,
          role: { name: 'FsbpBotRole' },
          format: 'STANDARD_CONTROL',
          regions: {
            [TOKYO]: { controls: { 'S3.8': [{ id: 'staging-assets', compliance: 'NON_COMPLIANT' }] } },
          },
        },
      ],
      { evaluationDelayMs: delayMs },
    ),
    // A real account refuses a second start within a minute; these tests start rules back to back.
    startEvaluationMinIntervalMs: 0,
  };
}

let emulator: AwsEmulator;

beforeAll(async () => {
  emulator = await startAwsEmulator({ state: state() });
  useAwsEndpoint(emulator.url);
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.setState(state());
  emulator.setFaults({ latencyMs: 0, throttleRate: 0, errorRate: 0 });
  emulator.resetCalls();
});

async function check(argv: string[], cfg: unknown = config) {
  const run = await runWithConfig(cfg, ['check', ...argv, '--json']);
  const report = JSON.parse(run.stdout || 'null') as CheckReport;
  return { ...run, report };
}

function controlOf(report: CheckReport, account: string, id: string): ControlResult {
  const region = report.results.find((r) => r.accountId === account);
  const control = region?.controls.find((c) => c.controlId === id);
  if (!control) throw new Error(`no ${id} in ${account}`);
  return control;
}

describe('fsbp check against the AWS emulator', () => {
  it('re-evaluates: a failing bucket that was fixed passes, the suppressed one stays suppressed', async () => {
    const { code, report } = await check(['S3.8', '--account', 'prod']);
    const s3 = controlOf(report, PROD, 'S3.8');
    expect(s3.status).toBe('SUPPRESSED');
    expect(s3.fresh).toBe(true);
    expect(s3.resources.map((r) => [r.resourceId, r.status, r.suppressed])).toEqual([
      ['prod-site', 'FAILED', true],
      ['prod-assets', 'PASSED', false],
      ['prod-logs', 'PASSED', false],
    ]);
    expect(s3.resources[0]?.findingId).toMatch(/security-control\/S3\.8\/finding\//);
    expect(code).toBe(0);
    const started = emulator.calls().filter((c) => c.operation === 'StartConfigRulesEvaluation');
    expect(started).toHaveLength(1);
  });

  it('reports failures with finding IDs in both finding formats and exits 1', async () => {
    const { code, report } = await check(['s3', 'ec2.19']);
    expect(code).toBe(1);
    const staging = controlOf(report, STAGING, 'S3.8');
    expect(staging.status).toBe('FAILED');
    expect(staging.resources[0]).toMatchObject({
      resourceId: 'staging-assets',
      status: 'FAILED',
      suppressed: false,
    });
    expect(staging.resources[0]?.findingId).toMatch(
      /subscription\/aws-foundational-security-best-practices\/v\/1\.0\.0\/S3\.8\/finding\//,
    );
    expect(controlOf(report, PROD, 'EC2.19')).toMatchObject({
      status: 'FAILED',
      severity: 'CRITICAL',
      fresh: true,
    });
    expect(report.summary.FAILED).toBeGreaterThanOrEqual(2);
    expect(report.targets).toEqual(['s3', 'ec2.19']);
  });

  it('reports a control with no Security Hub rule as not evaluated, never passed', async () => {
    const { report } = await check(['S3.5', '--account', 'prod']);
    expect(controlOf(report, PROD, 'S3.5')).toMatchObject({
      status: 'NOT_EVALUATED',
      reason: 'rule_not_found',
      resources: [],
    });
  });

  it('takes a control without a Config rule from Security Hub findings alone', async () => {
    const { report } = await check(['Config.1', '--account', 'prod']);
    expect(controlOf(report, PROD, 'Config.1')).toMatchObject({ status: 'FAILED', fresh: false });
    expect(emulator.calls().some((c) => c.operation === 'StartConfigRulesEvaluation')).toBe(false);
  });

  it('waits for a rule that is already evaluating instead of failing', async () => {
    emulator.setState(state(1500));
    const assumed = await runWithConfig(config, ['check', 'EC2.19', '--account', 'staging', '--json']);
    expect(assumed.code).toBe(0);
    // Start the prod rule with the caller's own keys into prod, as another tool would.
    const client = new ConfigServiceClient({
      endpoint: emulator.url,
      region: TOKYO,
      credentials: await prodCredentials(),
      maxAttempts: 1,
    });
    const rule = ruleName(catalog.find('EC2.19')?.configRule ?? '');
    await client.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [rule] }));
    emulator.resetCalls();
    const { report } = await check(['EC2.19', '--account', 'prod']);
    expect(controlOf(report, PROD, 'EC2.19')).toMatchObject({ status: 'FAILED', fresh: true });
    expect(emulator.calls().filter((c) => c.operation === 'StartConfigRulesEvaluation')).toHaveLength(0);
  });

  it('marks results not fresh when the evaluation outlasts --timeout', async () => {
    emulator.setState(state(5000));
    const { report, code } = await check(['S3.8', '--account', 'prod', '--timeout', '1']);
    const s3 = controlOf(report, PROD, 'S3.8');
    expect(s3.fresh).toBe(false);
    // The last known results: the fix has not been seen yet.
    expect(s3.status).toBe('FAILED');
    expect(code).toBe(1);
  });

  it('reports the last results, marked not fresh, when AWS refuses a second start within a minute', async () => {
    emulator.setState({ ...state(), startEvaluationMinIntervalMs: 60_000 });
    // Without the bot's own cooldown, so that AWS's refusal is what is tested.
    const eager = { ...config, check: { reevaluateAfter: 0 } };
    const first = await check(['EC2.19', '--account', 'prod'], eager);
    expect(controlOf(first.report, PROD, 'EC2.19')).toMatchObject({ status: 'FAILED', fresh: true });
    const again = await check(['EC2.19', '--account', 'prod'], eager);
    expect(controlOf(again.report, PROD, 'EC2.19').reused).toBeUndefined();
    expect(controlOf(again.report, PROD, 'EC2.19')).toMatchObject({ status: 'FAILED', fresh: false });
    expect(again.stdout).not.toBe('');
  });

  it('reports a refused role for that account and finishes the others', async () => {
    const wrong = { accounts: [{ ...config.accounts[0], externalId: 'wrong-id' }, config.accounts[1]] };
    const { code, report } = await check(['S3.8'], wrong);
    expect(code).toBe(3);
    const prod = report.results.find((r) => r.accountId === PROD);
    expect(prod?.error).toMatchObject({ code: 'aws_assume_role_failed' });
    expect(prod?.controls).toEqual([]);
    expect(controlOf(report, STAGING, 'S3.8').status).toBe('FAILED');
  });

  it('gives the same result under 30% throttling and 5% server errors as on a clean run', async () => {
    const clean = await check(['S3.8', 'EC2.19', 'Config.1']);
    expect(emulator.calls().filter((c) => c.status !== 200)).toEqual([]);
    emulator.setState(state());
    emulator.resetCalls();
    emulator.setFaults({ throttleRate: 0.3, errorRate: 0.05, seed: 7 });
    const faulty = await runWithConfig(config, ['check', 'S3.8', 'EC2.19', 'Config.1', '--json'], {
      FSBP_AWS_MAX_ATTEMPTS: '10',
    });
    const report = JSON.parse(faulty.stdout) as CheckReport;
    const strip = (r: CheckReport) =>
      r.results.map((region) => ({
        ...region,
        controls: region.controls.map((c) => ({
          ...c,
          evaluatedAt: null,
          resources: c.resources.map((x) => ({ ...x, findingId: x.findingId ? 'id' : null })),
        })),
      }));
    expect(strip(report)).toEqual(strip(clean.report));
    expect(report.summary).toEqual(clean.report.summary);
    // Config and STS throttle with 400 ThrottlingException, Security Hub with 429, injected errors are 500.
    const faulted = emulator.calls().filter((c) => c.status !== 200);
    expect(faulted.length).toBeGreaterThan(0);
  });

  it('refuses bad input with exit code 2 and a bilingual message', async () => {
    const unknown = await runWithConfig(config, ['check', 'S4']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown target "S4"');
    expect(unknown.stderr).toContain('対象「S4」は不明です');
    const account = await runWithConfig(config, ['check', 'S3', '--account', 'dev']);
    expect(account.code).toBe(2);
    expect(account.stderr).toContain('Unknown account "dev"');
    const timeout = await runWithConfig(config, ['check', 'S3', '--timeout', 'soon']);
    expect(timeout.code).toBe(2);
  });
});

async function prodCredentials() {
  const { STSClient, AssumeRoleCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({ endpoint: emulator.url, region: TOKYO, credentials: callerCredentials });
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${PROD}:role/FsbpBotRole`,
      RoleSessionName: 'other-tool',
      ExternalId: 'ext-123',
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}
