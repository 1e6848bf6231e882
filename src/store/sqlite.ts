import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DigestPlanRecord, DigestRun } from '../digest/types.ts';
import { type ChainedEvent, eventHash, genesisHash } from '../suppression/audit.ts';
import type { CheckTargetRecord, SuppressTarget } from '../suppression/types.ts';
import { NewerSchemaError } from './errors.ts';
import type { LeaseGrant } from './lease.ts';
import {
  CheckTargetRow,
  channelsByFinding,
  ItemRow,
  LanguageRow,
  LeaseHolderRow,
  parseRow,
  RunRow,
  toGroup,
} from './rows.ts';
import { sqliteControlDefinitions } from './sqlite-controls.ts';
import { sqliteDiscovery } from './sqlite-discovery.ts';
import { sqliteHistory } from './sqlite-history.ts';
import { suppressionStatements } from './sqlite-suppressions.ts';
import { sqliteTransfer } from './sqlite-transfer.ts';
import type { Store } from './store.ts';

/**
 * Versioned schema changes; `PRAGMA user_version` records how many have run. Only ever append.
 * A function is for a change SQL alone cannot make (filling in values computed here).
 */
export const migrations: readonly (string | ((db: Database.Database) => void))[] = [
  `CREATE TABLE user_language (
     user_id TEXT PRIMARY KEY,
     language TEXT NOT NULL CHECK (language IN ('ja', 'en', 'both')),
     updated_at TEXT NOT NULL
   );
   CREATE TABLE claimed_key (
     key TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
  `CREATE TABLE lease (
     name TEXT PRIMARY KEY,
     holder TEXT NOT NULL,
     expires_at INTEGER NOT NULL
   );
   CREATE TABLE digest_channel (
     channel TEXT PRIMARY KEY,
     enabled INTEGER NOT NULL
   );
   CREATE TABLE digest_run (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     channel TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     parent_ts TEXT,
     summary TEXT NOT NULL
   );
   CREATE INDEX digest_run_channel ON digest_run (channel, id);
   CREATE TABLE digest_item (
     run_id INTEGER NOT NULL REFERENCES digest_run (id),
     position INTEGER NOT NULL,
     key TEXT NOT NULL UNIQUE,
     control_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     finding_ids TEXT NOT NULL,
     resources TEXT NOT NULL,
     ts TEXT,
     PRIMARY KEY (run_id, position)
   );
   CREATE TABLE digest_reported (
     channel TEXT NOT NULL,
     finding_id TEXT NOT NULL,
     run_id INTEGER NOT NULL,
     PRIMARY KEY (channel, finding_id)
   );`,
  `CREATE TABLE suppression (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     request_key TEXT NOT NULL UNIQUE,
     control_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     scope TEXT NOT NULL CHECK (scope IN ('resource', 'control')),
     reason TEXT NOT NULL,
     user_id TEXT NOT NULL,
     user_name TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'partial', 'expired', 'lifted')),
     findings TEXT NOT NULL,
     updated TEXT NOT NULL DEFAULT '[]',
     failed TEXT NOT NULL DEFAULT '[]'
   );
   CREATE TABLE suppression_event (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     suppression_id INTEGER NOT NULL REFERENCES suppression (id),
     at TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     detail TEXT NOT NULL
   );
   CREATE TRIGGER suppression_event_no_update BEFORE UPDATE ON suppression_event
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
   CREATE TRIGGER suppression_event_no_delete BEFORE DELETE ON suppression_event
     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`,
  `ALTER TABLE suppression ADD COLUMN channel TEXT;
   ALTER TABLE suppression ADD COLUMN message_ts TEXT;
   ALTER TABLE suppression ADD COLUMN permalink TEXT;
   ALTER TABLE suppression ADD COLUMN ended_at TEXT;
   CREATE INDEX suppression_state ON suppression (state);
   ALTER TABLE digest_item ADD COLUMN label TEXT;
   CREATE INDEX digest_reported_finding ON digest_reported (finding_id);`,
  `CREATE TABLE check_target (
     key TEXT PRIMARY KEY,
     control_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     finding_ids TEXT NOT NULL,
     resources TEXT NOT NULL,
     channel TEXT,
     ts TEXT,
     created_at TEXT NOT NULL
   );`,
  // Fencing tokens: a lease row is kept after release so its token only ever grows.
  `ALTER TABLE lease ADD COLUMN token INTEGER NOT NULL DEFAULT 0;`,
  chainAuditTrail,
  addApprovals,
  // What a lease's holder tells others who find it taken (the running check's message).
  `ALTER TABLE lease ADD COLUMN note TEXT;`,
];

/**
 * Four-eyes approvals: three more states and the request's review. SQLite cannot change a CHECK
 * constraint in place, so the table is rebuilt (SQLite's documented procedure; `migrate` runs it
 * with foreign keys off and checks them before committing). IDs and the AUTOINCREMENT counter are
 * kept, so the audit trail's references stay valid.
 */
function addApprovals(db: Database.Database): void {
  const counter = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'suppression'").get() as
    | { seq: number }
    | undefined;
  db.exec(`CREATE TABLE suppression_rebuilt (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     request_key TEXT NOT NULL UNIQUE,
     control_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     scope TEXT NOT NULL CHECK (scope IN ('resource', 'control')),
     reason TEXT NOT NULL,
     user_id TEXT NOT NULL,
     user_name TEXT NOT NULL,
     created_at TEXT NOT NULL,
     expires_at TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'active', 'partial', 'expired', 'lifted',
       'awaiting_approval', 'rejected', 'approval_expired')),
     findings TEXT NOT NULL,
     updated TEXT NOT NULL DEFAULT '[]',
     failed TEXT NOT NULL DEFAULT '[]',
     channel TEXT,
     message_ts TEXT,
     permalink TEXT,
     ended_at TEXT,
     approval_expires_at TEXT,
     approval_ts TEXT,
     reviewer_id TEXT,
     reviewer_name TEXT,
     reviewed_at TEXT,
     rejection_reason TEXT
   );
   INSERT INTO suppression_rebuilt (id, request_key, control_id, account_id, region, scope, reason, user_id,
     user_name, created_at, expires_at, state, findings, updated, failed, channel, message_ts, permalink, ended_at)
   SELECT id, request_key, control_id, account_id, region, scope, reason, user_id, user_name, created_at,
     expires_at, state, findings, updated, failed, channel, message_ts, permalink, ended_at FROM suppression;
   DROP TABLE suppression;
   ALTER TABLE suppression_rebuilt RENAME TO suppression;
   CREATE INDEX suppression_state ON suppression (state);`);
  if (counter) {
    db.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = 'suppression'").run(counter.seq);
  }
}

/** Hash-chains the audit trail: events written before get their hashes, in their order. */
function chainAuditTrail(db: Database.Database): void {
  db.exec(`DROP TRIGGER suppression_event_no_update;
    ALTER TABLE suppression_event ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
    ALTER TABLE suppression_event ADD COLUMN hash TEXT NOT NULL DEFAULT '';`);
  const events = db
    .prepare(
      'SELECT id, suppression_id AS suppressionId, at, actor, action, detail FROM suppression_event ORDER BY id',
    )
    .all() as Omit<ChainedEvent, 'prevHash' | 'hash'>[];
  const set = db.prepare('UPDATE suppression_event SET prev_hash = ?, hash = ? WHERE id = ?');
  let previous = genesisHash;
  for (const e of events) {
    const hash = eventHash(previous, e);
    set.run(previous, hash, e.id);
    previous = hash;
  }
  db.exec(`CREATE TRIGGER suppression_event_no_update BEFORE UPDATE ON suppression_event
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;`);
}

/**
 * Runs the missing migrations in one write transaction taken before the version is read
 * (BEGIN IMMEDIATE), so two processes starting together migrate once: the second waits, then
 * finds the schema current.
 */
export function migrate(db: Database.Database): void {
  // A table rebuild drops a table others refer to: foreign keys are off while migrating (they cannot
  // be switched inside a transaction) and every reference is checked before the commit.
  db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current > migrations.length) throw new NewerSchemaError(current, migrations.length);
      for (let version = current; version < migrations.length; version++) {
        const migration = migrations[version];
        if (typeof migration === 'function') migration(db);
        else db.exec(migration as string);
      }
      if (current < migrations.length) {
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration left ${broken.length} broken references`);
        db.pragma(`user_version = ${migrations.length}`);
      }
    }).immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}

