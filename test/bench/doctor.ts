/**
 * Doctor benchmark: `fsbp doctor` (the built CLI, its own process) over 20 accounts x 2 Regions with
 * every FSBP rule in place, emulator latency 20 ms a call, emulator in its own process. Reports the
 * wall time of each run, its median, and the AWS calls made.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { awsEmulatorEnv } from '../helpers/aws-env.ts';
import { buildState, catalog } from '../helpers/aws-state.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const accounts = 20;
const regions = ['ap-northeast-1', 'us-east-1'];
const latencyMs = 20;

export async function benchDoctor(runs = 3) {
  const controls = Object.fromEntries(
    catalog.controls.filter((c) => c.configRule && !c.deprecated).map((c) => [c.id, []]),
  );
  const ids = Array.from({ length: accounts }, (_, i) => String(100000000000 + i));
  const state = buildState(
    ids.map((id) => ({
      id,
      role: { name: 'FsbpBotRole' },
      regions: Object.fromEntries(regions.map((r) => [r, { controls }])),
    })),
  );
  const emulator = await startRemoteEmulator(state);
  await emulator.setFaults({ latencyMs });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-bench-doctor-'));
  const configPath = join(dir, 'fsbp.config.yaml');
  writeFileSync(
    configPath,
    stringify({
      accounts: ids.map((id) => ({ id, roleArn: `arn:aws:iam::${id}:role/FsbpBotRole`, regions })),
    }),
  );
  const env = {
    ...process.env,
    FSBP_CONFIG: configPath,
    ...awsEmulatorEnv(emulator.url),
  };
  const wallMs: number[] = [];
  let calls = 0;
  let summary: unknown;
  try {
    for (let i = 0; i < runs; i++) {
      await emulator.resetCalls();
      const started = performance.now();
      const { stdout } = await promisify(execFile)(process.execPath, ['bin/fsbp.js', 'doctor', '--json'], {
        env,
      }).catch(
        // Exit 1 (a check failed) still prints the report.
        (error: { stdout: string }) => ({ stdout: error.stdout }),
      );
      wallMs.push(Math.round(performance.now() - started));
      summary = (JSON.parse(stdout) as { summary: unknown }).summary;
      calls = (await emulator.calls()).length;
    }
  } finally {
    await emulator.close();
  }
  const median = [...wallMs].sort((a, b) => a - b)[Math.floor(wallMs.length / 2)];
  return {
    name: 'doctor',
    setup: { accounts, regions: regions.length, latencyMs },
    wallMs: { median, runs: wallMs },
    awsCalls: calls,
    summary,
  };
}
