import { partitionOf } from '../aws/regions.ts';
import type { AccountConfig, ChannelConfig, Config, OrganizationConfig } from '../config/schema.ts';
import type { AccountRef } from '../engine/ports.ts';
import { linkedRegions } from './regions.ts';
import { type DirectoryMode, type Routing, route, type Selectable, select } from './selectors.ts';
import type { DiscoverySnapshot } from './snapshot.ts';

/**
 * An account as every part of the bot sees it: today's `AccountConfig` (role, external ID, Regions)
 * plus what organization mode routes by. In per-account mode it is the config's entry as written.
 */
export interface DirectoryAccount extends Selectable {
  id: string;
  name?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
  regions: string[];
  ous: string[];
  tags: Record<string, string>;
  /** `config`: listed under `accounts` (it keeps what it says there); `discovered`: found by discovery only. */
  source: 'config' | 'discovered';
}

/** Organization mode: where findings are read and what discovery last found. */
export interface OrganizationView {
  /** The delegated administrator, as the AWS adapter takes an account (role omitted when the bot runs there). */
  adminAccount: AccountRef;
  homeRegion: string;
  /** The home Region and the Regions linked to it, narrowed by `organization.regions`. */
  regions: string[];
  source: 'securityhub' | 'organizations';
  /** When the accounts were discovered; null until a discovery succeeded. */
  discoveredAt: string | null;
}

/**
 * The accounts at one moment and how channels route to them. Built from the config (per-account
 * mode) or from the config and the last discovery (organization mode); cheap to query.
 */
export interface AccountView {
  readonly mode: DirectoryMode;
  readonly organization: OrganizationView | null;
  /** Every account, config accounts first in config order, then discovered ones by name. */
  all(): readonly DirectoryAccount[];
  /** An account by ID or name (the first of that name). */
  find(ref: string): DirectoryAccount | undefined;
  /** The accounts a channel reports and may act on. */
  forChannel(channel: ChannelConfig): DirectoryAccount[];
  /** The same with the selectors each matched, the excluded ones and the selectors that matched nothing. */
  routing(channel: ChannelConfig): Routing<DirectoryAccount>;
  /** What one selector picks out of `within` (per-account mode: only an ID or a name). */
  select(selector: string, within: readonly DirectoryAccount[]): DirectoryAccount[];
  /** The configured channels that route this account, in config order. */
  channelsOf(accountId: string): string[];
  /** An OU's name as discovery saw it. */
  ouName(id: string): string | undefined;
}

/** How the bot reaches a member account of the organization: `memberRole` in that account. */
export function memberRoleOf(
  org: OrganizationConfig,
  accountId: string,
): { roleArn: string; externalId?: string } {
  return {
    roleArn: `arn:${partitionOf(org.homeRegion)}:iam::${accountId}:role/${org.memberRole.name}`,
    ...(org.memberRole.externalId ? { externalId: org.memberRole.externalId } : {}),
  };
}

function fromConfig(account: AccountConfig): DirectoryAccount {
  return { ...account, regions: [...account.regions], ous: [], tags: {}, source: 'config' };
}

function byName(a: DirectoryAccount, b: DirectoryAccount): number {
  return (a.name ?? a.id).localeCompare(b.name ?? b.id, 'en') || a.id.localeCompare(b.id);
}

function organizationAccounts(config: Config, snapshot: DiscoverySnapshot | null): DirectoryAccount[] {
  const org = config.organization;
  if (!org) return config.accounts.map(fromConfig);
  const listed = new Map(config.accounts.map((a) => [a.id, a]));
  const regions = linkedRegions(org.homeRegion, snapshot?.aggregation ?? null, org.regions);
  const discovered: DirectoryAccount[] = [];
  const fromList: DirectoryAccount[] = [];
  for (const found of snapshot?.accounts ?? []) {
    const own = listed.get(found.id);
    // An account listed under `accounts` keeps its name, role and Regions; discovery adds OUs and tags.
    // Listed without a role of its own it is still a member, reached through `memberRole`: the bot's
    // own credentials would read the bot's account and show it under this one's name.
    if (own) {
      fromList.push({
        ...fromConfig(own),
        ...(own.roleArn ? {} : memberRoleOf(org, found.id)),
        name: own.name ?? found.name ?? undefined,
        ous: found.ous,
        tags: found.tags,
      });
      continue;
    }
    discovered.push({
      id: found.id,
      ...(found.name ? { name: found.name } : {}),
      ...memberRoleOf(org, found.id),
      regions: [...regions],
      ous: found.ous,
      tags: found.tags,
      source: 'discovered',
    });
  }
  const seen = new Set(fromList.map((a) => a.id));
  // Listed accounts discovery did not find (outside the organization) are used as written.
  const outside = config.accounts.filter((a) => !seen.has(a.id)).map(fromConfig);
  const order = new Map(config.accounts.map((a, i) => [a.id, i]));
  const configured = [...fromList, ...outside].sort(
    (a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
  );
  return [...configured, ...discovered.sort(byName)];
}

/** The view of `config` and (organization mode) the last discovery, or none yet. */
export function buildAccountView(config: Config, snapshot: DiscoverySnapshot | null): AccountView {
  const mode: DirectoryMode = config.organization ? 'organization' : 'accounts';
  const accounts = organizationAccounts(config, snapshot);
  const org = config.organization;
  const organization: OrganizationView | null = org
    ? {
        adminAccount: {
          id: org.adminAccount.id,
          ...(org.adminAccount.roleArn ? { roleArn: org.adminAccount.roleArn } : {}),
          ...(org.adminAccount.externalId ? { externalId: org.adminAccount.externalId } : {}),
        },
        homeRegion: org.homeRegion,
        regions: linkedRegions(org.homeRegion, snapshot?.aggregation ?? null, org.regions),
        source: org.discover.source,
        discoveredAt: snapshot?.discoveredAt ?? null,
      }
    : null;
  const routings = new Map<string, Routing<DirectoryAccount>>();
  const routingOf = (channel: ChannelConfig) => {
    let known = routings.get(channel.id);
    if (!known || !config.channels.includes(channel)) {
      known = route(accounts, channel.accounts, channel.exclude, mode);
      if (config.channels.includes(channel)) routings.set(channel.id, known);
    }
    return known;
  };
  let channelIndex: Map<string, string[]> | undefined;
  return {
    mode,
    organization,
    all: () => accounts,
    find: (ref) => accounts.find((a) => a.id === ref) ?? accounts.find((a) => a.name === ref),
    forChannel: (channel) => routingOf(channel).routes.map((r) => r.account),
    routing: routingOf,
    select: (selector, within) => select(within, selector, mode),
    channelsOf(accountId) {
      if (!channelIndex) {
        const index = new Map<string, string[]>();
        for (const channel of config.channels) {
          for (const { account } of routingOf(channel).routes) {
            index.set(account.id, [...(index.get(account.id) ?? []), channel.id]);
          }
        }
        channelIndex = index;
      }
      return channelIndex.get(accountId) ?? [];
    },
    ouName: (id) => (snapshot && Object.hasOwn(snapshot.ouNames, id) ? snapshot.ouNames[id] : undefined),
  };
}