/**
 * Runs every method of `methods` with synchronous=FULL: their transactions reach the disk before
 * they return (an OS crash right after cannot lose them), while other writes keep NORMAL's speed.
 * The methods must do their writes synchronously (better-sqlite3 does), before their first await.
 */
export function durably<T extends Record<string, (...args: never[]) => unknown>>(
  db: Database.Database,
  methods: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    wrapped[name] = (...args: never[]) => {
      db.pragma('synchronous = FULL');
      try {
        return method(...args);
      } finally {
        db.pragma('synchronous = NORMAL');
      }
    };
  }
  return wrapped as T;
}

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  path: string;
  now?: () => number;
}

export function openSqliteStore(options: SqliteStoreOptions): Store {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  // First, so that a second process starting at the same moment waits for locks instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a crash of the bot (only an OS crash may lose the last commits) and keeps
  // each write off the disk's fsync path, which would otherwise stall the event loop on every request.
  // Suppression records and their audit trail are written with FULL (see `durably`).
  db.pragma('synchronous = NORMAL');
  migrate(db);
  const now = options.now ?? Date.now;

  const getLanguage = db.prepare<[string], unknown>('SELECT language FROM user_language WHERE user_id = ?');
  const setLanguage = db.prepare(
    `INSERT INTO user_language (user_id, language, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`,
  );
  const purge = db.prepare('DELETE FROM claimed_key WHERE expires_at < ?');
  const claim = db.prepare(
    `INSERT INTO claimed_key (key, expires_at) VALUES (@key, @expires)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claimed_key.expires_at < @now`,
  );
  // Expired keys are swept now and then, not on every request.
  const purgeEveryMs = 60_000;
  let lastPurge = 0;

  const digest = digestStatements(db, now);
  const acquire = db.prepare<
    { name: string; holder: string; expires: number; now: number },
    { token: number }
  >(
    `INSERT INTO lease (name, holder, expires_at, token) VALUES (@name, @holder, @expires, 1)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
       token = lease.token + 1, note = NULL
     WHERE lease.expires_at < @now
     RETURNING token`,
  );
  const renew = db.prepare('UPDATE lease SET expires_at = ? WHERE name = ? AND holder = ? AND token = ?');
  // The row stays (expired) so the next holder's token is still greater.
  const release = db.prepare('UPDATE lease SET expires_at = 0 WHERE name = ? AND holder = ? AND token = ?');
  const noteLease = db.prepare(
    'UPDATE lease SET note = ? WHERE name = ? AND holder = ? AND token = ? AND expires_at >= ?',
  );
  const holderOf = db.prepare<[string, number], unknown>(
    'SELECT holder, token, note FROM lease WHERE name = ? AND expires_at >= ?',
  );
  const leases = {
    async acquireLease(name: string, holder: string, ttlMs: number) {
      const at = now();
      const row = acquire.get({ name, holder, expires: at + ttlMs, now: at });
      return row ? { name, holder, token: row.token } : null;
    },
    async renewLease(grant: LeaseGrant, ttlMs: number) {
      return renew.run(now() + ttlMs, grant.name, grant.holder, grant.token).changes === 1;
    },
    async releaseLease(grant: LeaseGrant) {
      release.run(grant.name, grant.holder, grant.token);
    },
    async noteLease(grant: LeaseGrant, note: string) {
      return noteLease.run(note, grant.name, grant.holder, grant.token, now()).changes === 1;
    },
    async leaseHolder(name: string) {
      const row = holderOf.get(name, now());
      return row ? parseRow(LeaseHolderRow, 'lease', row) : null;
    },
  };

  return {
    ...digest,
    ...durably(db, suppressionStatements(db, now)),
    ...sqliteHistory(db),
    ...sqliteDiscovery(db),
    ...sqliteControlDefinitions(db),
    ...leases,
    ...sqliteTransfer(db),

    async getUserLanguage(userId) {
      const row = getLanguage.get(userId);
      return row ? parseRow(LanguageRow, 'user_language', row).language : null;
    },
    async setUserLanguage(userId, language) {
      setLanguage.run(userId, language, new Date(now()).toISOString());
    },
    async claimOnce(key, ttlMs) {
      const at = now();
      if (at - lastPurge > purgeEveryMs) {
        purge.run(at);
        lastPurge = at;
      }
      return claim.run({ key, expires: at + ttlMs, now: at }).changes === 1;
    },
    async ready() {
      try {
        return db.pragma('user_version', { simple: true }) === migrations.length;
      } catch {
        return false;
      }
    },
    async close() {
      db.close();
    },
  };
}

