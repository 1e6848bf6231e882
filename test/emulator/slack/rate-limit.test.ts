import { WebAPIRateLimitedError, WebClientEvent } from '@slack/web-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SlackEmulator } from './server.ts';
import { client, GENERAL, OUTSIDE, startTestEmulator, TOKEN } from './test-helpers.ts';

let em: SlackEmulator;
beforeAll(async () => {
  em = await startTestEmulator();
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.clearCalls();
  em.rateLimit('chat.postMessage', null);
});

describe('HTTP 429 and Retry-After', () => {
  it('answers 429 with Retry-After and {ok:false,error:"ratelimited"}', async () => {
    // Prepare
    em.fail('chat.postMessage', { status: 429, retryAfter: 7 });
    // Act
    const res = await fetch(`${em.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: `channel=${GENERAL}&text=x`,
    });
    // Assess
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('is retried by WebClient after Retry-After seconds', async () => {
    // Prepare
    em.fail('chat.postMessage', { status: 429, retryAfter: 1 });
    const web = client(em, TOKEN, { retryConfig: { retries: 2 } });
    const rateLimited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (sec: number) => rateLimited.push(sec));
    // Act
    const started = Date.now();
    const res = await web.chat.postMessage({ channel: GENERAL, text: 'after the wait' });
    const elapsed = Date.now() - started;
    // Assess
    expect(res.ok).toBe(true);
    expect(rateLimited).toEqual([1]);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    const calls = em.calls('chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });

  it('surfaces WebAPIRateLimitedError with rejectRateLimitedCalls', async () => {
    em.fail('users.info', { status: 429, retryAfter: 30 });
    const web = client(em, TOKEN, { rejectRateLimitedCalls: true });
    const err = await web.users.info({ user: 'U0ALICE001' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebAPIRateLimitedError);
    expect((err as WebAPIRateLimitedError).retryAfter).toBe(30);
  });
});

describe('per-channel rate limit', () => {
  it('allows 1 chat.postMessage per second per channel and tells how long to wait', async () => {
    // Prepare
    em.rateLimit('chat.postMessage', 1);
    const web = client(em, TOKEN, { rejectRateLimitedCalls: true });
    // Act
    await web.chat.postMessage({ channel: GENERAL, text: 'first' });
    const second = await web.chat.postMessage({ channel: GENERAL, text: 'second' }).catch((e: unknown) => e);
    const otherChannel = await web.chat.postMessage({ channel: OUTSIDE, text: 'elsewhere' });
    // Assess
    expect(second).toBeInstanceOf(WebAPIRateLimitedError);
    expect((second as WebAPIRateLimitedError).retryAfter).toBe(1);
    expect(otherChannel.ok).toBe(true);
    expect(em.messages(GENERAL).map((m) => m.text)).not.toContain('second');
  });
});
