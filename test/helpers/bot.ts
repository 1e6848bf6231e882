import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { type RunningBot, startBot } from '../../src/app.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { postToBot, slashCommandBody } from '../emulator/slack/signing.ts';

export const botToken = 'xoxb-1234567890-test-token';
export const signingSecret = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

export interface Harness {
  /** The bot's store file, for the CLI to read as an auditor would. */
  storePath: string;
  aws: AwsEmulator;
  slack: SlackEmulator;
  bot: RunningBot;
  url: string;
  logs: string[];
  /** Posts a signed `/fsbp <text>` as Slack would; resolves at the HTTP answer. */
  slash(
    text: string,
    opts?: { user?: string; channel?: string; headers?: Record<string, string> },
  ): Promise<SlashResult>;
  /**
   * Stops the bot and starts it again on the same store and emulators with a new config, as an
   * operator does after editing it (the config is read at start-up).
   */
  restart(config: unknown): Promise<void>;
  stop(): Promise<void>;
}

export interface SlashResult {
  status: number;
  ms: number;
  body: string;
  responseUrl: string;
  triggerId: string;
  requestBody: string;
}

/** The AWS emulator, the Slack emulator and the real bot in HTTP mode, all on loopback. */
export async function startHarness(options: {
  state: EmulatorState;
  config: unknown;
  users?: Record<string, { name: string; locale?: string }>;
  channels?: Record<string, { name: string; member?: boolean; members?: string[] }>;
  usergroups?: Record<string, string[]>;
  /** The bot's clock; tests move it forward to let suppressions expire. */
  now?: () => number;
  env?: Record<string, string>;
}): Promise<Harness> {
  const aws = await startAwsEmulator({ state: options.state });
  const slack = await startSlackEmulator({
    botToken,
    users: options.users ?? {
      U0JA00001: { name: 'taro', locale: 'ja-JP' },
      U0EN00001: { name: 'alice', locale: 'en-US' },
    },
    channels: options.channels ?? {
      C0123456789: { name: 'security', member: true },
      C0NOACCOUNT: { name: 'random', member: true },
    },
    ...(options.usergroups ? { usergroups: options.usergroups } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-bot-'));
  writeFileSync(join(dir, 'fsbp.config.yaml'), stringify(options.config));
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _encoding, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  process.env.AWS_ENDPOINT_URL = aws.url;
  process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
  process.env.AWS_SECRET_ACCESS_KEY = 'example';
  process.env.AWS_REGION = 'ap-northeast-1';
  const launch = () =>
    startBot(
      {
        ...process.env,
        SLACK_BOT_TOKEN: botToken,
        SLACK_SIGNING_SECRET: signingSecret,
        SLACK_API_URL: slack.url,
        PORT: '0',
        FSBP_STORE: join(dir, 'fsbp.db'),
        FSBP_CONFIG: join(dir, 'fsbp.config.yaml'),
        LOG_LEVEL: 'debug',
        ...options.env,
      },
      { logDestination, ...(options.now ? { now: options.now } : {}) },
    );
  const botUrl = (bot: RunningBot) => `http://127.0.0.1:${bot.port}/slack/events`;
  const bot = await launch();
  const harness: Harness = {
    storePath: join(dir, 'fsbp.db'),
    aws,
    slack,
    bot,
    url: botUrl(bot),
    logs,
    async slash(text, opts = {}) {
      const responseUrl = slack.responseUrl({ channel: opts.channel ?? 'C0123456789' });
      const triggerId = slack.mintTriggerId();
      const requestBody = slashCommandBody({
        text,
        user_id: opts.user ?? 'U0JA00001',
        channel_id: opts.channel ?? 'C0123456789',
        response_url: responseUrl,
        trigger_id: triggerId,
      });
      const reply = await postToBot(harness.url, requestBody, {
        secret: signingSecret,
        headers: opts.headers ?? {},
      });
      return { status: reply.status, ms: reply.ms, body: reply.body, responseUrl, triggerId, requestBody };
    },
    async restart(config) {
      await harness.bot.stop();
      writeFileSync(join(dir, 'fsbp.config.yaml'), stringify(config));
      harness.bot = await launch();
      harness.url = botUrl(harness.bot);
    },
    async stop() {
      await harness.bot.stop();
      await slack.close();
      await aws.close();
    },
  };
  return harness;
}

/** Waits until `probe` returns something truthy (the bot answers after the ack, asynchronously). */
export async function eventually<T>(
  probe: () => T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
