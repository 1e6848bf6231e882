// Security Hub CSPM administrator and cross-Region aggregation: who sees (and may update) which
// account's findings from where, and the administrator's own operations (ListMembers,
// ListFindingAggregators, GetFindingAggregator).
import { createHash } from 'node:crypto';
import { AwsError, shInvalidInput } from './errors.ts';
import type { SecurityHubAdminState } from './org-state.ts';
import { pageOf, requestHash } from './paging.ts';
import type { NormalizedState, RegionState } from './state.ts';

type Json = Record<string, unknown>;

/** One account's findings in one Region, as GetFindings may return them to a caller. */
export interface FindingSource {
  accountId: string;
  region: string;
  regionState: RegionState;
}

/** ENABLED is the API's word; AWS's own CLI example says ASSOCIATED. Both count as associated. */
const associated = (status: string) => ['ENABLED', 'ASSOCIATED'].includes(status.toUpperCase());

function adminOf(state: NormalizedState): SecurityHubAdminState | undefined {
  return state.securityHubAdmin;
}

/** Accounts whose findings the caller reads: its own, and an administrator's associated members. */
function readableAccounts(state: NormalizedState, accountId: string): string[] {
  const admin = adminOf(state);
  if (admin?.administratorAccountId !== accountId) return [accountId];
  const members = admin.members.filter((m) => associated(m.MemberStatus)).map((m) => m.AccountId);
  return [accountId, ...members.filter((m) => m !== accountId)];
}

/** Whether the caller takes part in the administrator's aggregation (the administrator or a member). */
function inAggregation(state: NormalizedState, accountId: string): boolean {
  const admin = adminOf(state);
  if (!admin?.findingAggregator) return false;
  return (
    admin.administratorAccountId === accountId ||
    admin.members.some((m) => m.AccountId === accountId && associated(m.MemberStatus))
  );
}

/** Every Region some account of the state has, for ALL_REGIONS linking. */
function knownRegions(state: NormalizedState): string[] {
  const all = new Set<string>();
  for (const account of Object.values(state.accounts))
    for (const r of Object.keys(account.regions)) all.add(r);
  return [...all].sort();
}

/** The Regions linked to the home Region (the home Region itself left out). */
export function linkedRegions(state: NormalizedState): string[] {
  const aggregator = adminOf(state)?.findingAggregator;
  if (!aggregator) return [];
  const listed = new Set(aggregator.regions);
  const others = knownRegions(state).filter((r) => r !== aggregator.region);
  switch (aggregator.regionLinkingMode) {
    case 'ALL_REGIONS':
      return others;
    case 'ALL_REGIONS_EXCEPT_SPECIFIED':
      return others.filter((r) => !listed.has(r));
    case 'SPECIFIED_REGIONS':
      return aggregator.regions.filter((r) => r !== aggregator.region);
    default:
      return [];
  }
}

/**
 * Where GetFindings and BatchUpdateFindings look for a caller in a Region: the readable accounts in
 * this Region and, in the home Region of an aggregation the caller takes part in, in every linked Region
 * too. Findings stay stored in their own Region, so an update made in either place is seen in both.
 */
export function findingSources(state: NormalizedState, accountId: string, region: string): FindingSource[] {
  const aggregator = adminOf(state)?.findingAggregator;
  const regions =
    aggregator && aggregator.region === region && inAggregation(state, accountId)
      ? [region, ...linkedRegions(state)]
      : [region];
  const sources: FindingSource[] = [];
  for (const account of readableAccounts(state, accountId)) {
    for (const r of regions) {
      const rs = state.accounts[account]?.regions[r];
      if (rs && rs.hub?.enabled !== false) sources.push({ accountId: account, region: r, regionState: rs });
    }
  }
  return sources;
}

function aggregatorArn(admin: SecurityHubAdminState): string | undefined {
  const aggregator = admin.findingAggregator;
  if (!aggregator) return undefined;
  const id =
    aggregator.id ??
    createHash('sha256')
      .update(`${admin.administratorAccountId}/${aggregator.region}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{3})(.{3})(.{12}).*$/, '$1-$2-4$3-8$4-$5');
  return `arn:aws:securityhub:${aggregator.region}:${admin.administratorAccountId}:finding-aggregator/${id}`;
}

function maxResults(raw: string | null, limit: number): number {
  if (raw === null) return limit;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > limit) {
    throw shInvalidInput(`Invalid MaxResults value ${raw}. MaxResults must be between 1 and ${limit}.`);
  }
  return value;
}

const invalidToken = () => shInvalidInput('The NextToken is invalid or does not belong to this request.');

/** ListMembers (MaxResults 1-50): the administrator's members, only the associated ones by default. */
export function listMembers(state: NormalizedState, accountId: string, query: URLSearchParams): Json {
  const admin = adminOf(state);
  const onlyRaw = query.get('OnlyAssociated');
  const onlyAssociated = onlyRaw === null ? true : onlyRaw === 'true';
  const members =
    admin?.administratorAccountId === accountId
      ? admin.members.filter((m) => !onlyAssociated || associated(m.MemberStatus))
      : [];
  const size = maxResults(query.get('MaxResults'), 50);
  const token = query.get('NextToken') ?? undefined;
  const hash = requestHash({ op: 'ListMembers', accountId, onlyAssociated });
  const { page, nextToken } = pageOf(members, size, token || undefined, hash, invalidToken);
  return {
    Members: page.map((m) => ({
      ...m,
      AdministratorId: m.AdministratorId ?? accountId,
      MasterId: m.MasterId ?? accountId,
    })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** ListFindingAggregators (MaxResults 1-100): the caller's aggregator, in any Region. */
export function listFindingAggregators(
  state: NormalizedState,
  accountId: string,
  query: URLSearchParams,
): Json {
  const admin = adminOf(state);
  const arn = admin?.administratorAccountId === accountId ? aggregatorArn(admin) : undefined;
  const size = maxResults(query.get('MaxResults'), 100);
  const token = query.get('NextToken') ?? undefined;
  const hash = requestHash({ op: 'ListFindingAggregators', accountId });
  const { page, nextToken } = pageOf(arn ? [arn] : [], size, token || undefined, hash, invalidToken);
  return {
    FindingAggregators: page.map((FindingAggregatorArn) => ({ FindingAggregatorArn })),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** GetFindingAggregator: the home Region and the linking as configured (Regions as a list, per the model). */
export function getFindingAggregator(state: NormalizedState, accountId: string, requestedArn: string): Json {
  const admin = adminOf(state);
  const arn = admin?.administratorAccountId === accountId ? aggregatorArn(admin) : undefined;
  const aggregator = admin?.findingAggregator;
  if (!arn || !aggregator || requestedArn !== arn) {
    throw new AwsError('ResourceNotFoundException', `Finding aggregator ${requestedArn} not found`, 404);
  }
  return {
    FindingAggregatorArn: arn,
    FindingAggregationRegion: aggregator.region,
    RegionLinkingMode: aggregator.regionLinkingMode,
    ...(aggregator.regionLinkingMode === 'ALL_REGIONS' || aggregator.regionLinkingMode === 'NO_REGIONS'
      ? {}
      : { Regions: aggregator.regions }),
  };
}
