import type Database from 'better-sqlite3';
import { z } from 'zod';
import { DiscoverySnapshot } from '../organization/snapshot.ts';
import type { DiscoveryCache } from './discovery-cache.ts';

/**
 * The discovery cache's own schema changes, counted in `discovery_schema` so they never interleave
 * with the store's other migrations. Only ever append. One row per organization: a save replaces
 * the whole list at once, so a reader sees the old list or the new one, never half of each.
 */
export const discoveryMigrations: readonly string[] = [
  `CREATE TABLE account_discovery (
     scope TEXT PRIMARY KEY,
     discovered_at TEXT NOT NULL,
     snapshot TEXT NOT NULL
   );`,
];

export function migrateDiscovery(db: Database.Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS discovery_schema (version INTEGER NOT NULL)');
    const row = db.prepare<[], { version: number }>('SELECT version FROM discovery_schema').get();
    if (!row) db.prepare('INSERT INTO discovery_schema (version) VALUES (0)').run();
    for (let version = row?.version ?? 0; version < discoveryMigrations.length; version++) {
      db.exec(discoveryMigrations[version] as string);
      db.prepare('UPDATE discovery_schema SET version = ?').run(version + 1);
    }
  }).immediate();
}

const DiscoveryRow = z.object({ snapshot: z.string() });

/**
 * A saved discovery, or null when the row does not fit this release's shape (it was written by
 * another version, or edited): the cache is then treated as empty and discovery runs again.
 */
export function toSnapshot(raw: unknown): DiscoverySnapshot | null {
  const row = DiscoveryRow.safeParse(raw);
  if (!row.success) return null;
  try {
    const parsed = DiscoverySnapshot.safeParse(JSON.parse(row.data.snapshot));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function sqliteDiscovery(db: Database.Database): DiscoveryCache {
  migrateDiscovery(db);
  const load = db.prepare<[string], unknown>('SELECT snapshot FROM account_discovery WHERE scope = ?');
  const save = db.prepare(
    `INSERT INTO account_discovery (scope, discovered_at, snapshot) VALUES (?, ?, ?)
     ON CONFLICT (scope) DO UPDATE SET discovered_at = excluded.discovered_at, snapshot = excluded.snapshot
     WHERE excluded.discovered_at >= account_discovery.discovered_at`,
  );
  return {
    async loadDiscovery(scope) {
      const row = load.get(scope);
      return row ? toSnapshot(row) : null;
    },
    async saveDiscovery(scope, snapshot) {
      const valid = DiscoverySnapshot.parse(snapshot);
      save.run(scope, valid.discoveredAt, JSON.stringify(valid));
    },
  };
}
