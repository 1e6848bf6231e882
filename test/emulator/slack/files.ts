// The external upload flow (files.getUploadURLExternal, POST to the upload URL,
// files.completeUploadExternal), views.publish for Home tabs, and conversations.members.
import { EMULATOR_IDS, type StoredView, type UploadedFile, type Workspace } from './workspace.ts';

type Args = Record<string, unknown>;
type Body = { ok: boolean; [key: string]: unknown };

const fail = (error: string, extra: Record<string, unknown> = {}): Body => ({ ok: false, error, ...extra });
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** Slack's ceiling for one file (1 GB). */
export const MAX_UPLOAD_BYTES = 1_000_000_000;

const pngMagic = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let fileCounter = 0;

export function getUploadUrlExternal(ws: Workspace, args: Args, base: string): Body {
  const filename = str(args.filename);
  const length = Number(str(args.length));
  if (!filename)
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: filename'] },
    });
  if (!Number.isInteger(length) || length < 1)
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: length'] },
    });
  if (length > MAX_UPLOAD_BYTES) return fail('file_too_large');
  fileCounter += 1;
  const id = `F${String(fileCounter).padStart(10, '0')}`;
  ws.files.set(id, {
    id,
    filename,
    length,
    bytes: null,
    completed: false,
    title: filename,
    mimetype: '',
    channels: [],
  });
  return { ok: true, upload_url: `${base}/upload/${id}`, file_id: id };
}

/** The bytes of an upload: the raw body, or the file part of a multipart form (as @slack/web-api sends). */
export function uploadedBytes(body: Buffer, contentType: string): Buffer {
  const boundary = /multipart\/form-data;\s*boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0 && /filename=/i.test(part.subarray(0, split).toString('latin1')))
      return part.subarray(split + 4);
    start = next;
  }
  return Buffer.alloc(0);
}

/** The upload URL: takes the bytes once; Slack answers `OK - <length>` with 200. */
export function receiveUpload(ws: Workspace, id: string, bytes: Buffer): { status: number; body: string } {
  const file = ws.files.get(id);
  if (!file || file.completed) return { status: 404, body: 'not_found' };
  file.bytes = bytes;
  file.mimetype = bytes.subarray(0, 8).equals(pngMagic) ? 'image/png' : 'application/octet-stream';
  return { status: 200, body: `OK - ${bytes.length}` };
}

export function completeUploadExternal(ws: Workspace, args: Args): Body {
  let list = args.files;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return fail('invalid_arguments');
    }
  }
  if (!Array.isArray(list) || list.length === 0)
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: files'] },
    });
  const channel = str(args.channel_id);
  if (channel && !ws.resolveChannel(channel)) return fail('channel_not_found');
  const done: UploadedFile[] = [];
  for (const entry of list as { id?: unknown; title?: unknown }[]) {
    const file = ws.files.get(str(entry?.id) ?? '');
    if (!file) return fail('file_not_found');
    // GUESS: Slack refuses to complete a file whose bytes never arrived or differ from the declared length.
    if (!file.bytes || file.bytes.length !== file.length) return fail('file_upload_size_mismatch');
    done.push(file);
  }
  for (const [i, file] of done.entries()) {
    file.completed = true;
    file.title = str((list as { title?: unknown }[])[i]?.title) ?? file.filename;
    if (channel) file.channels.push(channel);
  }
  return {
    ok: true,
    files: done.map((f) => ({
      id: f.id,
      name: f.filename,
      title: f.title,
      mimetype: f.mimetype,
      size: f.length,
      user: EMULATOR_IDS.botUserId,
      channels: f.channels,
    })),
  };
}

/**
 * Image blocks that point at a Slack file must name a completed image upload; `image_url` and
 * `slack_file` are exclusive. Returns the error messages Slack would list (empty when fine).
 */
export function checkImageFiles(ws: Workspace, blocks: readonly unknown[], pointer: string): string[] {
  const messages: string[] = [];
  blocks.forEach((block, i) => {
    const b = block as { type?: unknown; image_url?: unknown; slack_file?: { id?: unknown; url?: unknown } };
    if (b?.type !== 'image') return;
    const at = `[json-pointer:${pointer}/${i}]`;
    if (b.image_url !== undefined && b.slack_file !== undefined) {
      messages.push(`[ERROR] must provide exactly one of image_url or slack_file ${at}`);
      return;
    }
    if (b.slack_file === undefined) return;
    const file = ws.files.get(str(b.slack_file?.id) ?? '');
    if (!file?.completed || !file.mimetype.startsWith('image/'))
      messages.push(`[ERROR] invalid slack_file: not a completed image upload ${at}`);
  });
  return messages;
}

export function conversationsMembers(ws: Workspace, args: Args): Body {
  const channel = ws.resolveChannel(args.channel);
  if (!channel || (channel.private && !channel.member)) return fail('channel_not_found');
  return { ok: true, members: [...channel.members], response_metadata: { next_cursor: '' } };
}

export function publishHome(
  ws: Workspace,
  args: Args,
  view: Record<string, unknown>,
  build: (input: Record<string, unknown>, id: string) => StoredView,
): Body {
  const user = str(args.user_id);
  if (!user)
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] missing required field: user_id'] },
    });
  if (!ws.users.has(user)) return fail('user_not_found');
  if (view.type !== 'home')
    return fail('invalid_arguments', {
      response_metadata: { messages: ['[ERROR] must be home [json-pointer:/view/type]'] },
    });
  const images = checkImageFiles(ws, (view.blocks as unknown[]) ?? [], '/view/blocks');
  if (images.length > 0) return fail('invalid_arguments', { response_metadata: { messages: images } });
  const existing = ws.homeViews.get(user);
  const hash = str(args.hash);
  if (existing && hash && hash !== existing.hash) return fail('hash_conflict');
  const id = existing?.id ?? ws.newViewId();
  const stored = build(view, id);
  ws.homeViews.set(user, stored);
  return { ok: true, view: stored };
}
