import type { TFunction } from 'i18next';
import { z } from 'zod';
import { findChannel } from '../src/config/load.ts';
import type { ChannelConfig, Config } from '../src/config/schema.ts';
import { bold, type Doc, heading, type Line, note, text } from '../src/document/doc.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import type { RefreshOutcome } from '../src/organization/directory.ts';
import { parseSelector } from '../src/organization/selectors.ts';
import type { AccountView, DirectoryAccount } from '../src/organization/view.ts';
import { type CommandContext, defineSubcommand, perLanguage } from '../src/subcommand/define.ts';

const Args = z.object({
  positionals: z.array(z.string()).max(0, 'args.accountsUsage'),
  flags: z.object({ channel: z.string().optional(), refresh: z.boolean().optional() }),
});

/** Slack shows this many accounts per channel; the terminal shows all. */
const slackShown = 50;

interface RoutedAccount {
  id: string;
  name: string | null;
  regions: string[];
  /** The channel's selectors that matched the account. */
  matchedBy: string[];
}

interface ChannelAccounts {
  channel: string;
  accounts: RoutedAccount[];
  /** Matched and then taken out by `exclude` (terminal only: in Slack they are not the channel's). */
  excluded?: { id: string; name: string | null; excludedBy: string[] }[];
  /** The channel's selectors that matched no account. */
  unmatched: string[];
}

/** The channels to show: in Slack only the one asking; in the terminal one or all. */
function channelsShown(ctx: CommandContext, config: Config, asked: string | undefined): ChannelConfig[] {
  if (ctx.surface === 'slack') {
    if (!ctx.channel) {
      throw new AppError('channel_not_configured', `channel ${ctx.channelId} has no accounts`, {
        params: { channel: ctx.channelId ?? '?' },
      });
    }
    // Another channel's accounts are never shown here, whatever was asked.
    if (asked !== undefined && asked !== ctx.channel.id) throw invalidArguments('args.accountsOwnChannel');
    return [ctx.channel];
  }
  if (asked === undefined) return [...config.channels];
  const channel = findChannel(config, asked);
  if (!channel) throw invalidArguments('posture.report.unknownChannel', { channel: asked.slice(0, 32) });
  return [channel];
}

function routed(view: AccountView, channel: ChannelConfig, withExcluded: boolean): ChannelAccounts {
  const routing = view.routing(channel);
  const name = (a: DirectoryAccount) => a.name ?? null;
  return {
    channel: channel.id,
    accounts: routing.routes.map(({ account, matchedBy }) => ({
      id: account.id,
      name: name(account),
      regions: [...account.regions],
      matchedBy,
    })),
    ...(withExcluded
      ? {
          excluded: routing.excluded.map(({ account, excludedBy }) => ({
            id: account.id,
            name: name(account),
            excludedBy,
          })),
        }
      : {}),
    unmatched: routing.unmatched,
  };
}

/** `ou-abcd-12345678 (Payments)`: an OU selector with the OU's name as discovery saw it. */
function selectorText(view: AccountView, selector: string): string {
  const ouName = parseSelector(selector).kind === 'ou' ? view.ouName(selector) : undefined;
  return ouName ? `${selector} (${ouName})` : selector;
}

function accountLine(t: TFunction, view: AccountView, account: RoutedAccount): Line {
  return [
    bold(account.name ?? account.id),
    account.name ? ` (${account.id})` : '',
    ` · ${account.regions.join(', ')} · `,
    t('accounts.matchedBy', { selectors: account.matchedBy.map((s) => selectorText(view, s)).join(', ') }),
  ];
}

