import type Database from 'better-sqlite3';
import { type CopiedTable, copiedTables, type PlainRow, type StoreTransfer } from './tables.ts';

/** `fsbp store copy` on a SQLite file: flags are stored as 0/1 here and moved as booleans. */
export function sqliteTransfer(db: Database.Database): StoreTransfer {
  const toPlain = (table: CopiedTable, row: PlainRow): PlainRow =>
    table === 'digest_channel' ? { ...row, enabled: row.enabled === 1 || row.enabled === true } : row;
  const fromPlain = (table: CopiedTable, row: PlainRow): PlainRow =>
    table === 'digest_channel' ? { ...row, enabled: row.enabled ? 1 : 0 } : row;
  return {
    async dumpTable(table, offset, limit) {
      const { columns, key } = copiedTables[table];
      const rows = db
        .prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${key.join(', ')} LIMIT ? OFFSET ?`)
        .all(limit, offset) as PlainRow[];
      return rows.map((r) => toPlain(table, r));
    },
    async loadTable(table, rows) {
      const { columns } = copiedTables[table];
      const insert = db.prepare(
        `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`,
      );
      db.transaction(() => {
        for (const row of rows) insert.run(fromPlain(table, row));
      }).immediate();
    },
    async countRows(table) {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    },
  };
}
