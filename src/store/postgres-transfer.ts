import type pg from 'pg';
import { type CopiedTable, copiedTables, type PlainRow, type StoreTransfer } from './tables.ts';

/** Columns PostgreSQL returns as text (BIGINT) that are moved as numbers. */
const integerColumns = new Set(['id', 'run_id', 'position', 'suppression_id', 'failing']);
/** Tables whose IDs come from an identity column: it must continue after the copied rows. */
const identityTables = new Set<CopiedTable>([
  'digest_run',
  'suppression',
  'suppression_event',
  'posture_failure',
]);
const rowsPerInsert = 500;

export function postgresTransfer(pool: pg.Pool): StoreTransfer {
  return {
    async dumpTable(table, offset, limit) {
      const { columns, key } = copiedTables[table];
      const result = await pool.query(
        `SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${key.join(', ')} LIMIT $1 OFFSET $2`,
        [limit, offset],
      );
      return result.rows.map((row: PlainRow) => {
        const plain: PlainRow = { ...row };
        for (const c of columns) if (integerColumns.has(c) && plain[c] !== null) plain[c] = Number(plain[c]);
        return plain;
      });
    },
    async loadTable(table, rows) {
      const { columns } = copiedTables[table];
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        for (let start = 0; start < rows.length; start += rowsPerInsert) {
          const chunk = rows.slice(start, start + rowsPerInsert);
          const values: unknown[] = [];
          const tuples = chunk.map((row) => {
            const marks = columns.map((c) => {
              values.push(row[c] ?? null);
              return `$${values.length}`;
            });
            return `(${marks.join(', ')})`;
          });
          await client.query(
            `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING`,
            values,
          );
        }
        if (identityTables.has(table)) {
          await client.query(
            `SELECT setval(pg_get_serial_sequence('${table}', 'id'), GREATEST((SELECT max(id) FROM ${table}), 1))`,
          );
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    async countRows(table) {
      const result = await pool.query(`SELECT count(*) AS n FROM ${table}`);
      return Number(result.rows[0]?.n ?? 0);
    },
  };
}
