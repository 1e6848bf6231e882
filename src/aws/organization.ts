import {
  type Account,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationalUnit,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  GetFindingAggregatorCommand,
  ListFindingAggregatorsCommand,
  ListMembersCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import pLimit from 'p-limit';
import type { CallCounter, OrganizationReader, OrganizationTree } from '../organization/ports.ts';
import { type FindingAggregation, regionLinkingModes } from '../organization/regions.ts';
import type { DiscoveredAccount } from '../organization/snapshot.ts';
import type { AwsCaller } from './errors.ts';

/** The largest pages the APIs give: Organizations 20, ListMembers 50, ListFindingAggregators 100. */
export const organizationsPageSize = 20;
export const membersPageSize = 50;
export const aggregatorsPageSize = 100;

/** Organizations answers only a few requests per second; tag reads beyond this wait their turn. */
const organizationsConcurrency = 4;

export interface OrganizationReaderOptions {
  /** The administrator's Security Hub CSPM client in the home Region. */
  securityHub: Pick<SecurityHubClient, 'send'>;
  /** Organizations, in its partition's global Region, as the management account or its delegate. */
  organizations: OrganizationsClient;
  adminAccountId: string;
  homeRegion: string;
  /** The Organizations role's account (the management account or a delegated administrator). */
  organizationsAccountId: string;
  /** Where the Organizations client signs (its partition's global Region). */
  organizationsRegion: string;
  call: AwsCaller;
}

/** Reads every page of a NextToken-paged call. */
async function allPages<T>(
  page: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>,
) {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    items.push(...result.items);
    token = result.next;
  } while (token);
  return items;
}

/** `State` replaces `Status` (retired in 2026); either says ACTIVE for a usable account. */
function isActive(account: Account): boolean {
  return (account.State ?? account.Status) === 'ACTIVE';
}

const modes: readonly string[] = regionLinkingModes;

export function createOrganizationReader(options: OrganizationReaderOptions): OrganizationReader {
  const { securityHub, organizations, call } = options;
  const hub = (operation: string) => ({
    operation,
    accountId: options.adminAccountId,
    region: options.homeRegion,
  });
  const org = (operation: string) => ({
    operation,
    accountId: options.organizationsAccountId,
    region: options.organizationsRegion,
  });
  const limit = pLimit(organizationsConcurrency);

  return {
    async securityHubMembers(count: CallCounter) {
      const members = await allPages(async (token) => {
        count('ListMembers');
        const page = await call(hub('ListMembers'), () =>
          securityHub.send(
            new ListMembersCommand({ OnlyAssociated: true, MaxResults: membersPageSize, NextToken: token }),
          ),
        );
        return { items: page.Members ?? [], next: page.NextToken };
      });
      return members
        .filter((m) => m.AccountId && m.MemberStatus?.toUpperCase() === 'ENABLED')
        .map((m) => m.AccountId as string);
    },

    async organizationTree(count: CallCounter): Promise<OrganizationTree> {
      const orgCall = <T>(operation: string, fn: () => Promise<T>) =>
        limit(() => {
          count(operation);
          return call(org(operation), fn);
        });
      const roots = await allPages(async (token) => {
        const page = await orgCall('ListRoots', () =>
          organizations.send(new ListRootsCommand({ MaxResults: organizationsPageSize, NextToken: token })),
        );
        return { items: page.Roots ?? [], next: page.NextToken };
      });
      const ouNames: Record<string, string> = {};
      const found: Omit<DiscoveredAccount, 'tags'>[] = [];
      // Each parent: its child OUs and its accounts, both at once; children the same way, in parallel.
      async function walk(parentId: string, path: string[]): Promise<void> {
        const [ous, accounts] = await Promise.all([
          allPages<OrganizationalUnit>(async (token) => {
            const page = await orgCall('ListOrganizationalUnitsForParent', () =>
              organizations.send(
                new ListOrganizationalUnitsForParentCommand({
                  ParentId: parentId,
                  MaxResults: organizationsPageSize,
                  NextToken: token,
                }),
              ),
            );
            return { items: page.OrganizationalUnits ?? [], next: page.NextToken };
          }),
          allPages<Account>(async (token) => {
            const page = await orgCall('ListAccountsForParent', () =>
              organizations.send(
                new ListAccountsForParentCommand({
                  ParentId: parentId,
                  MaxResults: organizationsPageSize,
                  NextToken: token,
                }),
              ),
            );
            return { items: page.Accounts ?? [], next: page.NextToken };
          }),
        ]);
        for (const account of accounts) {
          if (!account.Id || !/^\d{12}$/.test(account.Id) || !isActive(account)) continue;
          found.push({ id: account.Id, name: account.Name?.slice(0, 256) ?? null, ous: path });
        }
        await Promise.all(
          ous.flatMap((ou) => {
            if (!ou.Id) return [];
            ouNames[ou.Id] = (ou.Name ?? ou.Id).slice(0, 128);
            return [walk(ou.Id, [...path, ou.Id])];
          }),
        );
      }
      await Promise.all(roots.flatMap((root) => (root.Id ? [walk(root.Id, [])] : [])));
      const accounts = await Promise.all(
        found.map(async (account): Promise<DiscoveredAccount> => {
          const tags = await allPages(async (token) => {
            const page = await orgCall('ListTagsForResource', () =>
              organizations.send(
                new ListTagsForResourceCommand({ ResourceId: account.id, NextToken: token }),
              ),
            );
            return { items: page.Tags ?? [], next: page.NextToken };
          });
          return {
            ...account,
            tags: Object.fromEntries(
              tags.flatMap((t) =>
                t.Key !== undefined ? [[t.Key.slice(0, 128), (t.Value ?? '').slice(0, 256)]] : [],
              ),
            ),
          };
        }),
      );
      return { accounts, ouNames };
    },

    async findingAggregation(count: CallCounter): Promise<FindingAggregation | null> {
      count('ListFindingAggregators');
      const listed = await call(hub('ListFindingAggregators'), () =>
        securityHub.send(new ListFindingAggregatorsCommand({ MaxResults: aggregatorsPageSize })),
      );
      // One aggregator per account at most: the first page says whether there is one.
      const arn = listed.FindingAggregators?.[0]?.FindingAggregatorArn;
      if (!arn) return null;
      count('GetFindingAggregator');
      const aggregator = await call(hub('GetFindingAggregator'), () =>
        securityHub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn })),
      );
      // Aggregated elsewhere: the home Region holds only its own findings (doctor says so).
      if (aggregator.FindingAggregationRegion && aggregator.FindingAggregationRegion !== options.homeRegion) {
        return null;
      }
      const mode = aggregator.RegionLinkingMode ?? '';
      // An unknown linking mode reads the home Region only: never a Region nobody linked.
      if (!modes.includes(mode)) return { mode: 'NO_REGIONS', regions: [] };
      return {
        mode: mode as FindingAggregation['mode'],
        regions: (aggregator.Regions ?? []).filter((r) => /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/.test(r)),
      };
    },
  };
}
