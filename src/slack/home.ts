import type { App } from '@slack/bolt';
import type { KnownBlock, ModalView } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { i18n, TFunction } from 'i18next';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import { severities } from '../catalog/schema.ts';
import { chartLabels, renderTrendChart } from '../chart/posture-charts.ts';
import { findChannel } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { type HomeData, homeData } from '../digest/home.ts';
import { itemKey } from '../digest/plan.ts';
import { errorDoc } from '../document/error-doc.ts';
import { AppError, asAppError } from '../errors.ts';
import { type Language, languagesFor } from '../i18n/index.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import type { AccountView, DirectoryAccount } from '../organization/view.ts';
import type { Store } from '../store/store.ts';
import type { ParsedArgv } from '../subcommand/argv.ts';
import { docToBlocks } from './blocks/doc-to-blocks.ts';
import type { Asker } from './dispatch.ts';
import type { LanguageResolver } from './language.ts';
import { escapeMrkdwn, inertFormatting, truncate } from './mrkdwn.ts';

/** A viewer's Home tab is rebuilt at most this often; opening it again sooner shows the last one. */
export const homeRefreshMs = 60_000;
/** Channel membership is read again after this long. */
const membershipTtlMs = 5 * 60_000;
/** Account sections shown before "and N more" (the Home tab takes 100 blocks). */
const accountsShown = 30;

export interface HomeDeps {
  config: Config;
  catalog: Catalog;
  accounts: AccountDirectory;
  store: Store;
  i18n: i18n;
  logger: Logger;
  resolveLanguage: LanguageResolver;
  /** Whether the user may suppress (the suppression policy), checked again at submit. */
  mayModify(userId: string): Promise<boolean>;
  /**
   * Runs `check` for a button as if the asker had typed it in the channel (the command's own checks
   * and limits, one check per user and channel), among the slash commands' work slots.
   */
  runCheck?(asker: Asker, argv: ParsedArgv, label: string): Promise<void>;
  now?: () => number;
}

const Members = z.object({
  members: z.array(z.string()).default([]),
  response_metadata: z.object({ next_cursor: z.string().optional() }).optional(),
});

/**
 * Who is in each configured channel, read with conversations.members and cached; `fresh` reads it
 * again now (an action about to change something in AWS).
 */
export function membership(client: WebClient, now: () => number) {
  const cache = new Map<string, { members: Set<string>; at: number }>();
  /** `maxAgeMs` 0 reads the channel again (an action that is about to act). */
  return async function membersOf(channel: string, maxAgeMs = membershipTtlMs): Promise<Set<string>> {
    const hit = cache.get(channel);
    if (hit && now() - hit.at < maxAgeMs) return hit.members;
    const members = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = Members.parse(await client.conversations.members({ channel, limit: 1000, cursor }));
      for (const m of page.members) members.add(m);
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    cache.set(channel, { members, at: now() });
    return members;
  };
}

/** Only accounts of configured channels the viewer is a member of: never more than a channel shows them. */
export async function visibleAccounts(
  config: Config,
  directory: AccountView,
  viewer: string,
  membersOf: (channel: string) => Promise<Set<string>>,
): Promise<{
  accounts: DirectoryAccount[];
  timeZone: string;
  channels: string[];
  /** The first of the viewer's channels that reports each account. */
  channelOf: Map<string, string>;
}> {
  const seen = new Map<string, DirectoryAccount>();
  const channelOf = new Map<string, string>();
  const channels: string[] = [];
  let timeZone: string | undefined;
  for (const channel of config.channels) {
    let members: Set<string>;
    try {
      members = await membersOf(channel.id);
    } catch {
      continue; // A channel the bot cannot read grants nothing.
    }
    if (!members.has(viewer)) continue;
    timeZone ??= channel.digest.timezone;
    channels.push(channel.id);
    for (const account of directory.forChannel(channel)) {
      seen.set(account.id, account);
      if (!channelOf.has(account.id)) channelOf.set(account.id, channel.id);
    }
  }
  return { accounts: [...seen.values()], timeZone: timeZone ?? 'Asia/Tokyo', channels, channelOf };
}

const count = (t: TFunction, values: Record<string, number>) =>
  severities.map((s) => `${t(`severity.${s}`)} ${values[s] ?? 0}`).join(' · ');

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, 3000) } };
}

