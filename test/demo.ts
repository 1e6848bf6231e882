/**
 * `npm run demo`: starts the AWS emulator with its sample state (two accounts, both finding formats,
 * a bucket that gets fixed) and runs `fsbp check` against it, so a newcomer sees real output with
 * no AWS account; then `fsbp doctor` over the sample state's broken setups, to show what each looks
 * like and how to fix it. Extra arguments go to `fsbp check` (default: `all`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/main.ts';
import { startAwsEmulator } from './emulator/aws/server.ts';
import { awsEmulatorEnv } from './helpers/aws-env.ts';

const statePath = fileURLToPath(new URL('./emulator/aws/sample-state.json', import.meta.url));
const configPath = fileURLToPath(new URL('./demo/fsbp.config.yaml', import.meta.url));
const doctorConfigPath = fileURLToPath(new URL('./demo/doctor.config.yaml', import.meta.url));

const emulator = await startAwsEmulator({ state: JSON.parse(readFileSync(statePath, 'utf8')) });
const env = {
  ...process.env,
  FSBP_CONFIG: configPath,
  ...awsEmulatorEnv(emulator.url),
};
Object.assign(process.env, env);
const args = process.argv.slice(2);
process.stderr.write(
  `AWS emulator on ${emulator.url}; running: fsbp check ${args.length ? args.join(' ') : 'all'}\n\n`,
);
const io = (runEnv: NodeJS.ProcessEnv) => ({
  stdout: (t: string) => process.stdout.write(t),
  stderr: (t: string) => process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
  env: runEnv,
});
try {
  const code = await runCli(['check', ...(args.length ? args : ['all'])], io(env));
  process.stderr.write('\nrunning: fsbp doctor (broken setups from the sample state)\n\n');
  const doctorEnv = { ...env, FSBP_CONFIG: doctorConfigPath };
  const doctorCode = await runCli(['doctor'], io(doctorEnv));
  // Failing controls and failing doctor checks (exit 1) are what the demo shows; only a real error fails it.
  process.exitCode = [code, doctorCode].find((c) => c !== 0 && c !== 1) ?? 0;
} finally {
  await emulator.close();
}
