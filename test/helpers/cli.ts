import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { runCli } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in-process, capturing what it prints. */
export async function runCliCaptured(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: false,
    env,
  });
  return { code, stdout, stderr };
}

/**
 * Runs the real CLI in-process with a config file written from an object, and a store of its own
 * beside it unless `env` names one (a run never reads another test's cache of AWS's controls).
 */
export async function runWithConfig(
  config: unknown,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-cli-'));
  const path = join(dir, 'fsbp.config.yaml');
  writeFileSync(path, stringify(config));
  return runCliCaptured(argv, {
    ...process.env,
    FSBP_CONFIG: path,
    FSBP_STORE: join(dir, 'fsbp.db'),
    LANG: 'C',
    ...env,
  });
}

/** Points the AWS SDK's standard variables at an emulator, as an operator would at a real endpoint. */
export function useAwsEndpoint(url: string): void {
  process.env.AWS_ENDPOINT_URL = url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'example';
  process.env.AWS_REGION = 'ap-northeast-1';
}