/** A button beside a section: Suppress (a check target's key) or Re-check (`<channel>:<account>`). */
function withButton(
  block: KnownBlock,
  button: { text: string; key: string; action?: string } | null,
): KnownBlock {
  if (!button || block.type !== 'section') return block;
  return {
    ...block,
    accessory: {
      type: 'button',
      action_id: button.action ?? 'suppress_open',
      text: { type: 'plain_text', text: button.text },
      value: button.key,
    },
  };
}

/** The Re-check button's value: the channel the check posts to and the account; both checked at the click. */
export const recheckAction = 'home_recheck';
const RecheckValue = z
  .string()
  .regex(/^[A-Z0-9]{1,40}:\d{12}$/)
  .transform((v) => {
    const [channel, account] = v.split(':') as [string, string];
    return { channel, account };
  });

/** The Home tab's blocks in one language; every AWS-derived string is escaped. */
export function homeBlocks(
  data: HomeData,
  t: TFunction,
  lang: Language,
  chartFileId: string | null,
  digestLinks: readonly string[] = [],
  /** Suppress button keys by finding ID, for a viewer allowed to suppress. */
  suppressKeys: ReadonlyMap<string, string> = new Map(),
  /** The viewer's channel that reports each account: where its Re-check posts. */
  recheckChannels: ReadonlyMap<string, string> = new Map(),
): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: t('posture.home.title') } },
    {
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'home_language',
          text: { type: 'plain_text', text: t('posture.home.switchLanguage') },
          value: lang === 'ja' ? 'en' : 'ja',
        },
        // Slack takes 25 elements per actions block.
        ...digestLinks.slice(0, 24).map((url, i) => ({
          type: 'button' as const,
          action_id: `home_digest_${i}`,
          text: { type: 'plain_text' as const, text: t('posture.home.openDigest') },
          url,
        })),
      ],
    },
  ];
  if (data.accounts.length === 0) {
    blocks.push(section(t('posture.home.none')));
    return blocks;
  }
  for (const a of data.accounts.slice(0, accountsShown)) {
    const channel = recheckChannels.get(a.accountId);
    const failing = Object.values(a.failing).reduce((x, y) => x + y, 0);
    blocks.push(
      withButton(
        section(
          [
            `*${escapeMrkdwn(a.name)}* (${escapeMrkdwn(a.accountId)})`,
            `${t('posture.home.failing')} ${count(t, a.failing)}`,
            `${t('posture.home.overdue')} ${count(t, a.overdue)}`,
          ].join('\n'),
        ),
        channel && failing > 0
          ? { text: t('posture.home.recheck'), key: `${channel}:${a.accountId}`, action: recheckAction }
          : null,
      ),
    );
  }
  if (data.accounts.length > accountsShown)
    blocks.push(section(t('check.more', { count: data.accounts.length - accountsShown })));
  if (chartFileId) {
    blocks.push({
      type: 'image',
      slack_file: { id: chartFileId },
      alt_text: t('posture.chart.trendTitle'),
    } as KnownBlock);
  }
  blocks.push({ type: 'header', text: { type: 'plain_text', text: t('posture.home.oldest') } });
  if (data.oldest.length === 0) blocks.push(section(t('posture.home.noneOpen')));
  for (const f of data.oldest) {
    const over =
      f.standing.daysOver > 0 ? ` · *${t('posture.daysOver', { count: f.standing.daysOver })}*` : '';
    const key = suppressKeys.get(f.findingId);
    const resource = f.resourceId
      ? ` \`${escapeMrkdwn(inertFormatting(truncate(f.resourceId, 200), '`'))}\``
      : '';
    blocks.push(
      withButton(
        section(
          `\`${escapeMrkdwn(f.controlId)}\`${resource} ${escapeMrkdwn(f.accountId)} ${escapeMrkdwn(f.region)} · ${t(`severity.${f.severity}`, { defaultValue: escapeMrkdwn(f.severity) })} · ${t('posture.home.age', { count: f.standing.ageDays })}${over}`,
        ),
        key ? { text: t('digest.suppress'), key } : null,
      ),
    );
  }
  if (data.expiring.length > 0) {
    blocks.push({ type: 'header', text: { type: 'plain_text', text: t('posture.home.expiring') } });
    for (const s of data.expiring.slice(0, 10)) {
      blocks.push(
        section(
          `#${s.id} \`${escapeMrkdwn(s.controlId)}\` ${escapeMrkdwn(s.accountId)} ${escapeMrkdwn(s.region)} · ${t('digest.until', { date: s.expiresAt.slice(0, 10) })}`,
        ),
      );
    }
  }
  return blocks;
}

