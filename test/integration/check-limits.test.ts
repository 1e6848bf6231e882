import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckReport, ControlResult } from '../../src/engine/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import { buildState, catalog, ruleName } from '../helpers/aws-state.ts';
import { runWithConfig, useAwsEndpoint } from '../helpers/cli.ts';

/** Item 1 of the hardening issue: one command cannot flood AWS or restart every rule at will. */

const PROD = '111111111111';
const STAGING = '222222222222';
const TOKYO = 'ap-northeast-1';
const VIRGINIA = 'us-east-1';

const config = {
  accounts: [
    { id: PROD, name: 'prod', roleArn: `arn:aws:iam::${PROD}:role/FsbpBotRole`, regions: [TOKYO] },
    {
      id: STAGING,
      name: 'staging',
      roleArn: `arn:aws:iam::${STAGING}:role/FsbpBotRole`,
      regions: [TOKYO, VIRGINIA],
    },
  ],
};

const ec2Rule = ruleName(catalog.find('EC2.19')?.configRule as string);

function state(): EmulatorState {
  const region = { controls: { 'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' as const }] } };
  return {
    ...buildState(
      [
        { id: PROD, role: { name: 'FsbpBotRole' }, regions: { [TOKYO]: region } },
        { id: STAGING, role: { name: 'FsbpBotRole' }, regions: { [TOKYO]: region, [VIRGINIA]: region } },
      ],
      { evaluationDelayMs: 50 },
    ),
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
  emulator.resetCalls();
});

const calls = (operation: string) => emulator.calls().filter((c) => c.operation === operation);

async function check(argv: string[], cfg: unknown = config) {
  const run = await runWithConfig(cfg, ['check', ...argv, '--json']);
  return { ...run, report: JSON.parse(run.stdout || 'null') as CheckReport };
}

function control(report: CheckReport, account: string, region: string): ControlResult | undefined {
  return report.results
    .find((r) => r.accountId === account && r.region === region)
    ?.controls.find((c) => c.controlId === 'EC2.19');
}

describe('bounded checks', () => {
  it('checks a repeated account and Region once', async () => {
    const prods = Array.from({ length: 196 }, () => 'prod').join(',');
    const tokyos = Array.from({ length: 98 }, () => TOKYO).join(',');
    const { code, report } = await check(['EC2.19', `--account=${prods}`, `--region=${tokyos}`]);
    expect(code).toBe(1);
    expect(report.results.map((r) => `${r.accountId} ${r.region}`)).toEqual([`${PROD} ${TOKYO}`]);
    // The check's own session once (AWS's list of controls is read under a session of its own, fsbp-controls).
    expect(calls('AssumeRole').filter((c) => c.roleSessionName !== 'fsbp-controls')).toHaveLength(1);
    expect(calls('StartConfigRulesEvaluation')).toHaveLength(1);
  });

  it('checks a named Region only in the accounts that list it', async () => {
    const { report } = await check(['EC2.19', '--region', VIRGINIA]);
    expect(report.results.map((r) => `${r.accountId} ${r.region}`)).toEqual([`${STAGING} ${VIRGINIA}`]);
  });

  it('refuses a Region the account does not list, naming the configured ones, before any AWS call', async () => {
    const run = await runWithConfig(config, ['check', 'EC2.19', '--account', 'prod', '--region', VIRGINIA]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `Region "${VIRGINIA}" is not configured for prod. Configured Regions: ${TOKYO}`,
    );
    expect(run.stderr).toContain(`リージョン「${VIRGINIA}」は prod に設定されていません`);
    const nowhere = await runWithConfig(config, ['check', 'EC2.19', '--region', 'eu-west-1']);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain(`Configured Regions: ${TOKYO}, ${VIRGINIA}`);
    expect(emulator.calls()).toEqual([]);
  });

  it('refuses Region codes the SDK does not know, even when they fit the pattern', async () => {
    for (const region of ['aa-a-1', 'us-fake-9']) {
      const run = await runWithConfig(config, ['check', 'EC2.19', '--region', region]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`"${region}" is not an AWS Region code`);
    }
    const typo = await runWithConfig(config, ['check', 'EC2.19', 'ap-northeast-9']);
    expect(typo.code).toBe(2);
    expect(emulator.calls()).toEqual([]);
  });

  it('caps the account-Region pairs of one check at check.maxTargets', async () => {
    const capped = { ...config, check: { maxTargets: 2 } };
    const run = await runWithConfig(capped, ['check', 'EC2.19']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('This check covers 3 account-Region pairs; at most 2 are allowed');
    expect(run.stderr).toContain('上限は 2 件です');
    expect(emulator.calls()).toEqual([]);
    const narrowed = await check(['EC2.19', '--account', 'staging'], capped);
    expect(narrowed.report.results).toHaveLength(2);
  });

  it('refuses --timeout above 900 seconds', async () => {
    const run = await runWithConfig(config, ['check', 'EC2.19', '--timeout', '3600']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('from 1 to 900');
    expect(emulator.calls()).toEqual([]);
  });
});

describe('the re-evaluation cooldown (cost guard)', () => {
  it('does not start a rule evaluated minutes ago by an earlier check; the last result is shown with its time', async () => {
    const first = await check(['EC2.19', '--account', 'prod']);
    expect(control(first.report, PROD, TOKYO)).toMatchObject({ status: 'FAILED', fresh: true });
    expect(calls('StartConfigRulesEvaluation')).toHaveLength(1);
    emulator.resetCalls();

    const again = await check(['EC2.19', '--account', 'prod']);
    expect(calls('StartConfigRulesEvaluation')).toEqual([]);
    const reused = control(again.report, PROD, TOKYO);
    expect(reused).toMatchObject({ status: 'FAILED', fresh: false, reused: true });
    expect(reused?.evaluatedAt).toBe(control(first.report, PROD, TOKYO)?.evaluatedAt);

    const text = await runWithConfig(config, ['check', 'EC2.19', '--account', 'prod', '--lang', 'en']);
    expect(text.stdout).toMatch(
      /evaluated by AWS less than 15 minutes ago and were not started again .*EC2\.19 \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/,
    );
  });

  it("does not start a rule AWS's own schedule ran within the cooldown", async () => {
    const recent = new Date(Date.now() - 5 * 60_000).toISOString();
    const s = state();
    const tokyo = s.accounts?.[PROD]?.regions?.[TOKYO];
    if (!tokyo) throw new Error('no Tokyo state');
    tokyo.evaluationStatus = {
      ...tokyo.evaluationStatus,
      [ec2Rule]: { LastSuccessfulInvocationTime: recent },
    };
    emulator.setState(s);
    const { report } = await check(['EC2.19', '--account', 'prod']);
    expect(calls('StartConfigRulesEvaluation')).toEqual([]);
    expect(control(report, PROD, TOKYO)).toMatchObject({ reused: true, evaluatedAt: recent });
  });

  it('starts every rule again with check.reevaluateAfter: 0', async () => {
    const eager = { ...config, check: { reevaluateAfter: 0 } };
    await check(['EC2.19', '--account', 'prod'], eager);
    await check(['EC2.19', '--account', 'prod'], eager);
    expect(calls('StartConfigRulesEvaluation')).toHaveLength(2);
  });
});
