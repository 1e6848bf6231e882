// The CLI entry point: tsx test/emulator/aws/main.ts --port <n> --state <file>
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseState } from './state.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/.bin/tsx', import.meta.url));

const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

function run(args: string[]): Promise<{ line?: string; code?: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(TSX, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let out = '';
    let stderr = '';
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('listening on '));
      if (line) resolve({ line, stderr });
    });
    proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    proc.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe.concurrent('main.ts', () => {
  it('serves the bundled sample state and prints exactly "listening on http://127.0.0.1:<port>"', async () => {
    const { line } = await run(['--port', '0']);
    expect(line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    const url = line?.replace('listening on ', '') ?? '';
    const state = (await (await fetch(`${url}/_emulator/state`)).json()) as {
      accounts: Record<string, unknown>;
    };
    // The two demo accounts, and one account per broken setup that `fsbp doctor` reports.
    expect(Object.keys(state.accounts).sort()).toEqual([
      '111111111111',
      '222222222222',
      ...Array.from({ length: 10 }, (_, i) => `3100000000${String(i + 1).padStart(2, '0')}`),
    ]);
  });

  it('exits 1 with a readable message for an invalid state file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aws-emulator-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ caller: { accountId: 'nope' }, accounts: {} }));
    const { code, stderr } = await run(['--port', '0', '--state', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('invalid emulator state');
    expect(stderr).toContain('caller.accountId');
  });
});

describe('sample-state.json', () => {
  it('is a valid state with both finding formats, all severities and suppressed findings with notes', () => {
    const sample = parseState(
      JSON.parse(readFileSync(new URL('./sample-state.json', import.meta.url), 'utf8')),
    );
    const findings = Object.values(sample.accounts).flatMap((a) =>
      Object.values(a.regions).flatMap((r) => r.findings),
    );
    const severities = new Set(findings.map((f) => (f.Severity as { Label: string }).Label));
    expect([...severities].sort()).toEqual(['CRITICAL', 'HIGH', 'LOW', 'MEDIUM']);
    expect(findings.some((f) => String(f.GeneratorId).startsWith('security-control/'))).toBe(true);
    expect(
      findings.some((f) => String(f.GeneratorId).startsWith('aws-foundational-security-best-practices/')),
    ).toBe(true);
    const suppressed = findings.filter((f) => (f.Workflow as { Status: string }).Status === 'SUPPRESSED');
    expect(suppressed.length).toBeGreaterThanOrEqual(2);
    expect(suppressed.every((f) => typeof (f.Note as { Text?: string } | undefined)?.Text === 'string')).toBe(
      true,
    );
    const prodTokyo = sample.accounts['111111111111']?.regions['ap-northeast-1'];
    expect(prodTokyo?.configRules.length).toBeGreaterThanOrEqual(12);
    expect(Object.keys(prodTokyo?.nextEvaluations ?? {})).toHaveLength(1);
  });
});