function renderChannel(
  t: TFunction,
  view: AccountView,
  shown: ChannelAccounts,
  ctx: CommandContext,
): Doc[number][] {
  const blocks: Doc[number][] = [
    heading(
      ctx.surface === 'slack'
        ? t('accounts.headingHere', { count: shown.accounts.length })
        : t('accounts.heading', { channel: shown.channel, count: shown.accounts.length }),
    ),
  ];
  const limit = ctx.surface === 'slack' ? slackShown : Number.POSITIVE_INFINITY;
  const lines = shown.accounts.slice(0, limit).map((a) => accountLine(t, view, a));
  if (shown.accounts.length > lines.length) {
    lines.push([t('accounts.more', { count: shown.accounts.length - lines.length })]);
  }
  blocks.push(text(...(lines.length > 0 ? lines : [[t('accounts.none')]])));
  const notes: Line[] = [];
  for (const e of shown.excluded ?? []) {
    notes.push([
      t('accounts.excluded', {
        account: e.name ? `${e.name} (${e.id})` : e.id,
        selectors: e.excludedBy.map((s) => selectorText(view, s)).join(', '),
      }),
    ]);
  }
  if (shown.unmatched.length > 0) {
    notes.push([t('accounts.unmatched', { selectors: shown.unmatched.join(', ') })]);
  }
  if (notes.length > 0) blocks.push(note(...notes));
  return blocks;
}

function sourceLine(t: TFunction, view: AccountView, refreshed: RefreshOutcome | null): Line[] {
  const org = view.organization;
  const lines: Line[] = [];
  if (refreshed?.status === 'busy') lines.push([t('accounts.refreshBusy')]);
  if (refreshed?.status === 'static') lines.push([t('accounts.refreshStatic')]);
  if (!org) {
    lines.push([t('accounts.fromConfig', { count: view.all().length })]);
    return lines;
  }
  lines.push([
    t(org.source === 'organizations' ? 'accounts.fromOrganizations' : 'accounts.fromSecurityHub', {
      count: view.all().length,
      at: org.discoveredAt ? `${org.discoveredAt.slice(0, 10)} ${org.discoveredAt.slice(11, 16)} UTC` : '-',
      home: org.homeRegion,
      regions: org.regions.join(', '),
    }),
  ]);
  if (refreshed?.status === 'discovered') {
    const calls = Object.values(refreshed.calls).reduce((sum, n) => sum + n, 0);
    lines.push([t('accounts.refreshed', { calls })]);
  }
  return lines;
}

/**
 * `fsbp accounts`: the accounts each channel gets and why (the selector that matched). In Slack, the
 * channel's own only; the terminal may rediscover the organization first (`--refresh`).
 */
export const accounts = defineSubcommand({
  name: 'accounts',
  flags: { channel: 'string', refresh: 'boolean' },
  args: Args,
  async run(args, ctx) {
    if (args.flags.refresh && ctx.surface === 'slack') throw invalidArguments('args.accountsRefreshCli');
    const config = await ctx.services.config();
    const channels = channelsShown(ctx, config, args.flags.channel);
    const directory = await ctx.services.accounts();
    const refreshed = args.flags.refresh ? await directory.refresh() : null;
    const view = refreshed?.status === 'discovered' ? refreshed.view : await directory.view();
    const terminal = ctx.surface !== 'slack';
    const shown = channels.map((c) => routed(view, c, terminal));
    const everyChannel = terminal && args.flags.channel === undefined;
    const routedIds = new Set(shown.flatMap((c) => c.accounts.map((a) => a.id)));
    // The terminal also lists what no channel gets: an account a selector should have caught.
    const unrouted = everyChannel
      ? view
          .all()
          .filter((a) => !routedIds.has(a.id))
          .map((a) => ({ id: a.id, name: a.name ?? null }))
      : [];
    const json = {
      mode: view.mode,
      organization: view.organization
        ? {
            source: view.organization.source,
            homeRegion: view.organization.homeRegion,
            regions: view.organization.regions,
            discoveredAt: view.organization.discoveredAt,
          }
        : null,
      ...(refreshed ? { refresh: { status: refreshed.status, calls: refreshed.calls } } : {}),
      channels: shown,
      ...(everyChannel ? { unrouted } : {}),
    };
    const doc = perLanguage(ctx, (t) => {
      const blocks: Doc[number][] = [text(...sourceLine(t, view, refreshed))];
      for (const channel of shown) blocks.push(...renderChannel(t, view, channel, ctx));
      if (unrouted.length > 0) {
        blocks.push(
          note([
            t('accounts.unrouted', {
              count: unrouted.length,
              accounts: unrouted.map((a) => (a.name ? `${a.name} (${a.id})` : a.id)).join(', '),
            }),
          ]),
        );
      }
      return blocks;
    });
    return { doc, json, visibility: 'private' };
  },
});
