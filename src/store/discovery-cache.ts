import type { DiscoverySnapshot } from '../organization/snapshot.ts';

/**
 * Organization mode: the last discovery of each organization (its scope says which), so a restart
 * or another replica routes by the same accounts without discovering again. Kept apart from the
 * rest of the store, with its own migrations in each backend.
 */
export interface DiscoveryCache {
  /** The saved discovery of this scope, or null (none yet, or a row this release cannot read). */
  loadDiscovery(scope: string): Promise<DiscoverySnapshot | null>;
  /** Saves a discovery, unless one of the same scope discovered later is saved already. */
  saveDiscovery(scope: string, snapshot: DiscoverySnapshot): Promise<void>;
}
