import type { OrganizationConfig } from '../config/schema.ts';
import type { OrganizationReader } from './ports.ts';
import type { DiscoveredAccount, DiscoverySnapshot } from './snapshot.ts';

export interface DiscoveryResult {
  snapshot: DiscoverySnapshot;
  /** AWS calls made, by operation. */
  calls: Record<string, number>;
}

const byId = (a: DiscoveredAccount, b: DiscoveredAccount) => a.id.localeCompare(b.id);

/**
 * Finds the organization's accounts the configured way, and the Regions linked to the home Region.
 * `securityhub`: the administrator and its enabled members (Security Hub gives no names; the config
 * may). `organizations`: every ACTIVE account with its OUs and tags.
 */
export async function discoverAccounts(
  org: OrganizationConfig,
  reader: OrganizationReader,
  now: () => number = Date.now,
): Promise<DiscoveryResult> {
  const calls: Record<string, number> = {};
  const count = (operation: string) => {
    calls[operation] = (calls[operation] ?? 0) + 1;
  };
  const found = async (): Promise<Pick<DiscoverySnapshot, 'accounts' | 'ouNames'>> => {
    if (org.discover.source === 'organizations') return reader.organizationTree(count);
    const members = await reader.securityHubMembers(count);
    const ids = [...new Set([org.adminAccount.id, ...members])];
    return { accounts: ids.map((id) => ({ id, name: null, ous: [], tags: {} })), ouNames: {} };
  };
  const [{ accounts, ouNames }, aggregation] = await Promise.all([found(), reader.findingAggregation(count)]);
  return {
    snapshot: {
      source: org.discover.source,
      discoveredAt: new Date(now()).toISOString(),
      accounts: [...accounts].sort(byId),
      ouNames,
      aggregation,
    },
    calls,
  };
}
