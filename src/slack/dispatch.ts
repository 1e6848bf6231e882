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
import { holdLease } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import { maxCommandTextLength, parseArgv, tokenize } from '../subcommand/argv.ts';
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

function commandFor(deps: DispatchDeps, name: string): Subcommand<never> | undefined {
  const command = deps.commands.find((c) => c.name === name.toLowerCase());
  return command && (!command.surfaces || command.surfaces.includes('slack')) ? command : undefined;
}

async function respondSafely(deps: DispatchDeps, respond: RespondFn, message: Parameters<RespondFn>[0]) {
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
  respond: RespondFn,
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
  invocation: SlashInvocation,
  ctx: CommandContext,
  run: (ctx: CommandContext) => Promise<Reply>,
  targets: string,
) {
  const { command, client } = invocation;
  const name = commandSlot(command.user_id, command.channel_id);
  // One statement: the slot is taken here or by a command still running (on any replica).
  const slot = await holdLease(deps.store, name, randomUUID(), {
    ttlMs: commandSlotLeaseMs,
  });
  if (!slot) {
    const link = await permalinkOf(deps, client, command.channel_id, await runningPlaceholder(deps, name));
    throw new AppError(
      'check_running',
      `${command.user_id} already runs a command in ${command.channel_id}`,
      {
        params: { link },
      },
    );
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
    await runClaimed(deps, invocation, ctx, run, targets, placeholderPosted);
  } finally {
    await slot.release().catch((error: unknown) => {
      // The slot then runs out on its own (commandSlotLeaseMs).
      deps.logger.warn({ err: error, slot: name }, 'could not release the command slot');
    });
  }
}

async function runClaimed(
  deps: DispatchDeps,
  invocation: SlashInvocation,
  ctx: CommandContext,
  run: (ctx: CommandContext) => Promise<Reply>,
  targets: string,
  placeholderPosted: (ts: string) => void,
) {
  const { command, client } = invocation;
  const t = deps.i18n.getFixedT(ctx.language === 'both' ? 'ja' : ctx.language);
  const label = truncate(escapeMrkdwn(targets), 200);
  let ts: string | undefined;
  const begin = async () => {
    try {
      const placeholder = t('slack.checking', { targets: label });
      const placeholderPost = await deps.pace(command.channel_id, () =>
        client.chat.postMessage({
          channel: command.channel_id,
          text: placeholder,
          blocks: placeholderBlocks(placeholder),
        }),
      );
      ts = placeholderPost.ts;
      if (ts) placeholderPosted(ts);
    } catch (error) {
      deps.logger.warn(
        { err: error, channel: command.channel_id },
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
      .update({ channel: command.channel_id, ts, text: message, blocks: placeholderBlocks(message) })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'progress update failed'));
  };
  let doc: Doc;
  try {
    doc = (await run({ ...ctx, progress, begin })).doc;
  } catch (error) {
    logCommandError(deps, error, command);
    if (ts) {
      // The channel saw "checking": tell it the check ended, and the asker why.
      const message = t('slack.checkFailed');
      await client.chat
        .update({ channel: command.channel_id, ts, text: message, blocks: placeholderBlocks(message) })
        .catch((e: unknown) => deps.logger.warn({ err: e }, 'placeholder update failed'));
    }
    await replyPrivately(deps, invocation.respond, errorDoc(asAppError(error), deps.i18n), ctx.language);
    return;
  }
  const pages = paginateBlocks(docToBlocks(doc));
  const text = fallbackText(doc);
  if (!ts) {
    for (const blocks of pages.slice(0, maxPrivatePages)) {
      await respondSafely(deps, invocation.respond, { response_type: 'in_channel', text, blocks });
    }
    return;
  }
  const parentTs = ts;
  await client.chat.update({ channel: command.channel_id, ts: parentTs, text, blocks: pages[0] ?? [] });
  for (const blocks of pages.slice(1)) {
    await deps.pace(command.channel_id, () =>
      client.chat.postMessage({ channel: command.channel_id, thread_ts: parentTs, text, blocks }),
    );
  }
}

function logCommandError(deps: DispatchDeps, error: unknown, command: SlashCommand) {
  const appError = asAppError(error);
  const meta = { code: appError.code, user: command.user_id, channel: command.channel_id, err: appError };
  if (appError.code === 'internal') deps.logger.error(meta, 'slash command failed');
  else deps.logger.info(meta, 'slash command refused');
}

/** Runs one `/fsbp` invocation after it was acknowledged. Never throws: the user always hears back. */
export async function handleSlashCommand(deps: DispatchDeps, invocation: SlashInvocation): Promise<void> {
  const { command, respond } = invocation;
  const language = await deps.resolveLanguage(command.user_id);
  const ctx: CommandContext = {
    surface: 'slack',
    language,
    i18n: deps.i18n,
    catalog: deps.catalog,
    services: deps.services,
    userId: command.user_id,
    channelId: command.channel_id,
    channel: findChannel(deps.config, command.channel_id),
  };
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
    const args = parseArgs(subcommand, parseArgv(rest, subcommand.flags));
    if (subcommand.longRunning) {
      await runInChannel(deps, invocation, ctx, (c) => subcommand.run(args, c), rest.join(' '));
      return;
    }
    const reply = await subcommand.run(args, ctx);
    await replyPrivately(deps, respond, reply.doc, language, reply.visibility);
  } catch (error) {
    logCommandError(deps, error, command);
    await replyPrivately(deps, respond, errorDoc(asAppError(error), deps.i18n), language);
  }
}
