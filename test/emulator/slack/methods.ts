// Web API method handlers. Each returns the JSON body Slack would send with HTTP 200.
import {
  BLOCK_LIMITS,
  blocksTextLength,
  charLength,
  validateMessageBlocks,
  validateView,
} from './block-kit.ts';
import {
  checkImageFiles,
  completeUploadExternal,
  conversationsMembers,
  getUploadUrlExternal,
  publishHome,
} from './files.ts';
import {
  type Channel,
  EMULATOR_IDS,
  type StoredMessage,
  type StoredView,
  TRIGGER_ERRORS,
  type TriggerErrorStyle,
  type Workspace,
} from './workspace.ts';

export type Args = Record<string, unknown>;
export type Body = { ok: boolean; [key: string]: unknown };

export interface MethodContext {
  ws: Workspace;
  /** The emulator's own base URL, for upload URLs. */
  base: () => string;
  scopes: ReadonlySet<string>;
  triggerErrors: TriggerErrorStyle;
}

type Handler = (ctx: MethodContext, args: Args) => Body;

const MESSAGE_TEXT_MAX = 40_000;

export function fail(error: string, extra: Record<string, unknown> = {}): Body {
  return { ok: false, error, ...extra };
}

function invalidArguments(messages: string[]): Body {
  return fail('invalid_arguments', { response_metadata: { messages } });
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function addWarning(body: Body, warning: string): Body {
  const meta = (body.response_metadata ?? {}) as { warnings?: string[] };
  const warnings = [...(meta.warnings ?? []), warning];
  return { ...body, warning: warnings.join(','), response_metadata: { ...meta, warnings } };
}

/** `blocks` as an array, `undefined` when absent, or an error body. */
function readBlocks(args: Args): unknown[] | undefined | Body {
  let raw = args.blocks;
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'string') {
    // A JSON body may still carry blocks as a JSON-encoded string; form values arrive decoded unless broken.
    try {
      raw = JSON.parse(raw);
    } catch {
      return fail('invalid_blocks_format');
    }
  }
  if (!Array.isArray(raw)) return fail('invalid_blocks_format');
  return raw;
}

function isBody(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'ok' in v;
}

/** Block checks shared by chat.* and response_url posts; `null` when the blocks are fine. */
export function checkMessageBlocks(blocks: unknown[] | undefined): Body | null {
  if (!blocks) return null;
  const messages = validateMessageBlocks(blocks);
  if (messages.length > 0) return fail('invalid_blocks', { response_metadata: { messages } });
  if (blocksTextLength(blocks) > BLOCK_LIMITS.messageBlocksText) return fail('msg_blocks_too_long');
  return null;
}

/** Image blocks with a `slack_file` must point at a completed image upload. */
function imageFileError(ctx: MethodContext, blocks: unknown[] | undefined): Body | null {
  const messages = blocks ? checkImageFiles(ctx.ws, blocks, '/blocks') : [];
  return messages.length > 0 ? fail('invalid_blocks', { response_metadata: { messages } }) : null;
}

function hasContent(text: string | undefined, blocks: unknown[] | undefined, attachments: unknown): boolean {
  return (
    (text !== undefined && text !== '') ||
    (blocks !== undefined && blocks.length > 0) ||
    (Array.isArray(attachments) && attachments.length > 0)
  );
}

/** Channel checks for posting; returns the channel or an error body. */
function postableChannel(ctx: MethodContext, ref: unknown): Channel | Body {
  const channel = ctx.ws.resolveChannel(ref);
  if (!channel) return fail('channel_not_found');
  if (channel.archived) return fail('is_archived');
  if (!channel.member && (channel.private || !ctx.scopes.has('chat:write.public')))
    return fail('not_in_channel');
  return channel;
}

function publicMessage(m: StoredMessage): Record<string, unknown> {
  const { channel: _channel, ...rest } = m;
  return {
    ...rest,
    bot_profile: {
      id: EMULATOR_IDS.botId,
      app_id: EMULATOR_IDS.appId,
      name: EMULATOR_IDS.botName,
      deleted: false,
    },
  };
}

