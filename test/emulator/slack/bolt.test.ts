// The real Bolt App (HTTP receiver) talking to the emulator, driven by signed requests: proves the pieces fit.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackEmulator } from './server.ts';
import {
  blockActionPayload,
  blockActionsBody,
  postToBot,
  slashCommandBody,
  viewSubmissionBody,
  viewSubmissionPayload,
} from './signing.ts';
import { ALICE, GENERAL, plain, quietLogger, startTestEmulator, TOKEN } from './test-helpers.ts';

const SECRET = 'bolt-roundtrip-secret';
let em: SlackEmulator;
let app: App;
let events = '';
const submitted: unknown[] = [];

beforeAll(async () => {
  em = await startTestEmulator();
  app = new App({
    token: TOKEN,
    signingSecret: SECRET,
    logger: quietLogger(),
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: em.url, retryConfig: { retries: 0 } },
  });
  app.command('/fsbp', async ({ ack, command, client, respond }) => {
    await ack();
    await client.views.open({
      trigger_id: command.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'suppress',
        private_metadata: command.channel_id,
        title: plain('Suppress'),
        submit: plain('Suppress'),
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: plain('Reason'),
            element: { type: 'plain_text_input', action_id: 'value', max_length: 480 },
          },
        ],
      },
    });
    await respond({ text: `checking ${command.text}` });
  });
  app.action('suppress', async ({ ack, respond }) => {
    await ack();
    await respond({ replace_original: true, text: 'suppressed' });
  });
  app.view('suppress', async ({ ack, view }) => {
    await ack();
    submitted.push(view.state.values);
  });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
});
afterAll(async () => {
  await app.stop();
  await em.close();
});

describe('Bolt against the emulator', () => {
  it('acks a slash command, opens a modal with the trigger and responds on the response_url', async () => {
    // Prepare
    const responseUrl = em.responseUrl({ channel: GENERAL, user: ALICE });
    const body = slashCommandBody({
      text: 'S3',
      user_id: ALICE,
      channel_id: GENERAL,
      response_url: responseUrl,
      trigger_id: em.mintTriggerId(),
    });
    // Act
    const reply = await postToBot(events, body, { secret: SECRET });
    await expect.poll(() => em.responses(responseUrl).length).toBe(1);
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.ms).toBeLessThan(3000);
    expect(em.calls('views.open')[0]?.response).toMatchObject({
      ok: true,
      view: { callback_id: 'suppress' },
    });
    expect(em.responses(responseUrl)[0]).toMatchObject({ status: 200, body: { text: 'checking S3' } });
  });

  it('routes a button click and a view submission built by the helpers', async () => {
    // Prepare
    const posted = await app.client.chat.postMessage({ channel: GENERAL, text: 'Suppress S3.1?' });
    const responseUrl = em.responseUrl({ channel: GENERAL, messageTs: posted.ts ?? '' });
    const click = blockActionPayload({
      user: ALICE,
      channel: GENERAL,
      message_ts: posted.ts ?? '',
      action_id: 'suppress',
      value: 'S3.1',
      response_url: responseUrl,
    });
    const submission = viewSubmissionPayload({
      user: ALICE,
      callback_id: 'suppress',
      values: { reason: { value: 'accepted risk' } },
      view_id: 'V0EMU00001',
    });
    // Act
    const clicked = await postToBot(events, blockActionsBody(click), { secret: SECRET });
    const sent = await postToBot(events, viewSubmissionBody(submission), { secret: SECRET });
    await expect.poll(() => em.messages(GENERAL).find((m) => m.ts === posted.ts)?.text).toBe('suppressed');
    // Assess
    expect([clicked.status, sent.status]).toEqual([200, 200]);
    expect(submitted).toEqual([{ reason: { value: { type: 'plain_text_input', value: 'accepted risk' } } }]);
  });

  it('is refused by Bolt when the signature is wrong', async () => {
    const body = slashCommandBody({ user_id: ALICE, channel_id: GENERAL, response_url: em.responseUrl() });
    const reply = await postToBot(events, body, { secret: 'not-the-secret' });
    expect(reply.status).toBe(401);
  });
});
