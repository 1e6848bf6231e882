import { z } from 'zod';
import { AwsControlDefinition, type DefinitionsSnapshot } from '../catalog/aws-controls.ts';
import { parseRow } from './rows.ts';

/**
 * AWS's list of a standard's controls, read at most once a day and kept here so a restart (or another
 * replica) does not read it again. One row per standard; a newer read replaces it.
 */
export interface ControlDefinitionsCache {
  /** The last complete list for a standard (`standards/...` without partition or Region), or null. */
  controlDefinitions(standard: string): Promise<DefinitionsSnapshot | null>;
  saveControlDefinitions(snapshot: DefinitionsSnapshot): Promise<void>;
}

/** The table both backends create (in their own migration sequence, so it never interleaves with others). */
export const controlDefinitionsTable = `CREATE TABLE control_definitions (
     standard TEXT PRIMARY KEY,
     synced_at TEXT NOT NULL,
     source_account TEXT NOT NULL,
     source_region TEXT NOT NULL,
     definitions TEXT NOT NULL
   );`;

/** A stored row, validated on the way out: a hand-edited or corrupted definitions column fails loudly. */
const DefinitionsRow = z
  .object({
    standard: z.string(),
    synced_at: z.string(),
    source_account: z.string(),
    source_region: z.string(),
    definitions: z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'is not JSON' });
          return z.NEVER;
        }
      })
      .pipe(z.array(AwsControlDefinition)),
  })
  .transform(
    (row): DefinitionsSnapshot => ({
      standard: row.standard,
      syncedAt: row.synced_at,
      source: { accountId: row.source_account, region: row.source_region },
      definitions: row.definitions,
    }),
  );

export function toDefinitionsSnapshot(row: unknown): DefinitionsSnapshot {
  return parseRow(DefinitionsRow, 'control_definitions', row);
}

/** The row's values in column order: standard, synced_at, source_account, source_region, definitions. */
export function definitionsRowValues(snapshot: DefinitionsSnapshot): string[] {
  return [
    snapshot.standard,
    snapshot.syncedAt,
    snapshot.source.accountId,
    snapshot.source.region,
    JSON.stringify(snapshot.definitions),
  ];
}
