// Shared helpers for the Slack emulator's own tests: a standard workspace, a real WebClient pointed at it,
// a quiet logger and an assertion for Slack platform errors.
import {
  type KnownBlock,
  type Logger,
  LogLevel,
  WebAPIPlatformError,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import { expect } from 'vitest';
import { type SlackEmulator, type SlackEmulatorOptions, startSlackEmulator } from './server.ts';

export const TOKEN = 'xoxb-1111-2222-emulator';
export const GENERAL = 'C0GENERAL1';
export const SECRET_ROOM = 'G0SECRET01';
export const OUTSIDE = 'C0OUTSIDE1';
export const ALICE = 'U0ALICE001';
export const TARO = 'U0TARO0001';
export const SECURITY_TEAM = 'S0SECTEAM1';

export function workspace(extra: Partial<SlackEmulatorOptions> = {}): SlackEmulatorOptions {
  return {
    botToken: TOKEN,
    users: {
      [ALICE]: { name: 'alice', locale: 'en-US', tz: 'America/New_York' },
      [TARO]: { name: 'taro', locale: 'ja-JP', tz: 'Asia/Tokyo' },
    },
    channels: {
      [GENERAL]: { name: 'general' },
      [SECRET_ROOM]: { name: 'secret-room', private: true, member: false },
      [OUTSIDE]: { name: 'outside', member: false },
    },
    usergroups: { [SECURITY_TEAM]: [ALICE, TARO] },
    ...extra,
  };
}

export function startTestEmulator(extra: Partial<SlackEmulatorOptions> = {}): Promise<SlackEmulator> {
  return startSlackEmulator(workspace(extra));
}

/** A Logger that keeps what WebClient logs instead of printing it. */
export function quietLogger(): Logger & { lines: { level: string; text: string }[] } {
  const lines: { level: string; text: string }[] = [];
  const log =
    (level: string) =>
    (...msg: unknown[]) => {
      lines.push({ level, text: msg.map(String).join(' ') });
    };
  return {
    lines,
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    setLevel: () => {},
    getLevel: () => LogLevel.DEBUG,
    setName: () => {},
  };
}

/** The real WebClient, as Bolt builds it, pointed at the emulator; no retries unless asked; `null`: no token. */
export function client(
  em: SlackEmulator,
  token: string | null = TOKEN,
  opts: WebClientOptions = {},
): WebClient {
  return new WebClient(token ?? undefined, {
    slackApiUrl: em.url,
    logger: quietLogger(),
    retryConfig: { retries: 0 },
    ...opts,
  });
}

/** Expects a WebAPIPlatformError with this `data.error`; returns the error's data. */
export async function expectSlackError(
  promise: Promise<unknown>,
  error: string,
): Promise<Record<string, unknown>> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected Slack error ${error}`).toBeInstanceOf(WebAPIPlatformError);
  const data = (caught as WebAPIPlatformError).data as unknown as Record<string, unknown>;
  expect(data.error).toBe(error);
  return data;
}

export function text(n: number, ch = 'a'): string {
  return ch.repeat(n);
}

export function section(t: string, extra: Record<string, unknown> = {}): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: t }, ...extra } as KnownBlock;
}

export function plain(t: string): { type: 'plain_text'; text: string } {
  return { type: 'plain_text', text: t };
}
