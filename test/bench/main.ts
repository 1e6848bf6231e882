import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
/** `npm run bench [name...]`: runs the benchmarks and prints their figures as JSON. */
import { type AckOptions, benchAck } from './ack.ts';
import { benchChart } from './chart.ts';
import { benchCheck } from './check.ts';
import { benchDigest } from './digest.ts';
import { benchDoctor } from './doctor.ts';
import { benchHome } from './home.ts';
import { benchMemory } from './memory.ts';
import { benchOrg } from './org.ts';
import { benchReport } from './report.ts';

const benches: Record<string, () => Promise<unknown>> = {
  chart: () => benchChart(),
  check: () => benchCheck(),
  digest: () => benchDigest('sqlite'),
  'digest-pg': () => benchDigest('postgres'),
  memory: async () => {
    // Three full runs; the figures are the medians, with every run shown.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await benchMemory());
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    return {
      name: 'memory',
      setup: runs[0]?.setup,
      rssAfterFirst500Mb: median(runs.map((r) => r.rssAfterFirst500Mb)),
      rssAfterAllMb: median(runs.map((r) => r.rssAfterAllMb)),
      growthMb: median(runs.map((r) => r.growthMb)),
      heapUsedAfterFirst500Mb: median(runs.map((r) => r.heapUsedAfterFirst500Mb)),
      heapUsedAfterAllMb: median(runs.map((r) => r.heapUsedAfterAllMb)),
      runs,
    };
  },
  doctor: () => benchDoctor(),
  org: () => benchOrg(),
  home: async () => {
    // Three full runs; the figures are the medians, with every run shown.
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await benchHome());
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[1];
    return {
      name: 'home',
      setup: runs[0]?.setup,
      warmMs: {
        median: median(runs.map((r) => r.warmMs.median)),
        p99: median(runs.map((r) => r.warmMs.p99)),
      },
      coldMs: {
        median: median(runs.map((r) => r.coldMs.median)),
        p99: median(runs.map((r) => r.coldMs.p99)),
      },
      runs,
    };
  },
  report: () => benchReport(),
  ack: () => ackMedians({ replicas: 1, backend: 'sqlite', concurrency: 25 }),
  'ack-replicas': () => ackMedians({ replicas: 2, backend: 'postgres', concurrency: 50 }),
};

async function ackMedians(options: AckOptions) {
  // Three full runs; the figures are the medians, with every run shown.
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await benchAck(options));
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
      requestsWallMs: r.requestsWallMs,
      newConnections: r.newConnections,
      statuses: r.statuses,
      firstRequestMs: r.firstRequestMs,
      requestsAnswered: r.requestsAnswered,
      answeredPrivately: r.answeredPrivately,
      botPeakRssMb: r.botPeakRssMb,
      ...(r.insideBots ? { insideBots: r.insideBots } : {}),
    })),
  };
}

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
