import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { packageRoot } from '../../src/paths.ts';
import { postToBot, slashCommandBody } from '../emulator/slack/signing.ts';
import { botToken, signingSecret } from './bot.ts';

/** One bot process as deployed (the built `fsbp serve`), sharing its store with the others. */
export interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  logs: string[];
  /** Posts a signed `/fsbp <text>`; the same trigger and headers make a Slack retry. */
  slash(body: string, headers?: Record<string, string>): Promise<{ status: number; ms: number }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function slashBody(
  slack: { responseUrl(ctx?: { channel?: string }): string; mintTriggerId(): string },
  text: string,
  channel: string,
  user = 'U0EN00001',
): { body: string; responseUrl: string } {
  const responseUrl = slack.responseUrl({ channel });
  const body = slashCommandBody({
    text,
    user_id: user,
    channel_id: channel,
    response_url: responseUrl,
    trigger_id: slack.mintTriggerId(),
  });
  return { body, responseUrl };
}

/** Writes the config once; each replica is started with the same files and store. */
export function writeConfig(config: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fsbp-replicas-')), 'fsbp.config.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

export async function startReplica(name: string, env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, [join(packageRoot, 'bin/fsbp.js'), 'serve'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'ap-northeast-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  const logs: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      logs.push(chunk.toString());
      // Socket Mode logs "port":null: such a replica has no HTTP endpoint.
      const match = /"port":(\d+|null)/.exec(out);
      if (match?.[1]) resolve(match[1] === 'null' ? 0 : Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out} ${logs.join('')}`)));
  });
  const url = `http://127.0.0.1:${port}/slack/events`;
  return {
    name,
    url,
    process: child,
    logs,
    async slash(body, headers = {}) {
      const reply = await postToBot(url, body, { secret: signingSecret, headers });
      return { status: reply.status, ms: reply.ms };
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
  };
}
