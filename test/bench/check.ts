/**
 * Check benchmark: 20 accounts x 2 Regions, `check all`, emulator latency 20 ms a call, evaluation
 * delay 2 s. Reports wall time, calls per AWS operation, the minimum calls the batch limits allow,
 * and the ratio of wall time to the lower bound (evaluation delay + the calls that must run, spread
 * over the concurrency bound, never less than one region's unavoidable chain of sequential calls).
 */

import { createAwsPort } from '../../src/aws/index.ts';
import { createCheckEngine, maxDetailsRuleNameLength } from '../../src/engine/check.ts';
import { selectControls } from '../../src/subcommand/targets.ts';
import { type AccountSpec, buildState, catalog, type ResourceSpec, ruleName } from '../helpers/aws-state.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const accounts = 20;
const regions = ['ap-northeast-1', 'us-east-1'];
const latencyMs = 20;
const evaluationDelayMs = 2000;
const concurrency = 8;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function specs(): AccountSpec[] {
  const controls = catalog.controls.filter((c) => !c.deprecated);
  const perControl: Record<string, ResourceSpec[]> = {};
  for (const c of controls) {
    perControl[c.id] = [
      { id: `${c.id.toLowerCase().replace('.', '-')}-a`, compliance: 'NON_COMPLIANT' },
      { id: `${c.id.toLowerCase().replace('.', '-')}-b`, compliance: 'COMPLIANT' },
    ];
  }
  return Array.from({ length: accounts }, (_, i) => ({
    id: String(100000000000 + i),
    role: { name: 'FsbpBotRole' },
    format: i % 2 ? 'STANDARD_CONTROL' : 'SECURITY_CONTROL',
    regions: Object.fromEntries(regions.map((r) => [r, { controls: perControl }])),
  }));
}

export async function benchCheck(runs = 3) {
  const state = { ...buildState(specs(), { evaluationDelayMs }), startEvaluationMinIntervalMs: 0 };
  const emulator = await startRemoteEmulator(state);
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'example';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const controls = selectControls(catalog, [{ kind: 'all' }]);
  const checkAccounts = specs().map((a) => ({
    id: a.id,
    roleArn: `arn:aws:iam::${a.id}:role/FsbpBotRole`,
    regions,
  }));

  // The minimum calls the batch limits allow, per account and Region.
  const rules = [...new Set(controls.flatMap((c) => (c.configRule ? [ruleName(c.configRule)] : [])))];
  const readable = rules.filter((r) => r.length <= maxDetailsRuleNameLength).length;
  const jobs = accounts * regions.length;
  const ceil = (n: number, d: number) => Math.ceil(n / d);
  const minimum: Record<string, number> = {
    AssumeRole: accounts,
    DescribeConfigRules: jobs * ceil(rules.length, 25),
    DescribeConfigRuleEvaluationStatus: jobs * 2 * ceil(rules.length, 25),
    StartConfigRulesEvaluation: jobs * ceil(rules.length, 25),
    GetComplianceDetailsByConfigRule: jobs * readable,
    GetFindings: jobs * ceil(controls.length, 20),
    // Which of them are disabled there (read while the rules are listed, so off the chain).
    BatchGetStandardsControlAssociations: jobs * ceil(controls.length, 100),
  };
  const minimumCalls = Object.values(minimum).reduce((a, b) => a + b, 0);
  const chain = (1 + ceil(rules.length, 25) + 1 + 1 + 1 + 1 + 1) * latencyMs;
  const lowerBoundMs = evaluationDelayMs + Math.max(chain, (minimumCalls * latencyMs) / concurrency);

  const walls: number[] = [];
  const cpus: number[] = [];
  let calls: Record<string, number> = {};
  for (let run = 0; run < runs; run++) {
    await emulator.setState(state);
    await emulator.setFaults({ latencyMs });
    await emulator.resetCalls();
    const aws = createAwsPort({ concurrency });
    const engine = createCheckEngine({ aws });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const report = await engine.run({
      targets: ['all'],
      controls,
      accounts: checkAccounts,
      requester: 'bench',
      reevaluate: true,
      timeoutMs: 300_000,
    });
    walls.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpus.push((cpu.user + cpu.system) / 1000);
    aws.close();
    if (report.results.some((r) => r.error))
      throw new Error(`bench run failed: ${JSON.stringify(report.results.find((r) => r.error)?.error)}`);
    const withRule = new Set(controls.filter((c) => c.configRule).map((c) => c.id));
    const stale = report.results.flatMap((r) =>
      r.controls.filter((c) => withRule.has(c.controlId) && !c.fresh),
    );
    if (stale.length > 0)
      throw new Error(`${stale.length} results were not fresh, e.g. ${JSON.stringify(stale[0])}`);
    calls = {};
    for (const call of await emulator.calls()) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  }
  await emulator.close();
  const wall = median(walls);
  return {
    name: 'check',
    setup: {
      accounts,
      regions: regions.length,
      controls: controls.length,
      rules: rules.length,
      latencyMs,
      evaluationDelayMs,
      concurrency,
    },
    wallMs: { median: Math.round(wall), runs: walls.map(Math.round) },
    botCpuMs: { median: Math.round(median(cpus)) },
    lowerBoundMs: Math.round(lowerBoundMs),
    ratio: Number((wall / lowerBoundMs).toFixed(2)),
    calls,
    minimumCalls: minimum,
  };
}
