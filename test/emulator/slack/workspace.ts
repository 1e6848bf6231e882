// In-memory workspace behind the Slack emulator: users, channels, messages, views and trigger IDs.
import { randomBytes } from 'node:crypto';

export const EMULATOR_IDS = {
  teamId: 'T0EMU00001',
  teamDomain: 'fsbp-emulator',
  teamName: 'FSBP Emulator',
  botUserId: 'U0EMUBOT01',
  botId: 'B0EMUBOT01',
  appId: 'A0EMUAPP01',
  botName: 'fsbp',
} as const;

/** Scopes granted by default; `chat:write.public` lets the bot post to public channels it has not joined. */
export const DEFAULT_SCOPES = [
  'chat:write',
  'chat:write.public',
  'commands',
  'users:read',
  'usergroups:read',
  'channels:read',
  'groups:read',
  'im:read',
  'mpim:read',
  'files:write',
] as const;

/**
 * views.open / views.push errors for a used or stale trigger. Slack's method reference (views.open, views.push)
 * lists `exchanged_trigger_id` / `expired_trigger_id`, and real apps report `expired_trigger_id`; the
 * interactivity guide (and legacy dialog.open) say `trigger_exchanged` / `trigger_expired`.
 */
export const TRIGGER_ERRORS = {
  'method-reference': {
    expired: 'expired_trigger_id',
    exchanged: 'exchanged_trigger_id',
    invalid: 'invalid_trigger_id',
  },
  'interactivity-guide': {
    expired: 'trigger_expired',
    exchanged: 'trigger_exchanged',
    invalid: 'invalid_trigger_id',
  },
} as const;
export type TriggerErrorStyle = keyof typeof TRIGGER_ERRORS;

export const TRIGGER_TTL_MS = 3000;

export interface UserSpec {
  name: string;
  locale?: string;
  tz?: string;
}

export interface ChannelSpec {
  name: string;
  /** Whether the bot is in the channel. */
  member?: boolean;
  /** Human members (conversations.members). */
  members?: string[];
  private?: boolean;
  archived?: boolean;
}

export interface Channel {
  id: string;
  name: string;
  member: boolean;
  private: boolean;
  archived: boolean;
  im: boolean;
  imUser?: string;
  created: number;
  members: string[];
}

/** A file of the external upload flow: reserved, then its bytes posted, then completed. */
export interface UploadedFile {
  id: string;
  filename: string;
  /** The length declared to files.getUploadURLExternal. */
  length: number;
  bytes: Buffer | null;
  completed: boolean;
  title: string;
  mimetype: string;
  channels: string[];
}

export interface StoredMessage {
  type: 'message';
  channel: string;
  ts: string;
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  latest_reply?: string;
  reply_broadcast?: boolean;
  metadata?: unknown;
  edited?: { user: string; ts: string };
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
}

export interface StoredView {
  id: string;
  team_id: string;
  type: string;
  blocks: unknown[];
  private_metadata: string;
  callback_id: string;
  external_id: string;
  state: { values: Record<string, unknown> };
  hash: string;
  title?: unknown;
  submit?: unknown;
  close?: unknown;
  clear_on_close: boolean;
  notify_on_close: boolean;
  previous_view_id: string | null;
  root_view_id: string;
  app_id: string;
  app_installed_team_id: string;
  bot_id: string;
  [key: string]: unknown;
}

