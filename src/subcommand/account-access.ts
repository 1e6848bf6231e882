import { userInfo } from 'node:os';
import { channelAccounts, findAccount } from '../config/load.ts';
import type { AccountConfig, Config } from '../config/schema.ts';
import { AppError } from '../errors.ts';
import type { CommandContext } from './define.ts';

function allowedAccounts(ctx: CommandContext, config: Config): AccountConfig[] {
  if (ctx.surface !== 'slack') return [...config.accounts];
  if (!ctx.channel) {
    throw new AppError('channel_not_configured', `channel ${ctx.channelId} has no accounts`, {
      params: { channel: ctx.channelId ?? '?' },
    });
  }
  return channelAccounts(config, ctx.channel);
}

/**
 * The accounts a request may touch: named ones must be linked to the Slack channel asking. An account
 * of another channel is refused exactly like one that does not exist, and the error lists only the
 * accounts this channel may use: a channel learns nothing about the others.
 */
export function chooseAccounts(
  ctx: CommandContext,
  config: Config,
  named: readonly string[],
): AccountConfig[] {
  const allowed = allowedAccounts(ctx, config);
  if (named.length === 0) return allowed;
  return named.map((ref) => {
    const account = findAccount(config, ref);
    if (!account || !allowed.includes(account)) {
      throw new AppError(
        'unknown_account',
        `account ${ref} is not one of the accounts of ${ctx.channelId ?? 'the config'}`,
        {
          params: { account: ref.slice(0, 64), known: allowed.map((a) => a.name ?? a.id).join(', ') },
        },
      );
    }
    return account;
  });
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
