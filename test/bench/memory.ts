/**
 * Memory benchmark: 10,000 signed `/fsbp check` requests from 1,000 distinct users over 20 accounts
 * (2 Regions each) into the built bot in its own process. Compares the bot's RSS once the first 500
 * are answered with its RSS once all are: what the bot keeps per user or per request shows as growth.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import WebSocket from 'ws';
import { stringify } from 'yaml';
import { startSlackEmulator } from '../emulator/slack/server.ts';
import { postToBot, slashCommandBody } from '../emulator/slack/signing.ts';
import { awsEmulatorEnv } from '../helpers/aws-env.ts';
import { buildState } from '../helpers/aws-state.ts';
import { jemallocPath } from '../helpers/jemalloc.ts';
import { startRemoteEmulator } from './remote-emulator.ts';

const total = Number(process.env.BENCH_MEMORY_REQUESTS ?? 10_000);
const baselineAfter = 500;
const userCount = 1_000;
const accountCount = 20;
const channelCount = 200;
const concurrency = 25;
const backlog = 50;
const regions = ['ap-northeast-1', 'us-east-1'];
/** BENCH_MALLOC: the bot's allocator, `jemalloc` (as in the Docker image; the default) or `glibc`. */
const allocator = process.env.BENCH_MALLOC === 'glibc' ? 'glibc' : 'jemalloc';

const secret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const token = 'xoxb-1234567890-bench';

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 102.4) / 10;
}

const mb = (bytes: number) => Math.round(bytes / 104857.6) / 10;

/** Resident memory by kind (smaps_rollup): anonymous (heaps, malloc) and file-backed (code, libraries). */
function residentKinds(pid: number): { anonymousMb: number; fileMb: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return {
    anonymousMb: Math.round(kb('Anonymous') / 102.4) / 10,
    fileMb: Math.round((kb('Rss') - kb('Anonymous')) / 102.4) / 10,
  };
}

