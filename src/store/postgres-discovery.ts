import type pg from 'pg';
import { DiscoverySnapshot } from '../organization/snapshot.ts';
import type { DiscoveryCache } from './discovery-cache.ts';
import { lockKey } from './postgres-schema.ts';
import { toSnapshot } from './sqlite-discovery.ts';

/** The same table as SQLite's, with its own version counter (see `discoveryMigrations`). */
export const postgresDiscoveryMigrations: readonly string[] = [
  `CREATE TABLE account_discovery (
     scope TEXT PRIMARY KEY,
     discovered_at TEXT NOT NULL,
     snapshot TEXT NOT NULL
   );`,
];

/** Under its own advisory lock, so replicas starting together create the table once. */
export async function migratePostgresDiscovery(client: pg.PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_lock(${lockKey('migrate-discovery')})`);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS discovery_schema (version INTEGER NOT NULL)');
    const found = await client.query<{ version: number }>('SELECT version FROM discovery_schema');
    const current = found.rows[0]?.version ?? 0;
    for (let version = current; version < postgresDiscoveryMigrations.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(postgresDiscoveryMigrations[version] as string);
        await client.query('DELETE FROM discovery_schema');
        await client.query('INSERT INTO discovery_schema (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${lockKey('migrate-discovery')})`);
  }
}

export function postgresDiscovery(pool: pg.Pool): DiscoveryCache {
  return {
    async loadDiscovery(scope) {
      const found = await pool.query('SELECT snapshot FROM account_discovery WHERE scope = $1', [scope]);
      return found.rows[0] ? toSnapshot(found.rows[0]) : null;
    },
    async saveDiscovery(scope, snapshot) {
      const valid = DiscoverySnapshot.parse(snapshot);
      await pool.query(
        `INSERT INTO account_discovery (scope, discovered_at, snapshot) VALUES ($1, $2, $3)
         ON CONFLICT (scope) DO UPDATE SET discovered_at = excluded.discovered_at, snapshot = excluded.snapshot
         WHERE excluded.discovered_at >= account_discovery.discovered_at`,
        [scope, valid.discoveredAt, JSON.stringify(valid)],
      );
    },
  };
}
