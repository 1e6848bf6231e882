import type { Config } from '../config/schema.ts';
import {
  type AwsControlDefinition,
  type DefinitionsSnapshot,
  diffDefinitions,
  fsbpStandard,
  liveCatalog,
} from './aws-controls.ts';
import type { Catalog } from './catalog.ts';

/** AWS's list is read again once a day: new controls appear a few times a year. */
export const definitionsMaxAgeMs = 24 * 60 * 60 * 1000;
/** How long one read of the store's copy is reused in this process. */
const memoMs = 60 * 1000;

/** Where the store keeps the list (the store's ControlDefinitionsCache role). */
export interface DefinitionsStore {
  controlDefinitions(standard: string): Promise<DefinitionsSnapshot | null>;
  saveControlDefinitions(snapshot: DefinitionsSnapshot): Promise<void>;
}

/** Who reads AWS's list: an account and Region where Security Hub CSPM runs FSBP. */
export interface DefinitionsSource {
  accountId: string;
  region: string;
  fetch(): Promise<AwsControlDefinition[]>;
}

/** What `controls --sync` reports. */
export interface SyncReport {
  standard: string;
  syncedAt: string;
  source: { accountId: string; region: string };
  /** How many controls AWS lists. */
  listed: number;
  /** Controls AWS lists that the catalog lacks. */
  awsOnly: { id: string; title: string; severity: string; remediationUrl: string | null }[];
  /** Catalog controls AWS no longer lists (shown as retired). */
  retired: { id: string; title: string }[];
}

/**
 * The account and Region that read AWS's list: the administrator in its home Region in organization
 * mode, else the first configured account in its first Region.
 */
export function definitionsAccount(config: Config) {
  const org = config.organization;
  if (org) return { account: org.adminAccount, region: org.homeRegion };
  const first = config.accounts[0];
  if (!first) return null;
  return { account: first, region: first.regions[0] as string };
}

export interface ControlCatalogOptions {
  /** The catalog files. */
  catalog: Catalog;
  store: () => Promise<DefinitionsStore>;
  source: () => Promise<DefinitionsSource>;
  now?: () => number;
  maxAgeMs?: number;
  /** Where a failed read of AWS's list is reported (the log); the last copy is used meanwhile. */
  onSyncError?: (error: unknown) => void;
}

/**
 * The catalog as AWS has it: AWS's list of FSBP controls, read at most daily and kept in the store,
 * merged into the catalog files (controls AWS added, controls AWS retired).
 */
export function createControlCatalog(options: ControlCatalogOptions) {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? definitionsMaxAgeMs;
  let memo: { at: number; snapshot: DefinitionsSnapshot | null } | undefined;
  let syncing: Promise<DefinitionsSnapshot> | undefined;

  async function stored(): Promise<DefinitionsSnapshot | null> {
    if (memo && now() - memo.at < memoMs) return memo.snapshot;
    const snapshot = await (await options.store()).controlDefinitions(fsbpStandard);
    memo = { at: now(), snapshot };
    return snapshot;
  }

  async function read(): Promise<DefinitionsSnapshot> {
    const source = await options.source();
    const definitions = await source.fetch();
    const snapshot: DefinitionsSnapshot = {
      standard: fsbpStandard,
      syncedAt: new Date(now()).toISOString(),
      source: { accountId: source.accountId, region: source.region },
      definitions,
    };
    // An empty answer (the standard not enabled there) is not kept: it would hide nothing and retire nothing anyway.
    if (definitions.length > 0) {
      await (await options.store()).saveControlDefinitions(snapshot);
      memo = { at: now(), snapshot };
    }
    return snapshot;
  }

  /** One read of AWS at a time in this process; callers arriving meanwhile share it. */
  function syncOnce(): Promise<DefinitionsSnapshot> {
    syncing ??= read().finally(() => {
      syncing = undefined;
    });
    return syncing;
  }

  const fresh = (s: DefinitionsSnapshot | null) => s !== null && now() - Date.parse(s.syncedAt) < maxAgeMs;

  // Merged once per list read from the store (about once a minute), not on every command: the merge
  // compares all 363 controls with AWS's list and sorts them.
  const merged = new WeakMap<DefinitionsSnapshot, Catalog>();
  function withList(snapshot: DefinitionsSnapshot | null): Catalog {
    if (!snapshot) return options.catalog;
    let catalog = merged.get(snapshot);
    if (!catalog) {
      catalog = liveCatalog(options.catalog, snapshot);
      merged.set(snapshot, catalog);
    }
    return catalog;
  }

  return {
    /** The catalog with the stored list, whatever its age; the catalog files when there is none. */
    async cached(): Promise<Catalog> {
      return withList(await stored().catch(() => null));
    },

    /** The catalog with a list at most a day old, read from AWS when older; the last copy if AWS fails. */
    async current(): Promise<Catalog> {
      const snapshot = await stored().catch(() => null);
      if (fresh(snapshot)) return withList(snapshot);
      try {
        return withList(await syncOnce());
      } catch (error) {
        options.onSyncError?.(error);
        return withList(snapshot);
      }
    },

    /** Reads AWS's list now (`controls --sync`) and reports how it differs from the catalog files. */
    async sync(): Promise<SyncReport> {
      const snapshot = await syncOnce();
      const { awsOnly, retired } = diffDefinitions(options.catalog, snapshot.definitions);
      return {
        standard: snapshot.standard,
        syncedAt: snapshot.syncedAt,
        source: snapshot.source,
        listed: snapshot.definitions.length,
        awsOnly: awsOnly.map((d) => ({
          id: d.id,
          title: d.title,
          severity: d.severity,
          remediationUrl: d.remediationUrl,
        })),
        retired: retired.map((c) => ({ id: c.id, title: c.title.en })),
      };
    },
  };
}

export type ControlCatalog = ReturnType<typeof createControlCatalog>;
