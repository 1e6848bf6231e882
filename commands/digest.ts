import { z } from 'zod';
import { findChannel } from '../src/config/load.ts';
import { runDigest } from '../src/digest/run.ts';
import { digestPoster } from '../src/document/digest-doc.ts';
import { text } from '../src/document/doc.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import {
  type CommandContext,
  type DigestServices,
  defineSubcommand,
  perLanguage,
} from '../src/subcommand/define.ts';
import { liveCatalogOf } from '../src/subcommand/live-catalog.ts';

const Args = z
  .object({
    positionals: z.array(z.string()).max(1, 'args.digestAction'),
    flags: z.object({ channel: z.string().optional(), 'dry-run': z.boolean().optional() }),
  })
  .transform((a) => ({
    action: (a.positionals[0]?.toLowerCase() ?? 'now') as string,
    channel: a.flags.channel,
    dryRun: a.flags['dry-run'] ?? false,
  }))
  .refine((a) => ['on', 'off', 'now', 'status'].includes(a.action), 'args.digestAction');

function channelOf(ctx: CommandContext, flag: string | undefined): string {
  const channel = ctx.surface === 'slack' ? ctx.channelId : flag;
  if (!channel) throw invalidArguments('args.digestChannel');
  return channel;
}

/**
 * `digest now` from a channel runs at most once per cooldown: each run reads every failing finding
 * of the channel's accounts. The last run's start is in the store, so this holds across restarts
 * and replicas (the scheduled run counts too).
 */
async function refuseWithinCooldown(services: DigestServices, channelId: string, minutes: number) {
  const last = await services.store.lastDigest(channelId);
  if (!last || minutes <= 0) return;
  const nextAllowed = Date.parse(last.startedAt) + minutes * 60_000;
  const now = (services.now ?? Date.now)();
  if (now < nextAllowed) {
    const at = new Date(nextAllowed).toISOString();
    throw new AppError('digest_cooldown', `digest of ${channelId} ran at ${last.startedAt}`, {
      params: { minutes, at: `${at.slice(0, 10)} ${at.slice(11, 16)} UTC` },
    });
  }
}

export const digest = defineSubcommand({
  name: 'digest',
  flags: { channel: 'string', 'dry-run': 'boolean' },
  args: Args,
  async run(args, ctx) {
    const config = await ctx.services.config();
    const channelId = channelOf(ctx, args.channel);
    const channel = findChannel(config, channelId);
    if (!channel) {
      throw new AppError('channel_not_configured', `channel ${channelId} has no accounts`, {
        params: { channel: channelId },
      });
    }
    const services = await ctx.services.digest?.();
    if (!services) throw invalidArguments('digest.noPoster');
    if (args.action === 'on' || args.action === 'off') {
      if (services.mayManage && !(await services.mayManage(ctx.userId ?? ''))) {
        throw new AppError('not_allowed', `${ctx.userId} may not switch the digest of ${channelId}`, {
          params: { reason: 'digest.managers' },
        });
      }
      await services.store.setDigestEnabled(channelId, args.action === 'on');
      const doc = perLanguage(ctx, (t) => [
        text([
          t(`digest.${args.action}`, {
            schedule: channel.digest.schedule,
            timezone: channel.digest.timezone,
          }),
        ]),
      ]);
      return { doc, json: { channel: channelId, enabled: args.action === 'on' }, visibility: 'channel' };
    }
    if (args.action === 'status') {
      const enabled = (await services.store.digestEnabled(channelId)) ?? channel.digest.enabled;
      const last = await services.store.lastDigest(channelId);
      const next = enabled ? (services.nextRun?.(channelId) ?? null) : null;
      const doc = perLanguage(ctx, (t) => [
        text([
          t('digest.status', {
            state: t(enabled ? 'digest.stateOn' : 'digest.stateOff'),
            next: next ? next.toISOString() : t('digest.never'),
            last: last?.finishedAt ?? t('digest.never'),
          }),
        ]),
      ]);
      return {
        doc,
        json: { channel: channelId, enabled, next, last: last?.finishedAt ?? null },
        visibility: 'private',
      };
    }
    if (ctx.surface === 'slack' && !args.dryRun) {
      await refuseWithinCooldown(services, channelId, config.digest.nowCooldownMinutes);
    }
    const outcome = await runDigest(
      {
        config,
        accounts: await ctx.services.accounts(),
        store: services.store,
        aws: services.aws,
        poster:
          services.poster && digestPoster(services.poster, await liveCatalogOf(ctx, 'current'), ctx.i18n),
        now: services.now,
        lease: services.lease,
        enablement: services.enablement,
        onEnablementError: services.onEnablementError,
      },
      channelId,
      { dryRun: args.dryRun },
    );
    const doc = perLanguage(ctx, (t) => [
      text([
        outcome.status === 'locked' || outcome.status === 'taken-over'
          ? t('digest.locked')
          : outcome.status === 'dry-run'
            ? `${t('digest.dryRun')} ${t('digest.newCount', { count: outcome.run?.summary.newCount ?? 0 })}`
            : t('digest.done', { count: outcome.postedMessages }),
      ]),
    ]);
    return { doc, json: outcome, visibility: 'private' };
  },
});
