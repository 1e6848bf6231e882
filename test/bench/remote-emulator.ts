import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmulatorState } from '../emulator/aws/state.ts';

/**
 * The AWS emulator in its own process, as AWS would be: benchmarks then measure the bot's CPU and
 * waiting, not the emulator's. Controlled through its /_emulator admin endpoints.
 */
export interface RemoteEmulator {
  url: string;
  setState(state: EmulatorState): Promise<void>;
  setFaults(faults: Record<string, unknown>): Promise<void>;
  calls(): Promise<{ operation: string; status: number }[]>;
  resetCalls(): Promise<void>;
  close(): Promise<void>;
}

export async function startRemoteEmulator(state: EmulatorState): Promise<RemoteEmulator> {
  const file = join(mkdtempSync(join(tmpdir(), 'fsbp-bench-')), 'state.json');
  writeFileSync(file, JSON.stringify(state));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const main = new URL('../emulator/aws/main.ts', import.meta.url).pathname;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', tsx, main, '--port', '0', '--state', file],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}/_emulator/${path}`, {
      method,
      // A connection each: a kept-alive one may have been closed by the server while a run was idle.
      headers: { 'content-type': 'application/json', connection: 'close' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    setState: (s) => admin('POST', 'state', s),
    setFaults: (f) => admin('POST', 'faults', f),
    calls: () => admin('GET', 'calls'),
    resetCalls: () => admin('DELETE', 'calls'),
    close: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