const postMessage: Handler = (ctx, args) => {
  const channel = postableChannel(ctx, args.channel);
  if (isBody(channel)) return channel;
  const blocks = readBlocks(args);
  if (isBody(blocks)) return blocks;
  let text = str(args.text);
  if (!hasContent(text, blocks, args.attachments)) return fail('no_text');
  const blockError = checkMessageBlocks(blocks) ?? imageFileError(ctx, blocks);
  if (blockError) return blockError;
  let truncated = false;
  if (text !== undefined && charLength(text) > MESSAGE_TEXT_MAX) {
    text = [...text].slice(0, MESSAGE_TEXT_MAX).join('');
    truncated = true;
  }
  const message: StoredMessage = {
    ...ctx.ws.botMessage(channel.id, text, blocks),
    ...(Array.isArray(args.attachments) ? { attachments: args.attachments } : {}),
    ...(args.metadata !== undefined ? { metadata: args.metadata } : {}),
  };
  const { ts } = message;
  const threadTs = str(args.thread_ts);
  if (threadTs) {
    // A reply's ts threads into its parent, as in Slack. GUESS: an unknown thread_ts is accepted as given.
    const target = ctx.ws.findMessage(channel.id, threadTs);
    const parentTs = target?.thread_ts ?? threadTs;
    const parent = ctx.ws.findMessage(channel.id, parentTs);
    message.thread_ts = parentTs;
    message.parent_user_id = parent?.user ?? EMULATOR_IDS.botUserId;
    if (bool(args.reply_broadcast)) message.reply_broadcast = true;
    if (parent) {
      parent.thread_ts = parentTs;
      parent.reply_count = (parent.reply_count ?? 0) + 1;
      parent.latest_reply = ts;
    }
  }
  ctx.ws.addMessage(message);
  let body: Body = { ok: true, channel: channel.id, ts, message: publicMessage(message) };
  if (truncated) body = addWarning(body, 'message_truncated');
  // GUESS: the warning name Slack uses when blocks/attachments arrive without top-level text.
  if (!text && (blocks?.length || Array.isArray(args.attachments)))
    body = addWarning(body, 'missing_text_or_fallback_or_attachments');
  return body;
};

/** chat.getPermalink: `https://<team>.slack.com/archives/<channel>/p<ts without the dot>`; no scope needed. */
const getPermalink: Handler = (ctx, args) => {
  const channel = ctx.ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.message_ts);
  if (!ts || !ctx.ws.findMessage(channel.id, ts)) return fail('message_not_found');
  return {
    ok: true,
    channel: channel.id,
    permalink: `https://${EMULATOR_IDS.teamDomain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`,
  };
};

const update: Handler = (ctx, args) => {
  const channel = ctx.ws.resolveChannel(args.channel);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const message = ts ? ctx.ws.findMessage(channel.id, ts) : undefined;
  if (!message) return fail('message_not_found');
  if (message.user !== EMULATOR_IDS.botUserId) return fail('cant_update_message');
  const blocks = readBlocks(args);
  if (isBody(blocks)) return blocks;
  const text = str(args.text);
  const hasAttachments = Array.isArray(args.attachments);
  if (text === undefined && blocks === undefined && !hasAttachments) return fail('no_text');
  const blockError = checkMessageBlocks(blocks) ?? imageFileError(ctx, blocks);
  if (blockError) return blockError;
  // Blocks/attachments left out are kept; an empty array removes them (chat.update reference).
  if (text !== undefined) message.text = text;
  if (blocks !== undefined) {
    if (blocks.length === 0) delete message.blocks;
    else message.blocks = blocks;
  }
  if (hasAttachments) message.attachments = args.attachments as unknown[];
  message.edited = { user: EMULATOR_IDS.botUserId, ts: ctx.ws.nextTs() };
  return {
    ok: true,
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: publicMessage(message),
  };
};

