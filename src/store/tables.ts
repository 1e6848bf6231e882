/**
 * The tables `fsbp store copy` moves, in an order that keeps references valid, with the columns
 * both backends share and the key that orders them. Claims and leases are left out: they only
 * matter while a process runs.
 */
export const copiedTables = {
  user_language: { columns: ['user_id', 'language', 'updated_at'], key: ['user_id'] },
  digest_channel: { columns: ['channel', 'enabled'], key: ['channel'] },
  digest_run: {
    columns: ['id', 'channel', 'started_at', 'finished_at', 'parent_ts', 'summary'],
    key: ['id'],
  },
  digest_item: {
    columns: [
      'run_id',
      'position',
      'key',
      'control_id',
      'account_id',
      'region',
      'finding_ids',
      'resources',
      'ts',
      'label',
    ],
    key: ['run_id', 'position'],
  },
  digest_reported: { columns: ['channel', 'finding_id', 'run_id'], key: ['channel', 'finding_id'] },
  check_target: {
    columns: [
      'key',
      'control_id',
      'account_id',
      'region',
      'finding_ids',
      'resources',
      'channel',
      'ts',
      'created_at',
    ],
    key: ['key'],
  },
  suppression: {
    columns: [
      'id',
      'request_key',
      'control_id',
      'account_id',
      'region',
      'scope',
      'reason',
      'user_id',
      'user_name',
      'created_at',
      'expires_at',
      'state',
      'findings',
      'updated',
      'failed',
      'channel',
      'message_ts',
      'permalink',
      'ended_at',
      'approval_expires_at',
      'approval_ts',
      'reviewer_id',
      'reviewer_name',
      'reviewed_at',
      'rejection_reason',
    ],
    key: ['id'],
  },
  suppression_event: {
    columns: ['id', 'suppression_id', 'at', 'actor', 'action', 'detail', 'prev_hash', 'hash'],
    key: ['id'],
  },
  posture_failure: {
    columns: [
      'id',
      'finding_id',
      'account_id',
      'region',
      'control_id',
      'severity',
      'resource_id',
      'since',
      'first_seen_at',
      'last_seen_at',
      'resolved_at',
    ],
    key: ['id'],
  },
  posture_daily: {
    columns: ['account_id', 'region', 'day', 'severity', 'failing'],
    key: ['account_id', 'region', 'day', 'severity'],
  },
} as const satisfies Record<string, { columns: readonly string[]; key: readonly string[] }>;

export type CopiedTable = keyof typeof copiedTables;
export const copiedTableNames = Object.keys(copiedTables) as CopiedTable[];

/** A row as moved between backends: numbers for integers, booleans for flags, text for the rest. */
export type PlainRow = Record<string, string | number | boolean | null>;

/** Whole-table reads and idempotent writes, for moving an installation from one backend to another. */
export interface StoreTransfer {
  /** Rows in key order, `limit` at a time from `offset`. */
  dumpTable(table: CopiedTable, offset: number, limit: number): Promise<PlainRow[]>;
  /** Inserts rows; a row whose key is there already is left as it is (a second copy changes nothing). */
  loadTable(table: CopiedTable, rows: readonly PlainRow[]): Promise<void>;
  countRows(table: CopiedTable): Promise<number>;
}