/** Run in the bot through the inspector: its memory as Node and V8 see it. */
const memoryProbe = `JSON.stringify((() => {
  const m = process.memoryUsage();
  const spaces = process.getBuiltinModule('v8').getHeapSpaceStatistics();
  return { ...m, spaces: Object.fromEntries(spaces.map((s) => [s.space_name, s.physical_space_size])) };
})())`;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export async function benchMemory() {
  const accountIds = Array.from({ length: accountCount }, (_, i) => `1000000000${pad(i, 2)}`);
  const userIds = Array.from({ length: userCount }, (_, i) => `U0MEM${pad(i, 5)}`);
  const channels = Array.from({ length: channelCount }, (_, i) => `C0MEM${pad(i, 5)}`);
  const controls = { 'EC2.19': [{ id: 'sg-0abc', compliance: 'NON_COMPLIANT' as const }] };
  const state = buildState(
    accountIds.map((id) => ({
      id,
      role: { name: 'FsbpBotRole' },
      regions: Object.fromEntries(regions.map((r) => [r, { controls }])),
    })),
    { rateLimits: false },
  );
  const aws = await startRemoteEmulator(state);
  const slack = await startSlackEmulator({
    botToken: token,
    users: Object.fromEntries(
      userIds.map((id, i) => [id, { name: `user${i}`, locale: i % 2 ? 'en-US' : 'ja-JP' }]),
    ),
    channels: Object.fromEntries(channels.map((id) => [id, { name: id.toLowerCase(), member: true }])),
  });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-memory-'));
  const names = accountIds.map((_, i) => `acct${i}`);
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      accounts: accountIds.map((id, i) => ({
        id,
        name: names[i],
        roleArn: `arn:aws:iam::${id}:role/FsbpBotRole`,
        regions,
      })),
      channels: channels.map((id) => ({ id, accounts: [...names] })),
    }),
  );
  const entry = new URL('../../bin/fsbp.js', import.meta.url).pathname;
  const jemalloc = allocator === 'jemalloc' ? jemallocPath() : null;
  if (allocator === 'jemalloc' && !jemalloc)
    throw new Error('BENCH_MALLOC=jemalloc, but no libjemalloc.so.2 (Debian: apt-get install libjemalloc2)');
  // The inspector lets the benchmark collect garbage in the bot before reading its memory, so the
  // figures are what the bot keeps, not how far V8 let its heap grow between collections.
  const bot = spawn(process.execPath, ['--inspect=127.0.0.1:0', entry, 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...awsEmulatorEnv(aws.url),
      SLACK_BOT_TOKEN: token,
      SLACK_SIGNING_SECRET: secret,
      SLACK_API_URL: slack.url,
      PORT: '0',
      FSBP_STORE: join(dir, 'fsbp.db'),
      FSBP_CONFIG: join(dir, 'config.yaml'),
      LOG_LEVEL: 'info',
      // The Docker image preloads jemalloc (see Dockerfile); glibc's malloc is what `npm start` gets.
      ...(jemalloc ? { LD_PRELOAD: jemalloc } : {}),
    },
  });
  let out = '';
  let err = '';
  bot.stderr?.on('data', (chunk: Buffer) => {
    if (err.length < 100_000) err += chunk.toString();
  });
  // Only the start-up lines are kept (the port); the rest of the log is read and dropped.
  bot.stdout?.on('data', (chunk: Buffer) => {
    if (out.length < 100_000) out += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"port":(\d+)/.exec(out);
      if (match?.[1]) {
        clearInterval(timer);
        resolve(Number(match[1]));
      }
    }, 50);
    bot.once('exit', (code) => reject(new Error(`bot exited with ${code}: ${out}`)));
  });
  const url = `http://127.0.0.1:${port}/slack/events`;
  const inspectorUrl = /ws:\/\/[^\s]+/.exec(err)?.[0];
  if (!inspectorUrl) throw new Error(`no inspector address: ${err}`);
  const inspector = new WebSocket(inspectorUrl);
  await new Promise((resolve, reject) => {
    inspector.once('open', resolve);
    inspector.once('error', reject);
  });
  let nextId = 1;
  function ask(method: string, params: object = {}): Promise<{ result?: { result?: { value?: unknown } } }> {
    const id = nextId++;
    return new Promise((resolve) => {
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as {
          id?: number;
          result?: { result?: { value?: unknown } };
        };
        if (message.id !== id) return;
        inspector.off('message', onMessage);
        resolve(message);
      };
      inspector.on('message', onMessage);
      inspector.send(JSON.stringify({ id, method, params }));
    });
  }
  /** RSS and heap in use after a full collection in the bot, with where the resident memory is. */
  async function settled() {
    await ask('HeapProfiler.collectGarbage');
    const probe = await ask('Runtime.evaluate', { expression: memoryProbe });
    const m = JSON.parse(String(probe.result?.result?.value ?? '{}')) as NodeJS.MemoryUsage & {
      spaces: Record<string, number>;
    };
    return {
      rssMb: rssMb(bot.pid as number),
      heapUsedMb: mb(m.heapUsed),
      detail: {
        heapTotalMb: mb(m.heapTotal),
        externalMb: mb(m.external),
        arrayBuffersMb: mb(m.arrayBuffers),
        ...residentKinds(bot.pid as number),
        heapSpacesMb: Object.fromEntries(Object.entries(m.spaces).map(([k, v]) => [k, mb(v)])),
      },
    };
  }
  /** RSS (no collection forced) every 1,000 commands: where the growth happens. */
  const curve: { after: number; rssMb: number }[] = [];
  const responseBase = slack.url.replace(/\/api\/$/, '/response');
  const answered = () => slack.calls('chat.update').length + slack.responses().length;
  const limit = pLimit(concurrency);
  const started = performance.now();
  async function send(i: number) {
    const body = slashCommandBody({
      // Each user asks about one account in one of the Regions, in a channel of their own choice.
      text: `check EC2.19 --account ${names[i % accountCount]} --region ${regions[Math.floor(i / accountCount) % 2]} --no-reevaluate`,
      user_id: userIds[i % userCount] as string,
      channel_id: channels[(i * 7) % channelCount] as string,
      response_url: `${responseBase}/memory-${i}`,
      trigger_id: `${i}.memory.${Date.now()}`,
    });
    await postToBot(url, body, { secret });
  }
  async function sendAll(from: number, to: number) {
    // At most `backlog` commands wait for their answer, as with people who wait for theirs: a flood
    // would measure the queue of pending work, not what the bot keeps per user.
    await Promise.all(
      Array.from({ length: to - from }, (_, k) =>
        limit(async () => {
          while (answered() < from + k - backlog) await new Promise((r) => setTimeout(r, 20));
          await send(from + k);
        }),
      ),
    );
    // Every request is answered: its result replaced the placeholder, or an ephemeral answer.
    while (answered() < to) {
      if (process.env.BENCH_DEBUG) process.stderr.write(`answered ${answered()} of ${to}\n`);
      await new Promise((r) => setTimeout(r, process.env.BENCH_DEBUG ? 2000 : 100));
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  await sendAll(0, baselineAfter);
  const first = await settled();
  for (let from = baselineAfter; from < total; ) {
    const to = Math.min(total, from < 1000 ? 1000 : from + 1000);
    await sendAll(from, to);
    curve.push({ after: to, rssMb: rssMb(bot.pid as number) });
    from = to;
  }
  const all = await settled();
  inspector.close();
  const seconds = Math.round((performance.now() - started) / 1000);
  bot.kill('SIGTERM');
  await new Promise((r) => bot.once('exit', r));
  await slack.close();
  await aws.close();
  return {
    name: 'memory',
    setup: {
      allocator,
      requests: total,
      users: userCount,
      accounts: accountCount,
      regions: regions.length,
      channels: channelCount,
      concurrency,
      backlog,
    },
    rssAfterFirst500Mb: first.rssMb,
    rssAfterAllMb: all.rssMb,
    growthMb: Math.round((all.rssMb - first.rssMb) * 10) / 10,
    heapUsedAfterFirst500Mb: first.heapUsedMb,
    heapUsedAfterAllMb: all.heapUsedMb,
    detailAfterFirst500: first.detail,
    detailAfterAll: all.detail,
    curve,
    seconds,
  };
}
