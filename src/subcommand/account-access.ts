import { userInfo } from 'node:os';
import { AppError } from '../errors.ts';
import type { AccountView, DirectoryAccount } from '../organization/view.ts';
import type { CommandContext } from './define.ts';

/** The accounts as the directory has them now (organization mode: the last discovery). */
export async function accountView(ctx: CommandContext): Promise<AccountView> {
  return (await ctx.services.accounts()).view();
}

/** The accounts this surface may use: all of them in the terminal, the channel's own in Slack. */
export function allowedAccounts(ctx: CommandContext, view: AccountView): DirectoryAccount[] {
  if (ctx.surface !== 'slack') return [...view.all()];
  if (!ctx.channel) {
    throw new AppError('channel_not_configured', `channel ${ctx.channelId} has no accounts`, {
      params: { channel: ctx.channelId ?? '?' },
    });
  }
  return view.forChannel(ctx.channel);
}

/** How many account names an error lists before "…": a channel of 300 accounts fits in one message. */
const knownShown = 20;

function knownList(accounts: readonly DirectoryAccount[]): string {
  const names = accounts.map((a) => a.name ?? a.id);
  const shown = names.slice(0, knownShown).join(', ');
  return names.length > knownShown ? `${shown}, … (+${names.length - knownShown})` : shown;
}

/**
 * The accounts a request may touch. Each named selector (an ID or a name; in organization mode also
 * an OU, `tag:key=value` or `*`) is matched only within the accounts of the Slack channel asking: an
 * account of another channel is refused exactly like one that does not exist, and the error lists only
 * the accounts this channel may use, so a channel learns nothing about the others.
 */
export function chooseAccounts(
  ctx: CommandContext,
  view: AccountView,
  named: readonly string[],
): DirectoryAccount[] {
  const allowed = allowedAccounts(ctx, view);
  if (named.length === 0) return allowed;
  const chosen = new Set<DirectoryAccount>();
  for (const ref of named) {
    const matched = view.select(ref, allowed);
    if (matched.length === 0) {
      throw new AppError(
        'unknown_account',
        `account ${ref} is not one of the accounts of ${ctx.channelId ?? 'the config'}`,
        { params: { account: ref.slice(0, 64), known: knownList(allowed) } },
      );
    }
    for (const account of matched) chosen.add(account);
  }
  // In the order they were named, each once.
  return [...chosen];
}

/** Who asks: the Slack user, or the terminal's user (the AWS session name carries it). */
export function requesterOf(ctx: CommandContext): string {
  if (ctx.userId) return ctx.userId;
  try {
    return `cli-${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
