import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest, verifySlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockActionPayload,
  blockActionsBody,
  postToBot,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionPayload,
} from './signing.ts';

const SECRET = 'emulator-signing-secret';

function boltAccepts(
  body: string,
  headers: { 'x-slack-signature': string; 'x-slack-request-timestamp': string },
) {
  return isValidSlackRequest({
    signingSecret: SECRET,
    body,
    headers: {
      'x-slack-signature': headers['x-slack-signature'],
      'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
    },
  });
}

describe('signSlackRequest', () => {
  it("reproduces Slack's worked example", () => {
    // docs.slack.dev/authentication/verifying-requests-from-slack
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(body, '8f742231b10e8888abcd99yyyzzz85a5', 1531420618)).toEqual({
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      'x-slack-request-timestamp': '1531420618',
    });
  });

  it("verifies with Bolt's own verifySlackRequest, and a tampered body does not", () => {
    // Prepare
    const body = slashCommandBody({
      text: 'check S3',
      user_id: 'U0ALICE001',
      channel_id: 'C0GENERAL1',
      response_url: 'http://127.0.0.1:1/response/x',
    });
    const headers = signSlackRequest(body, SECRET);
    // Act / Assess
    expect(() =>
      verifySlackRequest({
        signingSecret: SECRET,
        body,
        headers: {
          'x-slack-signature': headers['x-slack-signature'],
          'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']),
        },
      }),
    ).not.toThrow();
    expect(boltAccepts(body.replace('check+S3', 'check+EC2'), headers)).toBe(false);
    expect(boltAccepts(body, signSlackRequest(body, 'another-secret'))).toBe(false);
  });

  it('signs interactivity bodies and rejects stale timestamps like Bolt (5 minutes)', () => {
    const body = blockActionsBody(
      blockActionPayload({
        user: 'U0ALICE001',
        channel: 'C0GENERAL1',
        message_ts: '1764460800.000100',
        action_id: 'suppress',
        value: 'S3.1',
        response_url: 'http://127.0.0.1:1/response/x',
      }),
    );
    const now = Math.floor(Date.now() / 1000);
    expect(boltAccepts(body, signSlackRequest(body, SECRET, now - 299))).toBe(true);
    expect(boltAccepts(body, signSlackRequest(body, SECRET, now - 301))).toBe(false);
  });
});

describe('payload builders', () => {
  it('builds a slash command form body with the documented fields, fully percent-encoded', () => {
    const body = slashCommandBody({
      command: '/fsbp',
      text: 'check S3 --lang ja',
      user_id: 'U0ALICE001',
      user_name: 'alice',
      channel_id: 'C0GENERAL1',
      channel_name: 'general',
      team_id: 'T0EMU00001',
      response_url: 'http://127.0.0.1:4600/response/abc',
      trigger_id: '1.2.3',
    });
    expect([...new URLSearchParams(body).keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(body).toContain('command=%2Ffsbp&text=check+S3+--lang+ja');
  });

  it('puts view state values where Bolt reads them', () => {
    const payload = viewSubmissionPayload({
      user: { id: 'U0ALICE001', name: 'alice' },
      callback_id: 'suppress',
      private_metadata: '{"channel":"C0GENERAL1","ts":"1764460800.000100"}',
      values: {
        reason: { value: 'accepted risk' },
        days: { value: { type: 'static_select', selected_option: { value: '30' } } },
      },
      view_id: 'V0EMU00001',
    });
    expect(payload).toMatchObject({
      type: 'view_submission',
      user: { id: 'U0ALICE001', username: 'alice' },
      view: {
        id: 'V0EMU00001',
        callback_id: 'suppress',
        private_metadata: '{"channel":"C0GENERAL1","ts":"1764460800.000100"}',
        state: {
          values: {
            reason: { value: { type: 'plain_text_input', value: 'accepted risk' } },
            days: { value: { type: 'static_select', selected_option: { value: '30' } } },
          },
        },
      },
    });
  });
});

describe('postToBot', () => {
  let url = '';
  let seen: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      setTimeout(() => res.end(''), 50);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('sends the raw body signed, with the exact content type Bolt expects, and times the reply', async () => {
    // Prepare
    seen = [];
    const body = slashCommandBody({
      user_id: 'U0ALICE001',
      channel_id: 'C0GENERAL1',
      response_url: 'http://x/y',
    });
    // Act
    const reply = await postToBot(url, body, { secret: SECRET, headers: { 'x-slack-retry-num': '1' } });
    const json = await postToBot(url, { type: 'url_verification', challenge: 'c' }, { secret: SECRET });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeGreaterThanOrEqual(40);
    expect(seen[0]?.body).toBe(body);
    expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]?.headers['x-slack-retry-num']).toBe('1');
    expect(boltAccepts(body, seen[0]?.headers as never)).toBe(true);
    expect(json.status).toBe(200);
    expect(seen[1]?.headers['content-type']).toBe('application/json');
  });
});
