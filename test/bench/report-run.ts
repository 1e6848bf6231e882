/**
 * The report side of the report benchmark, in a process of its own: `fsbp report` over a year as
 * CSV through the real CLI; prints wall time (start-up to output, imports included) and peak RSS.
 */
import { readFileSync } from 'node:fs';

const started = performance.now();
const { runCli } = await import('../../src/cli/main.ts');
let bytes = 0;
const code = await runCli(['report', '--from', '2025-12-01', '--to', '2026-11-30', '--format', 'csv'], {
  stdout: (t) => {
    bytes += Buffer.byteLength(t);
  },
  stderr: (t) => process.stderr.write(t),
  isTTY: false,
  env: process.env,
});
const wallMs = Math.round(performance.now() - started);
const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
if (code !== 0) process.exitCode = code;
process.stdout.write(JSON.stringify({ wallMs, peakRssMb: Math.round(peakKb / 1024), bytes }));