/** The digest's tables: every write that must not be half-done is one transaction. */
function digestStatements(db: Database.Database, now: () => number) {
  const items = db.prepare<[number], unknown>('SELECT * FROM digest_item WHERE run_id = ? ORDER BY position');
  const toItem = (row: unknown) => parseRow(ItemRow, 'digest_item', row);
  const toRun = (row: unknown): DigestRun | null => {
    if (!row) return null;
    const run = parseRow(RunRow, 'digest_run', row);
    return { ...run, items: items.all(run.id).map(toItem) };
  };
  const unfinished = db.prepare<[string], unknown>(
    'SELECT * FROM digest_run WHERE channel = ? AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
  );
  const last = db.prepare<[string], unknown>(
    'SELECT * FROM digest_run WHERE channel = ? AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1',
  );
  const reported = db.prepare<[string], { finding_id: string }>(
    'SELECT finding_id FROM digest_reported WHERE channel = ?',
  );
  const reportedIn = db.prepare<[string], { channel: string; finding_id: string }>(
    'SELECT channel, finding_id FROM digest_reported WHERE finding_id IN (SELECT value FROM json_each(?))',
  );
  const insertRun = db.prepare('INSERT INTO digest_run (channel, started_at, summary) VALUES (?, ?, ?)');
  const insertItem = db.prepare(
    `INSERT INTO digest_item (run_id, position, key, control_id, account_id, region, finding_ids, resources, label)
     VALUES (@runId, @position, @key, @controlId, @accountId, @region, @findingIds, @resources, @label)`,
  );
  const setParent = db.prepare('UPDATE digest_run SET parent_ts = ? WHERE id = ?');
  const setItemTs = db.prepare('UPDATE digest_item SET ts = ? WHERE run_id = ? AND position = ?');
  const itemByPosition = db.prepare<[number, number], unknown>(
    'SELECT * FROM digest_item WHERE run_id = ? AND position = ?',
  );
  const runById = db.prepare<[number], { channel: string }>('SELECT * FROM digest_run WHERE id = ?');
  const markReported = db.prepare(
    'INSERT OR REPLACE INTO digest_reported (channel, finding_id, run_id) VALUES (?, ?, ?)',
  );
  const forget = db.prepare('DELETE FROM digest_reported WHERE channel = ? AND finding_id = ?');
  const forgetEverywhere = db.prepare('DELETE FROM digest_reported WHERE finding_id = ?');
  const finishRun = db.prepare('UPDATE digest_run SET finished_at = ? WHERE id = ?');
  const itemByKey = db.prepare<[string], unknown>('SELECT * FROM digest_item WHERE key = ?');
  const insertTarget = db.prepare(
    `INSERT OR IGNORE INTO check_target (key, control_id, account_id, region, finding_ids, resources, channel, created_at)
     VALUES (@key, @controlId, @accountId, @region, @findingIds, @resources, @channel, @createdAt)`,
  );
  const targetByKey = db.prepare<[string], unknown>('SELECT * FROM check_target WHERE key = ?');
  const purgeTargets = db.prepare('DELETE FROM check_target WHERE created_at < ?');
  const setTargetTs = db.prepare('UPDATE check_target SET ts = ? WHERE key = ? AND ts IS NULL');
  const setEnabled = db.prepare(
    'INSERT INTO digest_channel (channel, enabled) VALUES (?, ?) ON CONFLICT (channel) DO UPDATE SET enabled = excluded.enabled',
  );
  const enabled = db.prepare<[string], { enabled: number }>(
    'SELECT enabled FROM digest_channel WHERE channel = ?',
  );

  return {
    async reportedFindings(channel: string) {
      return new Set(reported.all(channel).map((r) => r.finding_id));
    },
    async reportedChannels(findingIds: readonly string[]) {
      return channelsByFinding(findingIds.length > 0 ? reportedIn.all(JSON.stringify(findingIds)) : []);
    },
    async unfinishedDigest(channel: string) {
      return toRun(unfinished.get(channel));
    },
    async lastDigest(channel: string) {
      return toRun(last.get(channel));
    },
    async createDigest(plan: DigestPlanRecord) {
      const id = db.transaction(() => {
        const runId = Number(
          insertRun.run(plan.channel, plan.startedAt, JSON.stringify(plan.summary)).lastInsertRowid,
        );
        for (const item of plan.items) {
          insertItem.run({
            ...item,
            runId,
            findingIds: JSON.stringify(item.findingIds),
            resources: JSON.stringify(item.resources),
            label: item.label ?? null,
          });
        }
        return runId;
      })();
      return toRun(runById.get(id)) as DigestRun;
    },
    async setDigestParent(runId: number, ts: string) {
      setParent.run(ts, runId);
    },
    async recordDigestItem(runId: number, position: number, ts: string) {
      db.transaction(() => {
        setItemTs.run(ts, runId, position);
        const row = itemByPosition.get(runId, position);
        const run = runById.get(runId);
        if (!row || !run) return;
        for (const id of toItem(row).findingIds) markReported.run(run.channel, id, runId);
      })();
    },
    async finishDigest(runId: number) {
      const at = new Date(now()).toISOString();
      db.transaction(() => {
        const run = toRun(runById.get(runId));
        if (!run) return;
        for (const id of run.summary.resolvedIds) forget.run(run.channel, id);
        for (const id of run.summary.overflowIds) markReported.run(run.channel, id, runId);
        finishRun.run(at, runId);
      })();
    },
    async forgetReported(findingIds: readonly string[]) {
      db.transaction(() => {
        for (const id of findingIds) forgetEverywhere.run(id);
      })();
    },
    async digestRun(id: number) {
      return toRun(runById.get(id));
    },
    async digestItem(key: string) {
      const row = itemByKey.get(key);
      return row ? toItem(row) : null;
    },
    async recordCheckTargets(targets: readonly CheckTargetRecord[]) {
      db.transaction(() => {
        for (const t of targets) {
          insertTarget.run({
            ...t,
            findingIds: JSON.stringify(t.findingIds),
            resources: JSON.stringify(t.resources),
          });
        }
      })();
    },
    async purgeCheckTargets(before: string) {
      return purgeTargets.run(before).changes;
    },
    async setCheckTargetMessage(key: string, ts: string) {
      setTargetTs.run(ts, key);
    },
    async suppressTarget(key: string): Promise<SuppressTarget | null> {
      const row = itemByKey.get(key);
      if (row) {
        const { runId, position: _, label: __, ...item } = toItem(row);
        return { ...item, kind: 'digest', channel: runById.get(runId)?.channel ?? null };
      }
      const target = targetByKey.get(key);
      if (!target) return null;
      const parsed = parseRow(CheckTargetRow, 'check_target', target);
      return { kind: 'check', ...toGroup(parsed), channel: parsed.channel, ts: parsed.ts };
    },
    async setDigestEnabled(channel: string, on: boolean) {
      setEnabled.run(channel, on ? 1 : 0);
    },
    async digestEnabled(channel: string) {
      const row = enabled.get(channel);
      return row ? row.enabled === 1 : null;
    },
  };
}
