// Slack Web API emulator over loopback HTTP: `POST /api/<method>` (form or JSON, Bearer or body token),
// injected failures and 429s, per-channel rate limits, a call log, and response_url endpoints.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { receiveUpload, uploadedBytes } from './files.ts';
import { type Args, type Body, fail as failBody, METHODS, type MethodContext } from './methods.ts';
import { type ResponsePost, type ResponseUrlContext, ResponseUrls } from './response-url.ts';
import {
  type ChannelSpec,
  DEFAULT_SCOPES,
  type EphemeralMessage,
  type StoredMessage,
  type StoredView,
  type TriggerErrorStyle,
  type UploadedFile,
  type UserSpec,
  Workspace,
} from './workspace.ts';

export { BLOCK_LIMITS } from './block-kit.ts';
export type { ResponsePost, ResponseUrlContext } from './response-url.ts';
export { RESPONSE_URL_MAX_USES, RESPONSE_URL_TTL_MS } from './response-url.ts';
export type { EphemeralMessage, StoredMessage, StoredView } from './workspace.ts';
export { DEFAULT_SCOPES, EMULATOR_IDS, TRIGGER_ERRORS, TRIGGER_TTL_MS } from './workspace.ts';

export interface ApiCall {
  method: string;
  /** Arguments with form values decoded (nested JSON parsed), query parameters merged, `token` removed. */
  args: Record<string, unknown>;
  token: string | undefined;
  at: number;
  status: number;
  response: Record<string, unknown>;
}

export type Failure = { error: string } | { status: 429; retryAfter: number };

export interface SlackEmulator {
  /** Web API base to give Bolt / WebClient as `slackApiUrl`; ends in `/api/`. */
  url: string;
  port: number;
  calls(method?: string): ApiCall[];
  clearCalls(): void;
  /** The next `times` (default 1) calls of `method` fail with this error or HTTP 429. */
  fail(method: string, failure: Failure, times?: number): void;
  /** At most `perSecondPerChannel` calls of `method` per channel in any 1 s window (429 + Retry-After); null lifts it. */
  rateLimit(method: string, perSecondPerChannel: number | null): void;
  /** A fresh response_url served by the emulator; `ctx` ties it to a channel/message for in_channel/replace_original. */
  responseUrl(ctx?: ResponseUrlContext): string;
  responses(url?: string): ResponsePost[];
  /** Current channel history including thread replies, in ts order, after updates. */
  messages(channel: string): StoredMessage[];
  /** Ephemeral messages (chat.postEphemeral and ephemeral response_url posts), optionally for one channel. */
  ephemerals(channel?: string): EphemeralMessage[];
  /** The Home tab last published for a user. */
  homeView(userId: string): StoredView | undefined;
  /** Test hook: the channel's human members from now on (someone joined or left it). */
  setMembers(channel: string, members: string[]): void;
  /** A file of the external upload flow, with its bytes. */
  file(id: string): UploadedFile | undefined;
  /** A trigger ID that views.open/views.push accept once within 3 s; `viewId` is the modal a views.push stacks on. */
  mintTriggerId(opts?: { viewId?: string }): string;
  close(): Promise<void>;
}

export interface SlackEmulatorOptions {
  botToken: string;
  port?: number;
  users?: Record<string, UserSpec>;
  channels?: Record<string, ChannelSpec>;
  usergroups?: Record<string, string[]>;
  /** Scopes of the bot token (default DEFAULT_SCOPES). Without `chat:write.public`, posting to a public channel the bot is not in fails. */
  scopes?: readonly string[];
  /** Error names for used/stale trigger IDs (default 'method-reference'; see TRIGGER_ERRORS). */
  triggerErrors?: TriggerErrorStyle;
  /** Clock in ms (default Date.now); lets tests age triggers and response_urls without waiting. */
  now?: () => number;
  /** Called with each Web API call once Slack has acted on it, before the answer is sent (crash tests). */
  onCall?: (call: ApiCall) => void;
}

