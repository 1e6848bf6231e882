import { verifyChain } from '../suppression/audit.ts';
import type { Store } from './store.ts';
import { type CopiedTable, copiedTableNames } from './tables.ts';

export interface CopyReport {
  tables: { table: CopiedTable; source: number; target: number }[];
  /** Audit events verified on the target, and the hash of the last (equal to the source's). */
  auditEvents: number;
  lastHash: string;
}

/** The copy did not arrive whole: the target differs from the source. */
export class CopyVerificationError extends Error {
  constructor(readonly problems: string[]) {
    super(`the copy does not match its source: ${problems.join('; ')}`);
    this.name = 'CopyVerificationError';
  }
}

/**
 * Copies every table from one store to another, page by page, then verifies before it reports
 * success: the same number of rows in every table, and an audit chain that verifies on the target
 * and ends at the source's last hash. Rows already in the target are kept, so running it twice
 * changes nothing; a target that holds other data fails the verification.
 */
export async function copyStore(from: Store, to: Store, pageSize = 1000): Promise<CopyReport> {
  const source = await verifyChain((after, limit) => from.auditEvents(after, limit));
  if (!source.ok) {
    throw new CopyVerificationError([`the source's audit trail is broken at event ${source.broken.id}`]);
  }
  for (const table of copiedTableNames) {
    for (let offset = 0; ; offset += pageSize) {
      const rows = await from.dumpTable(table, offset, pageSize);
      if (rows.length > 0) await to.loadTable(table, rows);
      if (rows.length < pageSize) break;
    }
  }
  const problems: string[] = [];
  const tables = [];
  for (const table of copiedTableNames) {
    const counts = { table, source: await from.countRows(table), target: await to.countRows(table) };
    if (counts.source !== counts.target) {
      problems.push(`${table} has ${counts.target} rows, the source ${counts.source}`);
    }
    tables.push(counts);
  }
  const target = await verifyChain((after, limit) => to.auditEvents(after, limit));
  if (!target.ok) problems.push(`the copied audit trail is broken at event ${target.broken.id}`);
  else if (target.lastHash !== source.lastHash) problems.push('the copied audit trail ends elsewhere');
  if (problems.length > 0) throw new CopyVerificationError(problems);
  return { tables, auditEvents: source.events, lastHash: source.lastHash };
}
