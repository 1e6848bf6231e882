import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SlackEmulator } from './server.ts';
import {
  ALICE,
  client,
  expectSlackError,
  GENERAL,
  section,
  startTestEmulator,
  TARO,
} from './test-helpers.ts';

let em: SlackEmulator;
afterEach(() => em?.close());

function png(): Buffer {
  const image = new PNG({ width: 4, height: 4 });
  image.data.fill(200);
  return PNG.sync.write(image);
}

async function upload(c: ReturnType<typeof client>, bytes: Buffer, declared = bytes.length) {
  const reserved = await c.files.getUploadURLExternal({ filename: 'trend.png', length: declared });
  const posted = await fetch(reserved.upload_url as string, { method: 'POST', body: bytes });
  return { id: reserved.file_id as string, status: posted.status, text: await posted.text() };
}

describe('Slack emulator: external file upload', () => {
  it('reserves, takes the bytes and completes; the file is then an image a Home tab can show', async () => {
    em = await startTestEmulator();
    const c = client(em);
    const bytes = png();
    const { id, status, text } = await upload(c, bytes);
    expect([status, text]).toEqual([200, `OK - ${bytes.length}`]);
    const done = await c.files.completeUploadExternal({ files: [{ id, title: 'trend' }] });
    expect(done.files?.[0]).toMatchObject({ id, title: 'trend', mimetype: 'image/png', size: bytes.length });
    expect(em.file(id)?.completed).toBe(true);
    await c.views.publish({
      user_id: ALICE,
      view: { type: 'home', blocks: [{ type: 'image', slack_file: { id }, alt_text: 'trend' }] },
    });
    expect(em.homeView(ALICE)?.blocks).toHaveLength(1);
  });

  it('the real filesUploadV2 of @slack/web-api goes through the same three steps', async () => {
    em = await startTestEmulator();
    const result = await client(em).filesUploadV2({ file: png(), filename: 'chart.png', title: 'chart' });
    expect(result.ok).toBe(true);
    expect(em.calls().map((call) => call.method)).toEqual([
      'files.getUploadURLExternal',
      'files.completeUploadExternal',
    ]);
  });

  it('refuses a completion whose bytes differ from the declared length, and unknown files', async () => {
    em = await startTestEmulator();
    const c = client(em);
    const { id } = await upload(c, png(), 10);
    await expectSlackError(c.files.completeUploadExternal({ files: [{ id }] }), 'file_upload_size_mismatch');
    await expectSlackError(
      c.files.completeUploadExternal({ files: [{ id: 'F0000009999' }] }),
      'file_not_found',
    );
  });

  it('needs files:write', async () => {
    em = await startTestEmulator({ scopes: ['chat:write'] });
    await expectSlackError(
      client(em).files.getUploadURLExternal({ filename: 'a.png', length: 3 }),
      'missing_scope',
    );
  });
});

describe('Slack emulator: views.publish and Home tab limits', () => {
  it('takes at most 100 blocks', async () => {
    em = await startTestEmulator();
    const c = client(em);
    const blocks = Array.from({ length: 101 }, (_, i) => section(`line ${i}`));
    await expectSlackError(
      c.views.publish({ user_id: TARO, view: { type: 'home', blocks } }),
      'invalid_arguments',
    );
    await c.views.publish({ user_id: TARO, view: { type: 'home', blocks: blocks.slice(0, 100) } });
    expect(em.homeView(TARO)?.blocks).toHaveLength(100);
  });

  it('refuses an image block whose slack_file is not a completed image, or that has both sources', async () => {
    em = await startTestEmulator();
    const c = client(em);
    const { id } = await upload(c, png());
    const image = { type: 'image', slack_file: { id }, alt_text: 'x' };
    // Not completed yet.
    await expectSlackError(
      c.views.publish({ user_id: TARO, view: { type: 'home', blocks: [image] } }),
      'invalid_arguments',
    );
    await c.files.completeUploadExternal({ files: [{ id }] });
    const both = { ...image, image_url: 'https://example.com/a.png' };
    await expectSlackError(
      c.views.publish({ user_id: TARO, view: { type: 'home', blocks: [both] } }),
      'invalid_arguments',
    );
    await expectSlackError(
      c.chat.postMessage({
        channel: GENERAL,
        text: 'x',
        blocks: [{ type: 'image', slack_file: { id: 'F0000000000' }, alt_text: 'x' }],
      }),
      'invalid_blocks',
    );
    await c.chat.postMessage({ channel: GENERAL, text: 'x', blocks: [image] });
  });

  it("conversations.members lists a channel's members", async () => {
    em = await startTestEmulator({ channels: { [GENERAL]: { name: 'general', members: [ALICE] } } });
    const members = await client(em).conversations.members({ channel: GENERAL });
    expect(members.members).toEqual([ALICE]);
  });
});