/** Arguments that are plain strings even when they look like JSON. */
const STRING_ARGS = new Set([
  'text',
  'private_metadata',
  'markdown_text',
  'channel',
  'ts',
  'thread_ts',
  'user',
  'trigger_id',
  'view_id',
  'external_id',
  'hash',
  'usergroup',
  'team_id',
  'username',
  'icon_emoji',
  'icon_url',
]);

function decodeForm(params: URLSearchParams, into: Args): void {
  for (const [key, value] of params) {
    if (!STRING_ARGS.has(key) && /^\s*[[{]/.test(value)) {
      try {
        into[key] = JSON.parse(value);
        continue;
      } catch {
        // Left as a string: handlers answer *_format errors for unparseable JSON.
      }
    }
    into[key] = value;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(data.length),
    ...headers,
  });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function withWarning(body: Body, warning: string): Body {
  const meta = (body.response_metadata ?? {}) as { warnings?: string[] };
  const warnings = [...(meta.warnings ?? []), warning];
  return { ...body, warning: warnings.join(','), response_metadata: { ...meta, warnings } };
}

class ChannelRateLimiter {
  private readonly limits = new Map<string, number>();
  private readonly windows = new Map<string, number[]>();

  set(method: string, perSecond: number | null): void {
    if (perSecond === null) this.limits.delete(method);
    else {
      if (!(perSecond > 0)) throw new Error(`rateLimit(${method}): perSecondPerChannel must be > 0 or null`);
      this.limits.set(method, perSecond);
    }
  }

  /** Seconds to wait (Retry-After) when over the limit, else 0 and the call is counted. */
  take(method: string, channel: string, now: number): number {
    const limit = this.limits.get(method);
    if (limit === undefined) return 0;
    const key = `${method}\u0000${channel}`;
    const recent = (this.windows.get(key) ?? []).filter((t) => now - t < 1000);
    this.windows.set(key, recent);
    const oldest = recent[0];
    if (recent.length >= limit && oldest !== undefined)
      return Math.max(1, Math.ceil((oldest + 1000 - now) / 1000));
    recent.push(now);
    return 0;
  }
}

export async function startSlackEmulator(opts: SlackEmulatorOptions): Promise<SlackEmulator> {
  if (!opts.botToken) throw new Error('startSlackEmulator: botToken is required');
  const now = opts.now ?? Date.now;
  const ws = new Workspace(now, opts);
  const ctx: MethodContext = {
    ws,
    base: () => base,
    scopes: new Set(opts.scopes ?? DEFAULT_SCOPES),
    triggerErrors: opts.triggerErrors ?? 'method-reference',
  };
  const responseUrls = new ResponseUrls(ws);
  const limiter = new ChannelRateLimiter();
  const failures = new Map<string, Failure[]>();
  let callLog: ApiCall[] = [];
  let base = '';

  async function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
  ): Promise<void> {
    const raw = await readBody(req);
    const args: Args = {};
    decodeForm(url.searchParams, args);
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    let warning: string | undefined;
    let parseError: string | undefined;
    if (type.startsWith('application/json')) {
      try {
        const json = raw ? JSON.parse(raw) : {};
        if (typeof json !== 'object' || json === null || Array.isArray(json)) parseError = 'invalid_json';
        else Object.assign(args, json);
      } catch {
        parseError = 'invalid_json';
      }
      if (!type.includes('charset')) warning = 'missing_charset';
    } else if (type.startsWith('application/x-www-form-urlencoded') || (type === '' && raw === '')) {
      decodeForm(new URLSearchParams(raw), args);
    } else if (type === '') parseError = 'missing_post_type';
    else parseError = 'invalid_post_type';

    const header = req.headers.authorization;
    const bearer = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim() : undefined;
    // Slack ignores a `token` inside a JSON body; with form bodies it is accepted.
    const bodyToken =
      !type.startsWith('application/json') && typeof args.token === 'string' ? args.token : undefined;
    const token = bearer ?? bodyToken;
    delete args.token;

    const record = (status: number, body: Body, headers: Record<string, string> = {}) => {
      const call = { method, args, token, at: now(), status, response: body };
      callLog.push(call);
      opts.onCall?.(call);
      sendJson(res, status, body, headers);
    };

    const spec = METHODS[method];
    if (!spec) return record(200, failBody('unknown_method', { req_method: method }));
    if (parseError) return record(200, failBody(parseError));
    if (!token) return record(200, failBody('not_authed'));
    if (token !== opts.botToken) return record(200, failBody('invalid_auth'));

    const scopeHeaders = {
      'x-oauth-scopes': [...ctx.scopes].join(','),
      'x-accepted-oauth-scopes': spec.scopes.join(','),
    };
    const queued = failures.get(method);
    const injected = queued?.shift();
    if (queued && queued.length === 0) failures.delete(method);
    if (injected) {
      if ('status' in injected)
        return record(429, failBody('ratelimited'), { 'retry-after': String(injected.retryAfter) });
      return record(200, failBody(injected.error), scopeHeaders);
    }
    const channelKey =
      typeof args.channel === 'string' ? (ws.resolveChannel(args.channel)?.id ?? args.channel) : '';
    const wait = limiter.take(method, channelKey, now());
    if (wait > 0) return record(429, failBody('ratelimited'), { 'retry-after': String(wait) });
    if (spec.scopes.length > 0 && !spec.scopes.some((s) => ctx.scopes.has(s))) {
      return record(
        200,
        failBody('missing_scope', { needed: spec.scopes.join(','), provided: [...ctx.scopes].join(',') }),
        scopeHeaders,
      );
    }
    let body = spec.handler(ctx, args);
    if (warning) body = withWarning(body, warning);
    record(200, body, scopeHeaders);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    const response = /^\/response\/([A-Za-z0-9]+)$/.exec(url.pathname);
    const upload = /^\/upload\/(F[0-9]+)$/.exec(url.pathname);
    const work = async () => {
      if (api?.[1] && (req.method === 'POST' || req.method === 'GET'))
        return handleApi(req, res, url, api[1]);
      if (response?.[1] && req.method === 'POST') {
        const reply = responseUrls.handle(response[1], `${base}${url.pathname}`, await readBody(req));
        return sendText(res, reply.status, reply.body);
      }
      if (response?.[1]) return sendText(res, 405, 'method_not_allowed');
      if (upload?.[1] && req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const bytes = uploadedBytes(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''));
        const reply = receiveUpload(ws, upload[1], bytes);
        return sendText(res, reply.status, reply.body);
      }
      sendText(res, 404, 'not_found');
    };
    work().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, failBody('internal_error', { detail: String(err) }));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    url: `${base}/api/`,
    port,
    calls: (method) => (method ? callLog.filter((c) => c.method === method) : [...callLog]),
    clearCalls: () => {
      callLog = [];
    },
    fail: (method, failure, times = 1) => {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(failure);
      failures.set(method, list);
    },
    rateLimit: (method, perSecond) => limiter.set(method, perSecond),
    responseUrl: (rctx) => responseUrls.create(base, rctx),
    responses: (url) => responseUrls.posts.filter((p) => url === undefined || p.url === url),
    messages: (channel) => {
      const id = ws.resolveChannel(channel)?.id ?? channel;
      return [...ws.messages(id)].sort((a, b) => compareTs(a.ts, b.ts));
    },
    ephemerals: (channel) => ws.ephemerals.filter((e) => channel === undefined || e.channel === channel),
    mintTriggerId: (o) => ws.mintTriggerId(o),
    homeView: (userId) => ws.homeViews.get(userId),
    setMembers: (channel, members) => {
      const found = ws.channels.get(channel);
      if (!found) throw new Error(`no channel ${channel}`);
      found.members = [...members];
    },
    file: (id) => ws.files.get(id),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function compareTs(a: string, b: string): number {
  const [as = '0', af = '0'] = a.split('.');
  const [bs = '0', bf = '0'] = b.split('.');
  return Number(as) - Number(bs) || Number(af) - Number(bf);
}
