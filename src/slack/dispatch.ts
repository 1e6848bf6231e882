import { randomUUID } from 'node:crypto';
import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { i18n } from 'i18next';
import type { Logger } from 'pino';
import { helpDoc } from '../../commands/help.ts';
import { suggestCommand } from '../../commands/index.ts';
import type { Catalog } from '../catalog/catalog.ts';
import { findChannel } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { type Doc, joinDocs } from '../document/doc.ts';
import { errorDoc } from '../document/error-doc.ts';
import { AppError, asAppError, invalidArguments } from '../errors.ts';
import type { LanguagePreference } from '../i18n/index.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import { holdLease } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import { maxCommandTextLength, type ParsedArgv, parseArgv, tokenize } from '../subcommand/argv.ts';
import {
  type CommandContext,
  type CommandServices,
  parseArgs,
  type Reply,
  type Subcommand,
} from '../subcommand/define.ts';
import { docToBlocks, fallbackText, paginateBlocks } from './blocks/doc-to-blocks.ts';
import type { LanguageResolver } from './language.ts';
import { escapeMrkdwn, truncate } from './mrkdwn.ts';
import type { ChannelPacer } from './pacer.ts';

export interface DispatchDeps {
  config: Config;
  /** The accounts channels route to (the config's, or the organization's as discovered). */
  accounts: AccountDirectory;
  catalog: Catalog;
  i18n: i18n;
  store: Store;
  services: CommandServices;
  commands: readonly Subcommand<never>[];
  logger: Logger;
  resolveLanguage: LanguageResolver;
  pace: ChannelPacer;
  /** Minimum time between progress edits of a placeholder message. */
  progressIntervalMs?: number;
}

/**
 * A long command holds its user and channel's slot in the store for this long, renewed while it runs:
 * a replica that crashed mid-check frees the slot within this time.
 */
export const commandSlotLeaseMs = 60_000;

/** The store lease a long command holds: one per user and channel, whichever replica runs it. */
export const commandSlot = (userId: string, channelId: string) => `command:${userId}|${channelId}`;

/** response_url takes 5 replies per invocation; keep one for an error after a partial answer. */
const maxPrivatePages = 4;

export interface SlashInvocation {
  command: SlashCommand;
  respond: RespondFn;
  client: WebClient;
}

/** A reply through Slack's response_url, or whatever stands for it where a button has none. */
export interface AskerReply {
  response_type: 'in_channel' | 'ephemeral';
  text: string;
  blocks: KnownBlock[];
}
export type Respond = (message: AskerReply) => Promise<unknown>;

/**
 * Who runs a command, in which channel, and how to answer them privately: a slash command, or a
 * button acting as one (the command then checks the channel and its accounts as for typed text).
 */
export interface Asker {
  userId: string;
  channelId: string;
  client: WebClient;
  respond: Respond;
  /** A long command posted its placeholder (`ts`) in the channel: the work has started. */
  started?(ts: string): void;
}

function commandFor(deps: DispatchDeps, name: string): Subcommand<never> | undefined {
  const command = deps.commands.find((c) => c.name === name.toLowerCase());
  return command && (!command.surfaces || command.surfaces.includes('slack')) ? command : undefined;
}

async function respondSafely(deps: DispatchDeps, respond: Respond, message: AskerReply) {
  try {
    await respond(message);
  } catch (error) {
    // An expired response_url (RespondError) is logged, never crashes the listener.
    deps.logger.warn({ err: error }, 'reply through response_url failed');
  }
}

/** Answers through response_url: to the asker only, or to the channel for a reply meant for everyone. */
async function replyPrivately(
  deps: DispatchDeps,
  respond: Respond,
  doc: Doc,
  language: LanguagePreference,
  visibility: Reply['visibility'] = 'private',
) {
  const pages = paginateBlocks(docToBlocks(doc));
  const shown = pages.slice(0, maxPrivatePages);
  if (pages.length > maxPrivatePages) {
    const t = deps.i18n.getFixedT(language === 'both' ? 'ja' : language);
    shown[shown.length - 1]?.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: escapeMrkdwn(t('slack.truncated', { count: pages.length - maxPrivatePages })),
        },
      ],
    });
  }
  for (const blocks of shown) {
    await respondSafely(deps, respond, {
      response_type: visibility === 'channel' ? 'in_channel' : 'ephemeral',
      text: fallbackText(doc),
      blocks,
    });
  }
}

function placeholderBlocks(text: string): KnownBlock[] {
  return [{ type: 'section', text: { type: 'mrkdwn', text: `:hourglass_flowing_sand: ${text}` } }];
}

