import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningBot, startBot } from '../../src/app.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { type SocketModeServer, startSocketModeServer } from '../emulator/slack/socket-mode.ts';
import { buildState } from '../helpers/aws-state.ts';
import { eventually } from '../helpers/bot.ts';

const botToken = 'xoxb-1234567890-socket';
const appToken = 'xapp-1-A0EMU00001-1234567890-socketmodetoken';

let aws: AwsEmulator;
let slack: SlackEmulator;
let socket: SocketModeServer;
let bot: RunningBot;
const logs: string[] = [];

beforeAll(async () => {
  aws = await startAwsEmulator({ state: buildState([]) });
  slack = await startSlackEmulator({ botToken, users: { U0JA00001: { name: 'taro', locale: 'ja-JP' } } });
  socket = await startSocketModeServer({ appToken, forwardTo: slack.url });
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-socket-'));
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({ accounts: [{ id: '111111111111', regions: ['ap-northeast-1'] }] }),
  );
  bot = await startBot(
    {
      ...process.env,
      AWS_ENDPOINT_URL: aws.url,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'example',
      AWS_REGION: 'ap-northeast-1',
      SLACK_BOT_TOKEN: botToken,
      SLACK_APP_TOKEN: appToken,
      SLACK_API_URL: socket.apiUrl,
      FSBP_STORE: join(dir, 'fsbp.db'),
      FSBP_CONFIG: join(dir, 'config.yaml'),
      LOG_LEVEL: 'debug',
    },
    { logDestination: new Writable({ write: (chunk, _e, done) => done(void logs.push(chunk.toString())) }) },
  );
  await socket.connected();
});

afterAll(async () => {
  await bot.stop();
  await socket.close();
  await slack.close();
  await aws.close();
});

describe('Socket Mode', () => {
  it('connects with the app token, acknowledges a slash command envelope and answers through response_url', async () => {
    expect(bot.slack.mode).toBe('socket');
    expect(bot.port).toBeNull();
    const responseUrl = slack.responseUrl({ channel: 'C0123456789' });
    const { ack, ms } = await socket.send('slash_commands', {
      token: 'legacy',
      team_id: 'T0EMU00001',
      team_domain: 'emulator',
      channel_id: 'C0123456789',
      channel_name: 'security',
      user_id: 'U0JA00001',
      user_name: 'taro',
      command: '/fsbp',
      text: 'explain S3.1',
      api_app_id: 'A0EMU00001',
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: '1.2.socket',
    });
    expect(ack.envelope_id).toEqual(expect.any(String));
    expect(ms).toBeLessThan(3000);
    const reply = await eventually(() => slack.responses(responseUrl)[0]);
    expect(JSON.stringify(reply.body)).toContain(
      'S3 汎用バケットではブロックパブリックアクセス設定を有効にする必要があります',
    );
  });

  it('keeps the app token out of the log', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.join('')).not.toContain(appToken);
    expect(logs.join('')).not.toContain(botToken);
  });
});