interface Trigger {
  mintedAt: number;
  used: boolean;
  viewId?: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MIXED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomChars(n: number, alphabet: string): string {
  const bytes = randomBytes(n);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

function randomDigits(n: number): string {
  return randomChars(n, '0123456789').replace(/^0/, '1');
}

export class Workspace {
  readonly users = new Map<string, UserSpec>();
  readonly channels = new Map<string, Channel>();
  readonly usergroups = new Map<string, string[]>();
  readonly views = new Map<string, StoredView>();
  /** Each user's published Home tab. */
  readonly homeViews = new Map<string, StoredView>();
  readonly files = new Map<string, UploadedFile>();
  /** view id → stack of view ids, root first. */
  readonly stacks = new Map<string, string[]>();
  private readonly history = new Map<string, StoredMessage[]>();
  readonly ephemerals: EphemeralMessage[] = [];
  private readonly triggers = new Map<string, Trigger>();
  private lastTsMicros = 0;
  private lastRootView: string | undefined;

  constructor(
    readonly now: () => number,
    opts: {
      users?: Record<string, UserSpec>;
      channels?: Record<string, ChannelSpec>;
      usergroups?: Record<string, string[]>;
    },
  ) {
    for (const [id, u] of Object.entries(opts.users ?? {})) this.users.set(id, u);
    const created = Math.floor(now() / 1000) - 86_400;
    for (const [id, c] of Object.entries(opts.channels ?? {})) {
      this.channels.set(id, {
        id,
        name: c.name,
        member: c.member ?? true,
        private: c.private ?? false,
        archived: c.archived ?? false,
        im: false,
        created,
        members: [...(c.members ?? [])],
      });
    }
    for (const [id, members] of Object.entries(opts.usergroups ?? {})) this.usergroups.set(id, [...members]);
  }

  /** A message ts: `<seconds>.<micros>`, unique and strictly increasing even when the clock stands still. */
  nextTs(): string {
    const micros = Math.max(Math.floor(this.now()) * 1000, this.lastTsMicros + 100);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  /** Resolves a channel argument: an ID, a `#name` / name, or a user ID (opens the bot's DM with that user). */
  resolveChannel(ref: unknown): Channel | undefined {
    if (typeof ref !== 'string' || ref === '') return undefined;
    const byId = this.channels.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^#/, '');
    for (const c of this.channels.values()) if (!c.im && c.name === name) return c;
    if (this.users.has(ref) || ref === EMULATOR_IDS.botUserId) {
      // GUESS: Slack answers a post to a user ID with a D… channel ID; ours is derived from the user ID.
      const id = `D${ref.slice(1)}`;
      const dm: Channel = {
        id,
        name: ref,
        member: true,
        private: true,
        archived: false,
        im: true,
        imUser: ref,
        created: Math.floor(this.now() / 1000),
        members: [ref],
      };
      if (!this.channels.has(id)) this.channels.set(id, dm);
      return this.channels.get(id);
    }
    return undefined;
  }

  messages(channel: string): StoredMessage[] {
    return this.history.get(channel) ?? [];
  }

  findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.messages(channel).find((m) => m.ts === ts);
  }

  /** A new message from the bot, its ts taken now; the caller adds the rest and stores it. */
  botMessage(channel: string, text: string | undefined, blocks: unknown[] | undefined): StoredMessage {
    return {
      type: 'message',
      channel,
      ts: this.nextTs(),
      text: text ?? '',
      user: EMULATOR_IDS.botUserId,
      bot_id: EMULATOR_IDS.botId,
      app_id: EMULATOR_IDS.appId,
      team: EMULATOR_IDS.teamId,
      ...(blocks ? { blocks } : {}),
    };
  }

  addMessage(m: StoredMessage): void {
    const list = this.history.get(m.channel) ?? [];
    list.push(m);
    this.history.set(m.channel, list);
  }

  deleteMessage(channel: string, ts: string): boolean {
    const list = this.history.get(channel);
    const i = list?.findIndex((m) => m.ts === ts) ?? -1;
    if (!list || i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  mintTriggerId(opts: { viewId?: string } = {}): string {
    const id = `${randomDigits(13)}.${randomDigits(13)}.${randomBytes(16).toString('hex')}`;
    this.triggers.set(id, {
      mintedAt: this.now(),
      used: false,
      ...(opts.viewId ? { viewId: opts.viewId } : {}),
    });
    return id;
  }

  /** Exchanges a trigger ID once; returns an error key or the trigger's view context. */
  exchangeTrigger(id: string): { error: 'invalid' | 'expired' | 'exchanged' } | { viewId?: string } {
    const t = this.triggers.get(id);
    if (!t) return { error: 'invalid' };
    if (t.used) return { error: 'exchanged' };
    if (this.now() - t.mintedAt > TRIGGER_TTL_MS) return { error: 'expired' };
    t.used = true;
    return t.viewId ? { viewId: t.viewId } : {};
  }

  newHash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomChars(8, MIXED)}`;
  }

  newViewId(): string {
    return `V${randomChars(10, ALNUM)}`;
  }

  findViewByExternalId(externalId: string): StoredView | undefined {
    if (!externalId) return undefined;
    for (const v of this.views.values()) if (v.external_id === externalId) return v;
    return undefined;
  }

  /** Stores a root view (views.open) or a pushed one (rootId given). */
  storeView(view: StoredView, rootId?: string): void {
    this.views.set(view.id, view);
    if (rootId) this.stacks.get(rootId)?.push(view.id);
    else {
      this.stacks.set(view.id, [view.id]);
      this.lastRootView = view.id;
    }
  }

  /** The stack a views.push lands on: the trigger's view, else the most recently opened modal. */
  stackFor(viewId?: string): string[] | undefined {
    const start = viewId ?? this.lastRootView;
    if (!start) return undefined;
    const root = this.views.get(start)?.root_view_id ?? start;
    return this.stacks.get(root);
  }
}