const postEphemeral: Handler = (ctx, args) => {
  const channel = postableChannel(ctx, args.channel);
  if (isBody(channel)) return channel;
  const user = str(args.user);
  if (!user || !ctx.ws.users.has(user)) return fail('user_not_found');
  const blocks = readBlocks(args);
  if (isBody(blocks)) return blocks;
  const text = str(args.text);
  if (!hasContent(text, blocks, args.attachments)) return fail('no_text');
  const blockError = checkMessageBlocks(blocks) ?? imageFileError(ctx, blocks);
  if (blockError) return blockError;
  const messageTs = ctx.ws.nextTs();
  const threadTs = str(args.thread_ts);
  ctx.ws.ephemerals.push({
    channel: channel.id,
    user,
    message_ts: messageTs,
    text: text ?? '',
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return { ok: true, message_ts: messageTs };
};

function triggerError(ctx: MethodContext, key: 'invalid' | 'expired' | 'exchanged'): Body {
  return fail(TRIGGER_ERRORS[ctx.triggerErrors][key]);
}

function readView(args: Args): Record<string, unknown> | Body {
  let view = args.view;
  if (typeof view === 'string' && view !== '') {
    try {
      view = JSON.parse(view);
    } catch {
      return fail('invalid_arguments');
    }
  }
  if (view === undefined || view === null || view === '')
    return invalidArguments(['[ERROR] missing required field: view']);
  if (typeof view !== 'object' || Array.isArray(view)) return fail('invalid_arguments');
  const messages = validateView(view);
  if (messages.length > 0) return invalidArguments(messages);
  return view as Record<string, unknown>;
}

function buildView(
  ctx: MethodContext,
  input: Record<string, unknown>,
  id: string,
  root: string,
  prev: string | null,
) {
  const view: StoredView = {
    id,
    team_id: EMULATOR_IDS.teamId,
    type: String(input.type),
    blocks: (input.blocks as unknown[]) ?? [],
    private_metadata: str(input.private_metadata) ?? '',
    callback_id: str(input.callback_id) ?? '',
    external_id: str(input.external_id) ?? '',
    state: { values: {} },
    hash: ctx.ws.newHash(),
    title: input.title,
    clear_on_close: bool(input.clear_on_close),
    notify_on_close: bool(input.notify_on_close),
    close: input.close ?? null,
    submit: input.submit ?? null,
    previous_view_id: prev,
    root_view_id: root,
    app_id: EMULATOR_IDS.appId,
    app_installed_team_id: EMULATOR_IDS.teamId,
    bot_id: EMULATOR_IDS.botId,
  };
  return view;
}

function requireTrigger(ctx: MethodContext, args: Args): { viewId?: string } | Body {
  const triggerId = str(args.trigger_id) ?? str(args.interactivity_pointer);
  if (!triggerId) return invalidArguments(['[ERROR] missing required field: trigger_id']);
  const exchanged = ctx.ws.exchangeTrigger(triggerId);
  if ('error' in exchanged && exchanged.error) return triggerError(ctx, exchanged.error);
  return exchanged as { viewId?: string };
}

const viewsOpen: Handler = (ctx, args) => {
  const input = readView(args);
  if (isBody(input)) return input;
  const external = str(input.external_id);
  if (external && ctx.ws.findViewByExternalId(external)) return fail('duplicate_external_id');
  const trigger = requireTrigger(ctx, args);
  if (isBody(trigger)) return trigger;
  const id = ctx.ws.newViewId();
  const view = buildView(ctx, input, id, id, null);
  ctx.ws.storeView(view);
  return { ok: true, view };
};

const viewsPush: Handler = (ctx, args) => {
  const input = readView(args);
  if (isBody(input)) return input;
  const external = str(input.external_id);
  if (external && ctx.ws.findViewByExternalId(external)) return fail('duplicate_external_id');
  const trigger = requireTrigger(ctx, args);
  if (isBody(trigger)) return trigger;
  const stack = ctx.ws.stackFor(trigger.viewId);
  const root = stack?.[0];
  const top = stack?.at(-1);
  if (!stack || !root || !top) return fail('not_found');
  // "After a modal is opened, the app is limited to pushing 2 additional views."
  if (stack.length >= 3) return fail('push_limit_reached');
  const id = ctx.ws.newViewId();
  const view = buildView(ctx, input, id, root, top);
  ctx.ws.storeView(view, root);
  return { ok: true, view };
};

const viewsUpdate: Handler = (ctx, args) => {
  const viewId = str(args.view_id);
  const externalId = str(args.external_id);
  if (!viewId && !externalId)
    return invalidArguments(['[ERROR] missing required field: view_id or external_id']);
  const input = readView(args);
  if (isBody(input)) return input;
  const existing = viewId ? ctx.ws.views.get(viewId) : ctx.ws.findViewByExternalId(externalId ?? '');
  if (!existing) return fail('not_found');
  const hash = str(args.hash);
  if (hash && hash !== existing.hash) return fail('hash_conflict');
  const view = buildView(ctx, input, existing.id, existing.root_view_id, existing.previous_view_id);
  view.state = existing.state;
  if (!input.external_id) view.external_id = existing.external_id;
  ctx.ws.views.set(view.id, view);
  return { ok: true, view };
};

function tzOffsetSeconds(tz: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' }).formatToParts(
    at,
  );
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

const usersInfo: Handler = (ctx, args) => {
  const id = str(args.user);
  const isBot = id === EMULATOR_IDS.botUserId;
  const spec = id ? ctx.ws.users.get(id) : undefined;
  if (!id || (!spec && !isBot)) return fail('user_not_found');
  const name = spec?.name ?? EMULATOR_IDS.botName;
  const tz = spec?.tz ?? 'America/Los_Angeles';
  const user: Record<string, unknown> = {
    id,
    team_id: EMULATOR_IDS.teamId,
    name,
    deleted: false,
    real_name: name,
    tz,
    tz_label: tz,
    tz_offset: tzOffsetSeconds(tz, ctx.ws.now()),
    is_admin: false,
    is_owner: false,
    is_bot: isBot,
    is_app_user: false,
    updated: Math.floor(ctx.ws.now() / 1000),
    profile: { real_name: name, display_name: name, team: EMULATOR_IDS.teamId },
  };
  if (bool(args.include_locale)) user.locale = spec?.locale ?? 'en-US';
  return { ok: true, user };
};

const conversationsInfo: Handler = (ctx, args) => {
  const channel = ctx.ws.resolveChannel(args.channel);
  // A private channel the bot is not in is invisible to it.
  if (!channel || (channel.private && !channel.member)) return fail('channel_not_found');
  const info: Record<string, unknown> = {
    id: channel.id,
    created: channel.created,
    is_archived: channel.archived,
    is_im: channel.im,
    is_org_shared: false,
    context_team_id: EMULATOR_IDS.teamId,
    updated: channel.created * 1000,
  };
  if (channel.im) Object.assign(info, { user: channel.imUser, is_open: true });
  else
    Object.assign(info, {
      name: channel.name,
      name_normalized: channel.name,
      is_channel: !channel.private,
      is_group: channel.private,
      is_mpim: false,
      is_private: channel.private,
      is_general: false,
      is_shared: false,
      is_ext_shared: false,
      is_member: channel.member,
      creator: EMULATOR_IDS.botUserId,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
    });
  if (bool(args.include_num_members) && !channel.im) info.num_members = channel.member ? 1 : 0;
  return { ok: true, channel: info };
};

const usergroupsUsersList: Handler = (ctx, args) => {
  const id = str(args.usergroup);
  const users = id ? ctx.ws.usergroups.get(id) : undefined;
  if (!users) return fail('no_such_subteam');
  return { ok: true, users: [...users] };
};

const authTest: Handler = () => ({
  ok: true,
  url: `https://${EMULATOR_IDS.teamDomain}.slack.com/`,
  team: EMULATOR_IDS.teamName,
  user: EMULATOR_IDS.botName,
  team_id: EMULATOR_IDS.teamId,
  user_id: EMULATOR_IDS.botUserId,
  bot_id: EMULATOR_IDS.botId,
  is_enterprise_install: false,
});

export interface MethodSpec {
  handler: Handler;
  /** Scopes any one of which the token needs (`x-accepted-oauth-scopes`); empty for none. */
  scopes: string[];
}

export const METHODS: Record<string, MethodSpec> = {
  'auth.test': { handler: authTest, scopes: [] },
  'chat.postMessage': { handler: postMessage, scopes: ['chat:write'] },
  'chat.update': { handler: update, scopes: ['chat:write'] },
  'chat.getPermalink': { handler: getPermalink, scopes: [] },
  'chat.postEphemeral': { handler: postEphemeral, scopes: ['chat:write'] },
  'views.open': { handler: viewsOpen, scopes: [] },
  'views.update': { handler: viewsUpdate, scopes: [] },
  'views.push': { handler: viewsPush, scopes: [] },
  'users.info': { handler: usersInfo, scopes: ['users:read'] },
  'conversations.info': {
    handler: conversationsInfo,
    scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
  },
  'usergroups.users.list': { handler: usergroupsUsersList, scopes: ['usergroups:read'] },
  'conversations.members': {
    handler: (ctx, args) => conversationsMembers(ctx.ws, args),
    scopes: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
  },
  'files.getUploadURLExternal': {
    handler: (ctx, args) => getUploadUrlExternal(ctx.ws, args, ctx.base()),
    scopes: ['files:write'],
  },
  'files.completeUploadExternal': {
    handler: (ctx, args) => completeUploadExternal(ctx.ws, args),
    scopes: ['files:write'],
  },
  'views.publish': {
    handler: (ctx, args) => {
      const input = readView(args);
      if (isBody(input)) return input;
      return publishHome(ctx.ws, args, input, (view, id) => buildView(ctx, view, id, id, null));
    },
    scopes: [],
  },
};
