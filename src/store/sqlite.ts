import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { LanguagePreference } from '../i18n/index.ts';
import type { Store } from './store.ts';

/** Versioned schema changes; `PRAGMA user_version` records how many have run. Only ever append. */
export const migrations: readonly string[] = [
  `CREATE TABLE user_language (
     user_id TEXT PRIMARY KEY,
     language TEXT NOT NULL CHECK (language IN ('ja', 'en', 'both')),
     updated_at TEXT NOT NULL
   );
   CREATE TABLE claimed_key (
     key TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   );`,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

export interface SqliteStoreOptions {
  /** A file path, or `:memory:`. */
  path: string;
  now?: () => number;
}

export function openSqliteStore(options: SqliteStoreOptions): Store & { db: Database.Database } {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  // WAL + NORMAL survives a crash of the bot (only an OS crash may lose the last commits) and keeps
  // each write off the disk's fsync path, which would otherwise stall the event loop on every request.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  const now = options.now ?? Date.now;

  const getLanguage = db.prepare<[string], { language: LanguagePreference }>(
    'SELECT language FROM user_language WHERE user_id = ?',
  );
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

  return {
    db,
    async getUserLanguage(userId) {
      return getLanguage.get(userId)?.language ?? null;
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
    close() {
      db.close();
    },
  };
}
