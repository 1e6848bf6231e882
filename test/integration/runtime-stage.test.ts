/**
 * The Docker image's runtime stage, reproduced without Docker: the built dist/ with production
 * dependencies only (`npm prune --omit=dev`, as the Dockerfile's build stage does), bin, controls and
 * locales, run with NODE_ENV=production from its own folder. A module imported at run time but
 * listed only under devDependencies fails here.
 */
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { botToken, signingSecret } from '../helpers/bot.ts';
import { jemallocPath } from '../helpers/jemalloc.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';

const run = promisify(execFile);
let app: string;
let aws: AwsEmulator;
let slack: SlackEmulator;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  app = join(mkdtempSync(join(tmpdir(), 'fsbp-runtime-')), 'app');
  // Hard links: the copy costs no disk and pruning it leaves the worktree's node_modules alone.
  mkdirSync(app);
  await run('cp', ['-al', join(packageRoot, 'node_modules'), join(app, 'node_modules')]);
  for (const part of ['package.json', 'package-lock.json', 'dist', 'bin', 'controls', 'locales']) {
    cpSync(join(packageRoot, part), join(app, part), { recursive: true });
  }
  await run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app });
  aws = await startAwsEmulator({ state: ownAccountState('111111111111', 'ap-northeast-1', {}) });
  slack = await startSlackEmulator({ botToken });
}, 120_000);

afterAll(async () => {
  for (const c of cleanup) await c();
  await slack?.close();
  await aws?.close();
});

const env = () => ({
  PATH: process.env.PATH ?? '',
  HOME: app,
  NODE_ENV: 'production',
  LANG: 'C',
});

describe('the runtime stage (production dependencies only)', () => {
  it('has no dev dependency left', async () => {
    await expect(run(process.execPath, ['-e', "import('vitest')"], { cwd: app })).rejects.toThrow();
  });

  // The image preloads Debian's libjemalloc2 (see the Dockerfile); the same library on this machine.
  const jemalloc = jemallocPath();
  it('runs with jemalloc preloaded, as the image does', async (context) => {
    if (!jemalloc) {
      if (process.env.CI === 'true') throw new Error('CI machines have libjemalloc2; it is missing here');
      context.skip('libjemalloc2 is not installed here (Debian: apt-get install libjemalloc2)');
      return;
    }
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        "const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8'); console.log(maps.includes('libjemalloc') ? 'jemalloc' : 'glibc')",
      ],
      { cwd: app, env: { ...env(), LD_PRELOAD: jemalloc } },
    );
    expect(stdout.trim()).toBe('jemalloc');
    const explained = await run(process.execPath, ['bin/fsbp.js', 'explain', 'S3.1', '--lang', 'en'], {
      cwd: app,
      env: { ...env(), LD_PRELOAD: jemalloc },
    });
    expect(explained.stdout).toContain('S3.1');
  });

  it('explains a control in Japanese', async () => {
    const { stdout } = await run(process.execPath, ['bin/fsbp.js', 'explain', 'S3.1', '--lang', 'ja'], {
      cwd: app,
      env: env(),
    });
    expect(stdout).toContain('S3.1');
    expect(stdout).toMatch(/ブロックパブリックアクセス/);
  });

  it('serves, and answers /readyz once its store is ready (PostgreSQL when a server is there)', async () => {
    const pg = (await postgresAvailable()) ? await freshSchema() : null;
    if (pg) cleanup.push(() => pg.drop());
    const bot = spawn(process.execPath, ['bin/fsbp.js', 'serve'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env(),
        AWS_ENDPOINT_URL: aws.url,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'example',
        AWS_REGION: 'ap-northeast-1',
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: slack.url,
        PORT: '0',
        FSBP_STORE: pg?.url ?? `sqlite:${join(app, 'data', 'fsbp.db')}`,
      },
    });
    cleanup.push(async () => {
      if (bot.exitCode === null) {
        const exited = new Promise((r) => bot.once('exit', r));
        bot.kill('SIGTERM');
        await exited;
      }
    });
    let errors = '';
    bot.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      bot.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /"port":(\d+)/.exec(out);
        if (match?.[1]) resolve(Number(match[1]));
      });
      bot.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}${errors}`)));
    });
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true });
  }, 60_000);
});
