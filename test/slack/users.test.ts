import { WebClient } from '@slack/web-api';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserDirectory } from '../../src/slack/users.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { botToken } from '../helpers/bot.ts';

let slack: SlackEmulator;
beforeAll(async () => {
  slack = await startSlackEmulator({ botToken, users: { U0KNOWN001: { name: 'taro', locale: 'ja-JP' } } });
});
afterAll(() => slack.close());

function directory(clock: { at: number }, maxProfiles?: number) {
  const client = new WebClient(botToken, { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
  return createUserDirectory({
    client,
    logger: pino({ level: 'silent' }),
    now: () => clock.at,
    ...(maxProfiles ? { maxProfiles } : {}),
  });
}

const infoCalls = (user: string) => slack.calls('users.info').filter((c) => c.args.user === user).length;

describe('the user directory', () => {
  it('keeps Slack’s "no such user" for a while: one users.info for many commands, asked again later', async () => {
    const clock = { at: 1_000_000 };
    const users = directory(clock);
    expect(await users.locale('U0GHOST001')).toBeUndefined();
    expect(await users.name('U0GHOST001')).toBe('U0GHOST001');
    expect(await users.locale('U0GHOST001')).toBeUndefined();
    expect(infoCalls('U0GHOST001')).toBe(1);
    clock.at += 5 * 60 * 1000 + 1;
    await users.locale('U0GHOST001');
    expect(infoCalls('U0GHOST001')).toBe(2);
    expect(await users.locale('U0KNOWN001')).toBe('ja-JP');
  });

  it('asks again at once when Slack did not answer (rate limited), and keeps the answer that follows', async () => {
    const users = directory({ at: 1_000_000 });
    slack.fail('users.info', { status: 429, retryAfter: 0 });
    expect(await users.locale('U0KNOWN001')).toBeUndefined();
    const before = infoCalls('U0KNOWN001');
    expect(await users.locale('U0KNOWN001')).toBe('ja-JP');
    expect(await users.locale('U0KNOWN001')).toBe('ja-JP');
    expect(infoCalls('U0KNOWN001')).toBe(before + 1);
  });

  it('keeps at most maxProfiles users: the least recently fetched is asked again, the others are not', async () => {
    const users = directory({ at: 1_000_000 }, 2);
    for (const id of ['U0BOUND001', 'U0BOUND002', 'U0BOUND003']) await users.locale(id);
    await users.locale('U0BOUND003');
    await users.locale('U0BOUND002');
    expect([infoCalls('U0BOUND002'), infoCalls('U0BOUND003')]).toEqual([1, 1]);
    await users.locale('U0BOUND001');
    expect(infoCalls('U0BOUND001')).toBe(2);
  });
});
