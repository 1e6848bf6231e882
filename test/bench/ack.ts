/**
 * Ack benchmark: 500 signed `/fsbp check` requests over 25 (or 50) kept-alive connections into the real
 * bot, run as its own process in HTTP mode (as deployed; with replicas, the connections are spread over
 * them as a load balancer's pool is), with Slack and AWS emulated outside it. Measures the time to the
 * HTTP 200 (what Slack's 3-second deadline is about) while the checks that earlier requests started are
 * still running, and the bot process's peak RSS (VmHWM).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startSlackEmulator } from '../emulator/slack/server.ts';
import { awsEmulatorEnv } from '../helpers/aws-env.ts';
import { buildState } from '../helpers/aws-state.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const requests = 500;
const defaultConcurrency = 25;
const warmup = 50;
const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const token = 'xoxb-1234567890-bench';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** CPU seconds used so far by every process on the machine, by pid, with its command name. */
function cpuByPid(): Map<number, { comm: string; seconds: number }> {
  const ticks = 100; // USER_HZ on Linux
  const result = new Map<number, { comm: string; seconds: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      result.set(Number(entry), { comm, seconds: (Number(fields[11]) + Number(fields[12])) / ticks });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return result;
}

/** Where the machine's CPU went between two readings: the bots, the load generator, this process
 * (the Slack emulator), PostgreSQL, and the rest (the AWS emulator among them). */
function cpuSpent(
  before: ReturnType<typeof cpuByPid>,
  after: ReturnType<typeof cpuByPid>,
  roles: Map<number, string>,
): Record<string, number> {
  const spent: Record<string, number> = {};
  for (const [pid, { comm, seconds }] of after) {
    const used = seconds - (before.get(pid)?.seconds ?? 0);
    if (used <= 0) continue;
    const role = roles.get(pid) ?? (comm === 'postgres' ? 'postgres' : 'other');
    spent[role] = Number(((spent[role] ?? 0) + used * 1000).toFixed(0));
  }
  return spent;
}

export interface AckOptions {
  /** Bot processes behind a round-robin "load balancer", sharing one store. */
  replicas: number;
  backend: 'sqlite' | 'postgres';
  concurrency: number;
}

export async function benchAck(
  options: AckOptions = { replicas: 1, backend: 'sqlite', concurrency: defaultConcurrency },
) {
  const state = buildState(
    [
      {
        id: '111111111111',
        regions: { 'ap-northeast-1': { controls: { 'S3.8': [{ id: 'b', compliance: 'NON_COMPLIANT' }] } } },
      },
    ],
    { evaluationDelayMs: 200 },
  );
  const aws = await startRemoteEmulator({
    ...state,
    caller: { ...state.caller, accountId: '111111111111' },
  } as typeof state);
  // Requests come from 25 channels: the bot keeps to Slack's ~1 post per second per channel.
  const channels = Array.from({ length: 25 }, (_, i) => `C0BENCH${String(i).padStart(4, '0')}`);
  // The 50 people the client sends as, known to Slack as real users are.
  const users = Array.from({ length: 50 }, (_, i) => `U0BENCH${String(i).padStart(4, '0')}`);
  const slack = await startSlackEmulator({
    botToken: token,
    users: Object.fromEntries(
      users.map((id, i) => [id, { name: `bench${i}`, locale: i % 2 ? 'en-US' : 'ja-JP' }]),
    ),
    channels: Object.fromEntries(channels.map((id) => [id, { name: id.toLowerCase(), member: true }])),
  });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-ack-'));
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      accounts: [{ id: '111111111111', regions: ['ap-northeast-1'] }],
      channels: channels.map((id) => ({ id, accounts: ['111111111111'] })),
    }),
  );
  const tsx = createRequire(import.meta.url).resolve('tsx');
  // The built bot, as `npm start` runs it (no TypeScript loader in the measured process).
  const entry = new URL('../../bin/fsbp.js', import.meta.url).pathname;
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const pgSchema =
    options.backend === 'postgres' ? await (await import('../helpers/postgres.ts')).freshSchema() : null;
  // BENCH_ACK_PROBE=<dir>: each bot also reports where its ack time goes (see ack-probe.mjs).
  const probeDir = process.env.BENCH_ACK_PROBE;
  const probeFiles: string[] = [];
  const startBot = async () => {
    const probeFile = probeDir ? join(probeDir, `probe-${Date.now()}-${probeFiles.length}.json`) : null;
    if (probeFile) probeFiles.push(probeFile);
    const probe = probeFile ? ['--import', new URL('./ack-probe.mjs', import.meta.url).pathname] : [];
    const bot = spawn(process.execPath, [...profile, ...probe, entry, 'serve'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        ...awsEmulatorEnv(aws.url),
        SLACK_BOT_TOKEN: token,
        SLACK_SIGNING_SECRET: secret,
        SLACK_API_URL: slack.url,
        PORT: '0',
        FSBP_STORE: pgSchema?.url ?? join(dir, 'fsbp.db'),
        FSBP_CONFIG: join(dir, 'config.yaml'),
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
        ...(probeFile ? { BENCH_ACK_PROBE: probeFile } : {}),
      },
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      bot.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"port":(\d+)/.exec(out);
        if (match?.[1]) resolve(Number(match[1]));
      });
      bot.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${out}`)));
    });
    return { bot, url: `http://127.0.0.1:${port}/slack/events` };
  };
  // Replicas start one after the other (the first migrates the store).
  const bots: Awaited<ReturnType<typeof startBot>>[] = [];
  for (let i = 0; i < options.replicas; i++) bots.push(await startBot());
  const text = process.env.BENCH_TEXT ?? 'check S3.8 --no-reevaluate';
  const responseUrls = Array.from({ length: warmup + requests }, (_, i) =>
    slack.responseUrl({ channel: channels[i % channels.length], user: users[i % users.length] }),
  );
  // Every request is answered: by its check's result (the placeholder updated) or, when the same person
  // already has a check running in that channel, privately through its response_url.
  const answeredPrivately = () => new Set(slack.responses().map((r) => r.url)).size;
  const answers = () => slack.calls('chat.update').length + answeredPrivately();
  const client = spawn(
    process.execPath,
    [
      '--import',
      tsx,
      new URL('./ack-client.ts', import.meta.url).pathname,
      JSON.stringify({
        urls: bots.map((b) => b.url),
        secret,
        users,
        // A response_url per request (the emulator's, as Slack gives one with each command).
        responseUrls,
        requests,
        concurrency: options.concurrency,
        warmup,
        channels,
        text,
      }),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  let output = '';
  let warmedUp = false;
  let cpuAtGo: ReturnType<typeof cpuByPid> | null = null;
  client.stdout?.on('data', async (chunk: Buffer) => {
    output += chunk.toString();
    if (warmedUp || !output.startsWith('WARM\n')) return;
    warmedUp = true;
    output = output.slice('WARM\n'.length);
    // Warm means the warm-up's checks were answered too (roles assumed, people and channels looked
    // up, code compiled), not only acknowledged: the measured requests then meet a running bot.
    const until = Date.now() + 60_000;
    while (answers() < warmup && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    cpuAtGo = cpuByPid();
    client.stdin?.end('go\n');
  });
  const started = performance.now();
  await new Promise((r) => client.once('exit', r));
  const cpuAtEnd = cpuByPid();
  // The load generator has exited by now: it reports its own CPU time.
  const roles = new Map<number, string>([
    [process.pid, 'bench+slack emulator'],
    ...bots.map((b) => [b.bot.pid as number, 'bots'] as [number, string]),
  ]);
  const load = JSON.parse(output) as {
    coldMs: number;
    times: number[];
    sentAt: number[];
    startedEpochMs: number;
    ids: number[];
    newConnections: number;
    cpuMs: number;
    statuses: Record<string, number>;
    wallMs: number;
  };
  const { coldMs, times } = load;
  const statuses = new Map(Object.entries(load.statuses).map(([k, v]) => [Number(k), v]));
  const wallMs = load.wallMs;
  // Let the started checks finish (posts are paced per channel) before reading what they posted.
  const deadline = Date.now() + 60_000;
  while (answers() < requests + warmup && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const answered = answers();
  const allAnsweredMs = Math.round(performance.now() - started);
  const rss = Math.max(...bots.map((b) => peakRssMb(b.bot.pid as number)));
  for (const { bot } of bots) {
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
  }
  await pgSchema?.drop();
  await slack.close();
  await aws.close();
  return {
    name: 'ack',
    setup: { requests, ...options, warmup, channels: channels.length, command: text },
    firstRequestMs: Number(coldMs.toFixed(1)),
    statuses: Object.fromEntries(statuses),
    ackMs: {
      p50: Number(percentile(times, 50).toFixed(1)),
      p99: Number(percentile(times, 99).toFixed(1)),
      max: Number(Math.max(...times).toFixed(1)),
    },
    requestsWallMs: Math.round(wallMs),
    // Measured requests that had to open a connection (0 unless a bot closed a kept-alive one).
    newConnections: load.newConnections,
    requestsAnswered: answered,
    answeredPrivately: answeredPrivately(),
    allAnsweredWithinMs: answered >= requests + warmup ? allAnsweredMs : null,
    botPeakRssMb: rss,
    // BENCH_ACK_TIMELINE=1: the slowest 2% with when they were sent in the burst (ms from its start).
    ...(process.env.BENCH_ACK_TIMELINE
      ? {
          startedEpochMs: load.startedEpochMs,
          cpuMsDuringRequests: cpuAtGo
            ? { ...cpuSpent(cpuAtGo, cpuAtEnd, roles), 'load generator': load.cpuMs }
            : null,
          slowest: times
            .map((ms, i) => ({
              id: load.ids[i],
              sentAtMs: Math.round(load.sentAt[i] ?? 0),
              ms: Math.round(ms),
            }))
            .sort((a, b) => b.ms - a.ms)
            .slice(0, Math.ceil(times.length / 50)),
        }
      : {}),
    ...(probeFiles.length
      ? { insideBots: probeFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')) as unknown) }
      : {}),
  };
}
