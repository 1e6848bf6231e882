import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  RESPONSE_URL_MAX_USES,
  RESPONSE_URL_TTL_MS,
  type SlackEmulator,
  startSlackEmulator,
} from './server.ts';
import { ALICE, client, GENERAL, section, text, workspace } from './test-helpers.ts';

let em: SlackEmulator;
let clock = Date.UTC(2025, 11, 1, 9, 0, 0);
beforeAll(async () => {
  em = await startSlackEmulator(workspace({ now: () => clock }));
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  clock += 1000;
});

/** POSTs like Bolt's respond(): JSON body, Content-Type application/json. */
async function respond(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

describe('response_url', () => {
  it('serves fresh URLs on the emulator', () => {
    const url = em.responseUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/response\/[0-9a-f]+$/);
    expect(em.responseUrl()).not.toBe(url);
  });

  it(`accepts ${RESPONSE_URL_MAX_USES} posts, then answers 404 used_url`, async () => {
    // Prepare
    const url = em.responseUrl();
    // Act
    const replies = [];
    for (let i = 0; i < RESPONSE_URL_MAX_USES + 1; i++)
      replies.push(await respond(url, { text: `step ${i}` }));
    // Assess
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(replies[0]?.body).toBe('ok');
    expect(replies[5]?.body).toBe('used_url');
    expect(em.responses(url).map((r) => r.body)).toEqual(replies.map((_, i) => ({ text: `step ${i}` })));
  });

  it('answers 404 expired_url for unknown ids and after 30 minutes', async () => {
    const unknown = em.responseUrl().replace(/[0-9a-f]+$/, 'deadbeef');
    expect(await respond(unknown, { text: 'x' })).toEqual({ status: 404, body: 'expired_url' });
    const url = em.responseUrl();
    clock += RESPONSE_URL_TTL_MS;
    expect((await respond(url, { text: 'just in time' })).status).toBe(200);
    clock += 1;
    expect(await respond(url, { text: 'too late' })).toEqual({ status: 404, body: 'expired_url' });
  });

  it('validates blocks like chat.postMessage and does not count rejected posts', async () => {
    // Prepare
    const url = em.responseUrl();
    // Act
    const bad = await respond(url, { text: 'x', blocks: [section(text(3001))] });
    const empty = await respond(url, { response_type: 'ephemeral' });
    const oks = [];
    for (let i = 0; i < RESPONSE_URL_MAX_USES; i++) oks.push(await respond(url, { text: 'fine' }));
    // Assess
    expect(bad).toEqual({ status: 400, body: 'invalid_blocks' });
    expect(empty).toEqual({ status: 400, body: 'no_text' });
    expect(oks.every((r) => r.status === 200)).toBe(true);
    expect(em.responses(url).map((r) => r.status)).toEqual([400, 400, 200, 200, 200, 200, 200]);
  });

  it('posts in_channel responses to the channel and replaces or deletes the original message', async () => {
    // Prepare
    const posted = await client(em).chat.postMessage({ channel: GENERAL, text: 'Suppress S3.1?' });
    const url = em.responseUrl({ channel: GENERAL, messageTs: posted.ts ?? '', user: ALICE });
    // Act
    await respond(url, { response_type: 'in_channel', text: 'S3.1 suppressed by alice' });
    await respond(url, { replace_original: true, text: 'Suppressed ✓', blocks: [section('Suppressed ✓')] });
    await respond(url, { text: 'only alice sees this' });
    // Assess
    const history = em.messages(GENERAL);
    expect(history.find((m) => m.ts === posted.ts)).toMatchObject({ text: 'Suppressed ✓' });
    expect(history.map((m) => m.text)).toContain('S3.1 suppressed by alice');
    expect(em.ephemerals(GENERAL).at(-1)).toMatchObject({ user: ALICE, text: 'only alice sees this' });
    await respond(url, { delete_original: true });
    expect(em.messages(GENERAL).some((m) => m.ts === posted.ts)).toBe(false);
  });
});
