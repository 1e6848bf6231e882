// response_url endpoints: JSON posts, 5 uses within 30 minutes (platform-facts §11), blocks validated like chat.*.
import { randomBytes } from 'node:crypto';
import { checkMessageBlocks } from './methods.ts';
import { EMULATOR_IDS, type Workspace } from './workspace.ts';

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseUrlContext {
  /** Channel of the interaction; an `in_channel` response is posted there. */
  channel?: string;
  /** ts of the message the interaction came from; `replace_original` / `delete_original` act on it. */
  messageTs?: string;
  /** User who triggered the interaction (recorded with ephemeral responses). */
  user?: string;
}

export interface ResponsePost {
  url: string;
  body: unknown;
  at: number;
  /** HTTP status the emulator answered (200 when accepted). */
  status: number;
}

interface Entry extends ResponseUrlContext {
  url: string;
  createdAt: number;
  uses: number;
}

export interface WireReply {
  status: number;
  body: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class ResponseUrls {
  private readonly entries = new Map<string, Entry>();
  readonly posts: ResponsePost[] = [];

  constructor(private readonly ws: Workspace) {}

  create(base: string, ctx: ResponseUrlContext = {}): string {
    const id = randomBytes(12).toString('hex');
    const url = `${base}/response/${id}`;
    this.entries.set(id, { url, createdAt: this.ws.now(), uses: 0, ...ctx });
    return url;
  }

  /** Handles `POST /response/<id>`; GUESS: plain-text bodies as incoming webhooks answer (`ok`, `used_url`, …). */
  handle(id: string, url: string, raw: string): WireReply {
    const at = this.ws.now();
    let parsed: unknown = raw;
    let json = true;
    try {
      parsed = JSON.parse(raw);
    } catch {
      json = false;
    }
    const reply = (status: number, body: string): WireReply => {
      this.posts.push({ url, body: parsed, at, status });
      return { status, body };
    };
    const entry = this.entries.get(id);
    if (!entry || at - entry.createdAt > RESPONSE_URL_TTL_MS) return reply(404, 'expired_url');
    if (entry.uses >= RESPONSE_URL_MAX_USES) return reply(404, 'used_url');
    if (!json || !isObject(parsed)) return reply(400, 'invalid_payload');
    const msg = parsed;
    if (msg.blocks !== undefined && !Array.isArray(msg.blocks)) return reply(400, 'invalid_blocks_format');
    const blocks = msg.blocks as unknown[] | undefined;
    const blockError = checkMessageBlocks(blocks);
    if (blockError) return reply(400, String(blockError.error));
    const text = typeof msg.text === 'string' ? msg.text : undefined;
    const deleting = msg.delete_original === true || msg.delete_original === 'true';
    if (!deleting && !text && !blocks?.length && !Array.isArray(msg.attachments))
      return reply(400, 'no_text');
    // GUESS: rejected posts do not count against the 5 uses.
    entry.uses += 1;
    this.apply(entry, msg, text, blocks, deleting);
    return reply(200, 'ok');
  }

  private apply(
    entry: Entry,
    msg: Record<string, unknown>,
    text: string | undefined,
    blocks: unknown[] | undefined,
    deleting: boolean,
  ): void {
    const channel = entry.channel ? this.ws.resolveChannel(entry.channel) : undefined;
    if (!channel) return;
    if (deleting) {
      if (entry.messageTs) this.ws.deleteMessage(channel.id, entry.messageTs);
      return;
    }
    const replacing = msg.replace_original === true || msg.replace_original === 'true';
    const original = entry.messageTs ? this.ws.findMessage(channel.id, entry.messageTs) : undefined;
    if (replacing && original) {
      original.text = text ?? '';
      if (blocks) original.blocks = blocks;
      else delete original.blocks;
      original.edited = { user: EMULATOR_IDS.botUserId, ts: this.ws.nextTs() };
      return;
    }
    const threadTs = typeof msg.thread_ts === 'string' ? msg.thread_ts : undefined;
    if (msg.response_type === 'in_channel') {
      this.ws.addMessage({
        ...this.ws.botMessage(channel.id, text, blocks),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return;
    }
    const ts = this.ws.nextTs();
    this.ws.ephemerals.push({
      channel: channel.id,
      user: entry.user ?? '',
      message_ts: ts,
      text: text ?? '',
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }
}
