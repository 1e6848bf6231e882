import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
/** `npm run bench [name...]`: runs the benchmarks and prints their figures as JSON. */
import { benchAck } from './ack.ts';
import { benchCheck } from './check.ts';
import { benchDigest } from './digest.ts';
import { benchDoctor } from './doctor.ts';

const benches: Record<string, () => Promise<unknown>> = {
  check: () => benchCheck(),
  digest: () => benchDigest(),
  doctor: () => benchDoctor(),
  ack: async () => {
    // Three full runs; the figures are the medians, with every run shown.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await benchAck());
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    return {
      name: 'ack',
      setup: runs[0]?.setup,
      ackMs: {
        p50: median(runs.map((r) => r.ackMs.p50)),
        p99: median(runs.map((r) => r.ackMs.p99)),
      },
      botPeakRssMb: median(runs.map((r) => r.botPeakRssMb)),
      allAnsweredWithinMs: median(runs.map((r) => r.allAnsweredWithinMs ?? Number.POSITIVE_INFINITY)),
      runs: runs.map((r) => ({
        ackMs: r.ackMs,
        statuses: r.statuses,
        firstRequestMs: r.firstRequestMs,
        checksAnswered: r.checksAnswered,
        botPeakRssMb: r.botPeakRssMb,
      })),
    };
  },
};

// Benchmarks run the built bot (dist/), so build it first, as `npm ci` would.
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    stdio: 'inherit',
  },
);

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
for (const name of chosen) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; choose from ${Object.keys(benches).join(', ')}\n`);
    process.exitCode = 2;
    continue;
  }
  process.stderr.write(`running ${name}...\n`);
  process.stdout.write(`${JSON.stringify(await bench(), null, 2)}\n`);
}
