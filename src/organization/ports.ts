/**
 * What discovery needs from AWS, in domain terms; `src/aws/organization.ts` implements it with the
 * SDK. Every method reads all pages at the API's largest page size.
 */
import type { FindingAggregation } from './regions.ts';
import type { DiscoveredAccount } from './snapshot.ts';

/** Told of every AWS call a discovery makes, by operation name (the benchmark counts them). */
export type CallCounter = (operation: string) => void;

export interface OrganizationTree {
  /** ACTIVE accounts only, each with its OU path and tags. */
  accounts: DiscoveredAccount[];
  ouNames: Record<string, string>;
}

export interface OrganizationReader {
  /** The administrator's Security Hub CSPM members whose status is Enabled (ListMembers, OnlyAssociated). */
  securityHubMembers(count: CallCounter): Promise<string[]>;
  /** The organization's accounts, OUs and tags (ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent, ListTagsForResource). */
  organizationTree(count: CallCounter): Promise<OrganizationTree>;
  /** The finding aggregator of the home Region (ListFindingAggregators, GetFindingAggregator); null when none. */
  findingAggregation(count: CallCounter): Promise<FindingAggregation | null>;
}
