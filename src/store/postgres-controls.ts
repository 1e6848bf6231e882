import type pg from 'pg';
import {
  type ControlDefinitionsCache,
  controlDefinitionsTable,
  definitionsRowValues,
  toDefinitionsSnapshot,
} from './control-definitions.ts';
import { NewerSchemaError } from './errors.ts';
import { lockKey } from './postgres-schema.ts';

/**
 * The control cache's schema changes for PostgreSQL, counted in `fsbp_controls_schema` (apart from
 * the store's own sequence). Only ever append.
 */
export const postgresControlsMigrations: readonly string[] = [controlDefinitionsTable];

/** Under its own advisory lock: replicas starting together migrate once. */
export async function migratePostgresControls(client: pg.PoolClient): Promise<void> {
  await client.query(`SELECT pg_advisory_lock(${lockKey('migrate-controls')})`);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS fsbp_controls_schema (version INTEGER NOT NULL)');
    const found = await client.query<{ version: number }>('SELECT version FROM fsbp_controls_schema');
    const current = found.rows[0]?.version ?? 0;
    if (current > postgresControlsMigrations.length) {
      throw new NewerSchemaError(current, postgresControlsMigrations.length);
    }
    for (let version = current; version < postgresControlsMigrations.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(postgresControlsMigrations[version] as string);
        await client.query('DELETE FROM fsbp_controls_schema');
        await client.query('INSERT INTO fsbp_controls_schema (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${lockKey('migrate-controls')})`);
  }
}

export function postgresControlDefinitions(pool: pg.Pool): ControlDefinitionsCache {
  return {
    async controlDefinitions(standard) {
      const found = await pool.query('SELECT * FROM control_definitions WHERE standard = $1', [standard]);
      return found.rows[0] ? toDefinitionsSnapshot(found.rows[0]) : null;
    },
    async saveControlDefinitions(snapshot) {
      // A slower replica's older read never replaces a newer one.
      await pool.query(
        `INSERT INTO control_definitions (standard, synced_at, source_account, source_region, definitions)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (standard) DO UPDATE SET synced_at = excluded.synced_at,
           source_account = excluded.source_account, source_region = excluded.source_region,
           definitions = excluded.definitions
         WHERE excluded.synced_at >= control_definitions.synced_at`,
        definitionsRowValues(snapshot),
      );
    },
  };
}