/** A link to the message of the user's command still running, or '' when it has none yet. */
async function permalinkOf(deps: DispatchDeps, client: WebClient, channel: string, ts: string | undefined) {
  if (!ts) return '';
  try {
    return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? '';
  } catch (error) {
    deps.logger.warn({ err: error, channel }, 'no permalink for the running check');
    return '';
  }
}

/** How long a refused command waits for the running one's placeholder to be noted on the slot. */
const noteWaitMs = 2000;

/**
 * The ts of the running command's placeholder, noted on its slot right after it was posted; waits a
 * moment for a command that is about to post it. Undefined when it has none (or finished meanwhile).
 */
async function runningPlaceholder(deps: DispatchDeps, name: string): Promise<string | undefined> {
  const until = Date.now() + noteWaitMs;
  for (;;) {
    const holder = await deps.store.leaseHolder(name);
    if (holder?.note) return holder.note;
    if (!holder || Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Posts the answer to a long command: once the command says its input is valid (`begin`), a
 * placeholder, progress edits, then the result (+ thread). One per user and channel at a time; a
 * refusal or failure goes to the asker only.
 */
async function runInChannel(
  deps: DispatchDeps,
  asker: Asker,
  ctx: CommandContext,
  run: (ctx: CommandContext) => Promise<Reply>,
  targets: string,
) {
  const { userId, channelId, client } = asker;
  const name = commandSlot(userId, channelId);
  // One statement: the slot is taken here or by a command still running (on any replica).
  const slot = await holdLease(deps.store, name, randomUUID(), {
    ttlMs: commandSlotLeaseMs,
  });
  if (!slot) {
    const link = await permalinkOf(deps, client, channelId, await runningPlaceholder(deps, name));
    throw new AppError('check_running', `${userId} already runs a command in ${channelId}`, {
      params: { link },
    });
  }
  const placeholderPosted = (ts: string) => {
    // The link a second request gets; without it that request is still refused, only without a link.
    deps.store
      .noteLease(slot.grant, ts)
      .catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'could not note the placeholder on the slot'),
      );
  };
  try {
    await runClaimed(deps, asker, ctx, run, targets, placeholderPosted);
  } finally {
    await slot.release().catch((error: unknown) => {
      // The slot then runs out on its own (commandSlotLeaseMs).
      deps.logger.warn({ err: error, slot: name }, 'could not release the command slot');
    });
  }
}

async function runClaimed(
  deps: DispatchDeps,
  asker: Asker,
  ctx: CommandContext,
  run: (ctx: CommandContext) => Promise<Reply>,
  targets: string,
  placeholderPosted: (ts: string) => void,
) {
  const { channelId, client } = asker;
  const t = deps.i18n.getFixedT(ctx.language === 'both' ? 'ja' : ctx.language);
  const label = truncate(escapeMrkdwn(targets), 200);
  let ts: string | undefined;
  const begin = async () => {
    try {
      const placeholder = t('slack.checking', { targets: label });
      const posted = await deps.pace(channelId, () =>
        client.chat.postMessage({
          channel: channelId,
          text: placeholder,
          blocks: placeholderBlocks(placeholder),
        }),
      );
      ts = posted.ts;
      if (ts) {
        placeholderPosted(ts);
        asker.started?.(ts);
      }
    } catch (error) {
      deps.logger.warn(
        { err: error, channel: channelId },
        'placeholder post failed; answering through response_url',
      );
    }
  };
  let lastProgress = 0;
  const interval = deps.progressIntervalMs ?? 2000;
  const progress: CommandContext['progress'] = (p) => {
    if (!ts || Date.now() - lastProgress < interval || p.done === p.total) return;
    lastProgress = Date.now();
    const message = t('slack.progress', { targets: label, done: p.done, total: p.total });
    client.chat
      .update({ channel: channelId, ts, text: message, blocks: placeholderBlocks(message) })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'progress update failed'));
  };
  let doc: Doc;
  try {
    doc = (await run({ ...ctx, progress, begin })).doc;
  } catch (error) {
    logCommandError(deps, error, asker);
    if (ts) {
      // The channel saw "checking": tell it the check ended, and the asker why.
      const message = t('slack.checkFailed');
      await client.chat
        .update({ channel: channelId, ts, text: message, blocks: placeholderBlocks(message) })
        .catch((e: unknown) => deps.logger.warn({ err: e }, 'placeholder update failed'));
    }
    await replyPrivately(deps, asker.respond, errorDoc(asAppError(error), deps.i18n), ctx.language);
    return;
  }
  const pages = paginateBlocks(docToBlocks(doc));
  const text = fallbackText(doc);
  if (!ts) {
    for (const blocks of pages.slice(0, maxPrivatePages)) {
      await respondSafely(deps, asker.respond, { response_type: 'in_channel', text, blocks });
    }
    return;
  }
  const parentTs = ts;
  await client.chat.update({ channel: channelId, ts: parentTs, text, blocks: pages[0] ?? [] });
  for (const blocks of pages.slice(1)) {
    await deps.pace(channelId, () =>
      client.chat.postMessage({ channel: channelId, thread_ts: parentTs, text, blocks }),
    );
  }
}

