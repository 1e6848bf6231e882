import { z } from 'zod';
import { regionLinkingModes } from './regions.ts';

/** One account as discovery saw it. Names and tags are AWS text: shown escaped, never trusted. */
export const DiscoveredAccount = z.strictObject({
  id: z.string().regex(/^\d{12}$/),
  /** Organizations' account name; Security Hub members have none (the config may give one). */
  name: z.string().max(256).nullable(),
  /** OU IDs from the root's child down to the account's parent (organizations discovery only). */
  ous: z.array(z.string().max(68)),
  tags: z.record(z.string().max(128), z.string().max(256)),
});
export type DiscoveredAccount = z.infer<typeof DiscoveredAccount>;

/**
 * What one discovery found, as the store keeps it: a restart reads it instead of discovering again,
 * and every replica routes by the same list.
 */
export const DiscoverySnapshot = z.strictObject({
  source: z.enum(['securityhub', 'organizations']),
  discoveredAt: z.iso.datetime(),
  accounts: z.array(DiscoveredAccount),
  /** OU names by ID, for showing why an account matched. */
  ouNames: z.record(z.string().max(68), z.string().max(128)),
  /** The finding aggregator in the home Region; null when there is none. */
  aggregation: z
    .strictObject({ mode: z.enum(regionLinkingModes), regions: z.array(z.string().max(32)) })
    .nullable(),
});
export type DiscoverySnapshot = z.infer<typeof DiscoverySnapshot>;

/**
 * Which organization a saved discovery belongs to: a config that switches the source or the
 * administrator never reads another's list.
 */
export function discoveryScope(org: {
  adminAccount: { id: string };
  homeRegion: string;
  discover: { source: string; organizationsRoleArn?: string | undefined };
}): string {
  return [org.discover.source, org.adminAccount.id, org.homeRegion, org.discover.organizationsRoleArn ?? '']
    .join('|')
    .slice(0, 400);
}