/** A small modal that tells the viewer what a Home tab button did. */
function noticeModal(close: string, blocks: KnownBlock[]): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'FSBP' },
    close: { type: 'plain_text', text: truncate(close, 24) },
    blocks: blocks.slice(0, 100),
  };
}

export function registerHome(app: App, deps: HomeDeps) {
  const now = deps.now ?? Date.now;
  const membersOf = membership(app.client, now);
  const lastPublished = new Map<string, number>();

  async function publish(client: WebClient, viewer: string, force = false): Promise<void> {
    const last = lastPublished.get(viewer);
    if (!force && last !== undefined && now() - last < homeRefreshMs) return;
    lastPublished.set(viewer, now());
    const lang = languagesFor(await deps.resolveLanguage(viewer))[0] ?? 'ja';
    const t = deps.i18n.getFixedT(lang);
    const { accounts, timeZone, channels, channelOf } = await visibleAccounts(
      deps.config,
      await deps.accounts.view(),
      viewer,
      membersOf,
    );
    const data = await homeData(deps.store, { accounts, viewer, sla: deps.config.sla, timeZone, now: now() });
    let chartFileId: string | null = null;
    if (data.trend.some((p) => severities.some((s) => p.failing[s] > 0))) {
      const chart = await renderTrendChart(data.trend, chartLabels(t, 'trend'));
      const uploaded = await client.filesUploadV2({
        file: chart.png,
        filename: 'fsbp-trend.png',
        title: t('posture.chart.trendTitle'),
      });
      const files = (uploaded as { files?: { files?: { id?: string }[] }[] }).files;
      chartFileId = files?.[0]?.files?.[0]?.id ?? null;
    }
    const links = await digestLinks(client, channels);
    const suppressKeys = (await deps.mayModify(viewer))
      ? await recordTargets(data, viewer, channelOf)
      : new Map();
    await client.views.publish({
      user_id: viewer,
      view: {
        type: 'home',
        blocks: homeBlocks(
          data,
          t,
          lang,
          chartFileId,
          links,
          suppressKeys,
          deps.runCheck ? channelOf : new Map(),
        ),
      },
    });
  }

  /**
   * Check targets behind the Suppress buttons: the failure, its resource and the viewer's channel
   * that reports the account (the submit checks the policy and the channel's accounts again).
   */
  async function recordTargets(
    data: HomeData,
    viewer: string,
    channelOf: ReadonlyMap<string, string>,
  ): Promise<Map<string, string>> {
    const createdAt = new Date(now()).toISOString();
    const targets = data.oldest.flatMap((f) => {
      const channel = channelOf.get(f.accountId);
      if (!channel || !f.resourceId) return [];
      return [
        {
          key: itemKey(channel, `home:${viewer}:${createdAt}`, f.findingId),
          controlId: f.controlId,
          accountId: f.accountId,
          region: f.region,
          findingIds: [f.findingId],
          resources: [f.resourceId],
          channel,
          createdAt,
        },
      ];
    });
    await deps.store.recordCheckTargets(targets);
    return new Map(targets.map((target) => [target.findingIds[0] as string, target.key]));
  }

  /** Permalinks of the latest digest thread of each channel the viewer is in. */
  async function digestLinks(client: WebClient, channels: readonly string[]): Promise<string[]> {
    const links: string[] = [];
    for (const channel of channels) {
      const last = await deps.store.lastDigest(channel);
      if (!last?.parentTs) continue;
      const permalink = await client.chat
        .getPermalink({ channel, message_ts: last.parentTs })
        .catch(() => null);
      if (typeof permalink?.permalink === 'string') links.push(permalink.permalink);
    }
    return links;
  }

  const run = (client: WebClient, viewer: string, force = false) => {
    // Never awaited by the listener: the event is acknowledged at once, the Home tab follows.
    publish(client, viewer, force).catch((error: unknown) => {
      lastPublished.delete(viewer);
      deps.logger.warn({ err: error, user: viewer }, 'App Home publish failed');
    });
  };

  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    run(client, event.user);
  });

  // Link buttons still send an action; acknowledge it.
  app.action(/^home_digest_\d+$/, async ({ ack }) => {
    await ack();
  });

  /** Failing, unsuppressed controls of one account as the history has them now (known controls only). */
  async function failingControls(accountId: string): Promise<string[]> {
    const [open, active] = await Promise.all([
      deps.store.openFailures([accountId]),
      deps.store.listSuppressions({ states: ['active', 'partial'], accountIds: [accountId] }),
    ]);
    const suppressed = new Set(active.flatMap((s) => s.updated));
    const ids = open
      .filter((f) => !suppressed.has(f.findingId))
      .flatMap((f) => deps.catalog.find(f.controlId)?.id ?? []);
    return [...new Set(ids)].sort();
  }

  /**
   * What a Re-check click may do, decided now: the channel is configured, the account is still one of
   * its accounts, and the viewer is a member of it (read again, not from the cache).
   */
  async function recheckTarget(viewer: string, value: unknown) {
    const parsed = RecheckValue.safeParse(value);
    const channel = parsed.success ? findChannel(deps.config, parsed.data.channel) : undefined;
    const account =
      channel && parsed.success
        ? (await deps.accounts.view()).forChannel(channel).find((a) => a.id === parsed.data.account)
        : undefined;
    const members =
      channel && account ? await membersOf(channel.id, 0).catch(() => new Set<string>()) : new Set<string>();
    if (!channel || !account || !members.has(viewer)) {
      throw new AppError('recheck_refused', `re-check ${String(value).slice(0, 80)} refused for ${viewer}`);
    }
    const controls = await failingControls(account.id);
    const name = account.name ?? account.id;
    if (controls.length === 0) {
      throw new AppError('nothing_to_recheck', `no failing controls recorded for ${account.id}`, {
        params: { account: name },
      });
    }
    return { channel: channel.id, account, name, controls };
  }

  // Re-check an account's failing controls: `check` in the account's channel, as if typed there.
  app.action(recheckAction, async ({ ack, body, action, client }) => {
    await ack();
    if (body.type !== 'block_actions' || !deps.runCheck) return;
    const viewer = body.user.id;
    const langs = languagesFor(await deps.resolveLanguage(viewer));
    const say = (key: string, params: Record<string, unknown> = {}) =>
      langs.map((l) => deps.i18n.getFixedT(l)(key, params));
    // One notice in a modal while Slack's trigger lasts (3 seconds); later ones privately in the channel.
    let triggerUsed = false;
    const tell = async (blocks: KnownBlock[], text: string, channel: string | null) => {
      if (!triggerUsed) {
        triggerUsed = true;
        const view = noticeModal(say('suppress.close').join(' / '), blocks);
        const opened = await client.views.open({ trigger_id: body.trigger_id, view }).then(
          () => true,
          (error: unknown) => {
            deps.logger.warn({ err: error }, 'views.open of a re-check notice failed');
            return false;
          },
        );
        if (opened || !channel) return;
      }
      if (!channel) return;
      await client.chat
        .postEphemeral({ channel, user: viewer, text, blocks })
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'ephemeral re-check notice failed'));
    };
    let target: Awaited<ReturnType<typeof recheckTarget>>;
    try {
      target = await recheckTarget(viewer, 'value' in action ? action.value : undefined);
    } catch (error) {
      const appError = asAppError(error);
      const level = appError.code === 'recheck_refused' ? 'warn' : 'info';
      deps.logger[level]({ err: appError, code: appError.code, user: viewer }, 'Home re-check refused');
      const blocks = docToBlocks(errorDoc(appError, deps.i18n));
      await tell(blocks, appError.code, null);
      return;
    }
    const { channel, account, name, controls } = target;
    const asker: Asker = {
      userId: viewer,
      channelId: channel,
      client,
      async respond(m) {
        // "In the channel" only when the placeholder could not be posted: try the channel once more.
        if (m.response_type === 'in_channel')
          await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks });
        else await tell(m.blocks, m.text, channel);
      },
      started(ts) {
        void client.chat
          .getPermalink({ channel, message_ts: ts })
          .then(
            (p) => p.permalink ?? null,
            () => null,
          )
          .then((link) => {
            const lines = say('posture.home.recheckStarted', { account: name, count: controls.length });
            const open = link
              ? ` · <${link}|${escapeMrkdwn(say('posture.home.recheckOpen').join(' / '))}>`
              : '';
            const text = `${lines.map(escapeMrkdwn).join('\n')}\n<#${channel}>${open}`;
            return tell([section(text)], lines.join('\n'), channel);
          });
      },
    };
    await deps.runCheck(
      asker,
      { positionals: controls, flags: { account: [account.id] } },
      `${controls.join(' ')} --account ${name}`,
    );
  });

  app.action('home_language', async ({ ack, body, action, client }) => {
    await ack();
    const choice = z.enum(['ja', 'en']).safeParse((action as { value?: unknown }).value);
    if (!choice.success) return;
    await deps.store.setUserLanguage(body.user.id, choice.data);
    run(client, body.user.id, true);
  });
}
