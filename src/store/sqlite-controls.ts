import type Database from 'better-sqlite3';
import {
  type ControlDefinitionsCache,
  controlDefinitionsTable,
  definitionsRowValues,
  toDefinitionsSnapshot,
} from './control-definitions.ts';
import { NewerSchemaError } from './errors.ts';

/**
 * The control cache's own schema changes, counted in `controls_schema` so they never interleave with
 * the rest of the store's migrations. Only ever append.
 */
export const controlsMigrations: readonly string[] = [controlDefinitionsTable];

/** Read and applied in one write transaction (BEGIN IMMEDIATE), so two processes starting together migrate once. */
export function migrateControls(db: Database.Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS controls_schema (version INTEGER NOT NULL)');
    const row = db.prepare<[], { version: number }>('SELECT version FROM controls_schema').get();
    if (!row) db.prepare('INSERT INTO controls_schema (version) VALUES (0)').run();
    const current = row?.version ?? 0;
    if (current > controlsMigrations.length) throw new NewerSchemaError(current, controlsMigrations.length);
    for (let version = current; version < controlsMigrations.length; version++) {
      db.exec(controlsMigrations[version] as string);
      db.prepare('UPDATE controls_schema SET version = ?').run(version + 1);
    }
  }).immediate();
}

export function sqliteControlDefinitions(db: Database.Database): ControlDefinitionsCache {
  migrateControls(db);
  const read = db.prepare<[string], unknown>('SELECT * FROM control_definitions WHERE standard = ?');
  const write = db.prepare(
    `INSERT INTO control_definitions (standard, synced_at, source_account, source_region, definitions)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (standard) DO UPDATE SET synced_at = excluded.synced_at,
       source_account = excluded.source_account, source_region = excluded.source_region,
       definitions = excluded.definitions
     WHERE excluded.synced_at >= control_definitions.synced_at`,
  );
  return {
    async controlDefinitions(standard) {
      const row = read.get(standard);
      return row ? toDefinitionsSnapshot(row) : null;
    },
    async saveControlDefinitions(snapshot) {
      write.run(...definitionsRowValues(snapshot));
    },
  };
}