function logCommandError(deps: DispatchDeps, error: unknown, asker: Pick<Asker, 'userId' | 'channelId'>) {
  const appError = asAppError(error);
  const meta = { code: appError.code, user: asker.userId, channel: asker.channelId, err: appError };
  if (appError.code === 'internal') deps.logger.error(meta, 'slash command failed');
  else deps.logger.info(meta, 'slash command refused');
}

function contextFor(deps: DispatchDeps, asker: Asker, language: LanguagePreference): CommandContext {
  return {
    surface: 'slack',
    language,
    i18n: deps.i18n,
    catalog: deps.catalog,
    services: deps.services,
    userId: asker.userId,
    channelId: asker.channelId,
    // The config as it is now: a button decides nothing by what was true when it was posted.
    channel: findChannel(deps.config, asker.channelId),
  };
}

/** Runs a parsed subcommand for the asker: a long one in the channel, the rest privately. */
async function runSubcommand(
  deps: DispatchDeps,
  asker: Asker,
  ctx: CommandContext,
  subcommand: Subcommand<never>,
  argv: ParsedArgv,
  label: string,
) {
  const args = parseArgs(subcommand, argv);
  if (subcommand.longRunning) {
    await runInChannel(deps, asker, ctx, (c) => subcommand.run(args, c), label);
    return;
  }
  const reply = await subcommand.run(args, ctx);
  await replyPrivately(deps, asker.respond, reply.doc, ctx.language, reply.visibility);
}

/** Runs one `/fsbp` invocation after it was acknowledged. Never throws: the user always hears back. */
export async function handleSlashCommand(deps: DispatchDeps, invocation: SlashInvocation): Promise<void> {
  const { command, client } = invocation;
  const respond: Respond = (message) => invocation.respond(message);
  const asker: Asker = { userId: command.user_id, channelId: command.channel_id, client, respond };
  const language = await deps.resolveLanguage(command.user_id);
  const ctx = contextFor(deps, asker, language);
  try {
    if (command.text.length > maxCommandTextLength) {
      throw invalidArguments('args.tooLong', { max: maxCommandTextLength });
    }
    const [name = 'help', ...rest] = tokenize(command.text);
    const subcommand = commandFor(deps, name);
    if (!subcommand) {
      const help = helpDoc({ ...ctx, language: 'both' }, deps.commands);
      const offered = deps.commands.filter((c) => !c.surfaces || c.surfaces.includes('slack'));
      const closest = suggestCommand(
        name,
        offered.map((c) => c.name),
      );
      const unknown = new AppError('unknown_command', `unknown subcommand ${name}`, {
        params: { command: name.slice(0, 40), suggestion: closest },
      });
      await replyPrivately(
        deps,
        respond,
        name === 'help' ? help : joinDocs([errorDoc(unknown, deps.i18n), help]),
        language,
      );
      return;
    }
    await runSubcommand(deps, asker, ctx, subcommand, parseArgv(rest, subcommand.flags), rest.join(' '));
  } catch (error) {
    logCommandError(deps, error, asker);
    await replyPrivately(deps, respond, errorDoc(asAppError(error), deps.i18n), language);
  }
}

/**
 * Runs a subcommand for a button, as if the asker had typed it in the channel: the same checks of
 * the channel, its accounts and the limits (one check per user and channel, `check.maxTargets`).
 * Never throws: refusals reach the asker through `respond`.
 */
export async function runForButton(
  deps: DispatchDeps,
  asker: Asker,
  name: string,
  argv: ParsedArgv,
  label: string,
): Promise<void> {
  const language = await deps.resolveLanguage(asker.userId);
  const ctx = contextFor(deps, asker, language);
  try {
    const subcommand = commandFor(deps, name);
    if (!subcommand) throw new Error(`no subcommand ${name} for a button`);
    await runSubcommand(deps, asker, ctx, subcommand, argv, label);
  } catch (error) {
    logCommandError(deps, error, asker);
    await replyPrivately(deps, asker.respond, errorDoc(asAppError(error), deps.i18n), language);
  }
}
