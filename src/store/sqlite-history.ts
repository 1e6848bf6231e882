import type Database from 'better-sqlite3';
import { z } from 'zod';
import type {
  DailyCount,
  FailureActivity,
  FailureEpisode,
  FailureObservation,
  HistoryFilter,
  OpenFailureCount,
  PostureHistory,
} from './history.ts';

/**
 * The history's own schema changes, counted in `history_schema` so they never interleave with the
 * rest of the store's migrations. Only ever append.
 */
export const historyMigrations: readonly string[] = [
  `CREATE TABLE posture_failure (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     finding_id TEXT NOT NULL,
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     control_id TEXT NOT NULL,
     severity TEXT NOT NULL,
     since TEXT NOT NULL,
     first_seen_at TEXT NOT NULL,
     last_seen_at TEXT NOT NULL,
     resolved_at TEXT
   );
   CREATE UNIQUE INDEX posture_failure_open ON posture_failure (finding_id) WHERE resolved_at IS NULL;
   CREATE INDEX posture_failure_account ON posture_failure (account_id, resolved_at);
   CREATE TABLE posture_daily (
     account_id TEXT NOT NULL,
     region TEXT NOT NULL,
     day TEXT NOT NULL,
     severity TEXT NOT NULL,
     failing INTEGER NOT NULL,
     PRIMARY KEY (account_id, region, day, severity)
   );
   CREATE INDEX posture_daily_day ON posture_daily (day);`,
  `ALTER TABLE posture_failure ADD COLUMN resource_id TEXT;`,
  // A failure seen before looks up its resolved episodes by finding: without this, every new failure
  // scanned the whole history (quadratic in an organization's 200,000 findings).
  `CREATE INDEX posture_failure_finding ON posture_failure (finding_id);`,
];

/**
 * Like the store's own migrations, read and applied in one write transaction (BEGIN IMMEDIATE): two
 * processes opening a fresh file together would otherwise both read version 0 and both create the tables.
 */
export function migrateHistory(db: Database.Database): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS history_schema (version INTEGER NOT NULL)');
    const row = db.prepare<[], { version: number }>('SELECT version FROM history_schema').get();
    if (!row) db.prepare('INSERT INTO history_schema (version) VALUES (0)').run();
    for (let version = row?.version ?? 0; version < historyMigrations.length; version++) {
      db.exec(historyMigrations[version] as string);
      db.prepare('UPDATE history_schema SET version = ?').run(version + 1);
    }
  }).immediate();
}

const EpisodeRow = z.object({
  finding_id: z.string(),
  account_id: z.string(),
  region: z.string(),
  control_id: z.string(),
  severity: z.string(),
  resource_id: z.string().nullable().optional(),
  since: z.string(),
  first_seen_at: z.string(),
  last_seen_at: z.string(),
  resolved_at: z.string().nullable(),
});

const DailyRow = z.object({
  account_id: z.string(),
  region: z.string(),
  day: z.string(),
  severity: z.string(),
  failing: z.number().int(),
});

export function toEpisode(raw: unknown): FailureEpisode {
  const row = EpisodeRow.parse(raw);
  return {
    findingId: row.finding_id,
    accountId: row.account_id,
    region: row.region,
    controlId: row.control_id,
    severity: row.severity,
    resourceId: row.resource_id ?? null,
    since: row.since,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at,
  };
}

/** A minute as the history counts by it: `YYYY-MM-DDTHH:MM` (UTC). */
const Minute = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);

const OpenCountRow = z.object({
  severity: z.string(),
  minute: Minute,
  n: z.coerce.number().int().nonnegative(),
});

export function toOpenCount(raw: unknown): OpenFailureCount {
  const row = OpenCountRow.parse(raw);
  return { severity: row.severity, sinceMinute: row.minute, count: row.n };
}

const ActivityRow = z.object({
  event: z.enum(['began', 'fixed']),
  minute: Minute,
  n: z.coerce.number().int().nonnegative(),
});

export function toActivity(raw: unknown): FailureActivity {
  const row = ActivityRow.parse(raw);
  return { event: row.event, minute: row.minute, count: row.n };
}

/** Finding IDs per `IN (...)` query: well under SQLite's 32,766 bound variables. */
export const idsPerQuery = 500;

export function toDailyCount(raw: unknown): DailyCount {
  const row = DailyRow.parse(raw);
  return {
    accountId: row.account_id,
    region: row.region,
    day: row.day,
    severity: row.severity,
    failing: row.failing,
  };
}

/** When a failure began: FirstObservedAt counts only if the bot never saw this finding pass. */
export function failureSince(seenAt: string, observation: FailureObservation, passedBefore: boolean): string {
  const first = observation.firstObservedAt;
  if (passedBefore || !first || Number.isNaN(Date.parse(first))) return seenAt;
  const iso = new Date(first).toISOString();
  return iso < seenAt ? iso : seenAt;
}

/** `IN (?, ?, ...)` for a list that may be empty. */
function placeholders(count: number): string {
  return count === 0 ? 'NULL' : Array.from({ length: count }, () => '?').join(', ');
}

export function sqliteHistory(db: Database.Database): PostureHistory {
  migrateHistory(db);
  const openOf = db.prepare<[string], { id: number }>(
    'SELECT id FROM posture_failure WHERE finding_id = ? AND resolved_at IS NULL',
  );
  const passedBefore = db.prepare<[string], { one: number }>(
    'SELECT 1 AS one FROM posture_failure WHERE finding_id = ? AND resolved_at IS NOT NULL LIMIT 1',
  );
  const open = db.prepare(
    `INSERT INTO posture_failure (finding_id, account_id, region, control_id, severity, resource_id, since, first_seen_at, last_seen_at)
     VALUES (@findingId, @accountId, @region, @controlId, @severity, @resourceId, @since, @at, @at)`,
  );
  const seen = db.prepare('UPDATE posture_failure SET last_seen_at = ?, severity = ? WHERE id = ?');
  const openInScope = db.prepare<[string, string], { id: number; finding_id: string; severity: string }>(
    'SELECT id, finding_id, severity FROM posture_failure WHERE account_id = ? AND region = ? AND resolved_at IS NULL',
  );
  const resolve = db.prepare('UPDATE posture_failure SET resolved_at = ? WHERE id = ?');
  const putDaily = db.prepare(
    `INSERT INTO posture_daily (account_id, region, day, severity, failing) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (account_id, region, day, severity) DO UPDATE SET failing = excluded.failing`,
  );
  const purgeDaily = db.prepare('DELETE FROM posture_daily WHERE day < ?');
  const observedCounts = db.prepare<
    [string],
    { account_id: string; region: string; severity: string; n: number }
  >(
    `SELECT account_id, region, severity, COUNT(*) AS n FROM posture_failure
     WHERE resolved_at IS NULL AND last_seen_at = ? GROUP BY account_id, region, severity`,
  );
  const unseenInScope = db.prepare<
    [string, string, string],
    { id: number; finding_id: string; severity: string }
  >(
    `SELECT id, finding_id, severity FROM posture_failure
     WHERE account_id = ? AND region = ? AND resolved_at IS NULL AND last_seen_at < ?`,
  );

  /** Opens or refreshes each failure; returns how many were opened. */
  const observe = (at: string, failing: readonly FailureObservation[]) => {
    let opened = 0;
    for (const f of failing) {
      const existing = openOf.get(f.findingId);
      if (existing) {
        seen.run(at, f.severity, existing.id);
        continue;
      }
      const since = failureSince(at, f, passedBefore.get(f.findingId) !== undefined);
      open.run({ ...f, resourceId: f.resourceId ?? null, since, at });
      opened += 1;
    }
    return opened;
  };
  const reportedUnseen = db.prepare<[string, string, string], { finding_id: string }>(
    `SELECT r.finding_id FROM digest_reported r WHERE r.channel = ? AND NOT EXISTS (
       SELECT 1 FROM posture_failure p WHERE p.finding_id = r.finding_id AND p.resolved_at IS NULL
         AND p.last_seen_at >= ? AND p.severity IN (SELECT value FROM json_each(?)))
     ORDER BY r.finding_id`,
  );
  const purgeResolved = db.prepare(
    'DELETE FROM posture_failure WHERE resolved_at IS NOT NULL AND resolved_at < ?',
  );

  return {
    async recordSweep(sweep) {
      return db.transaction(() => {
        const opened = observe(sweep.at, sweep.failing);
        let resolved = 0;
        const present = new Set<string>(sweep.suppressed);
        for (const f of sweep.failing) present.add(f.findingId);
        const severities = new Set(sweep.severities);
        const counts = new Map<string, number>();
        for (const f of sweep.failing) {
          const key = `${f.accountId}|${f.region}|${f.severity}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const scope of sweep.scopes) {
          for (const row of openInScope.all(scope.accountId, scope.region)) {
            if (present.has(row.finding_id) || !severities.has(row.severity)) continue;
            resolve.run(sweep.at, row.id);
            resolved += 1;
          }
          for (const severity of severities) {
            const failing = counts.get(`${scope.accountId}|${scope.region}|${severity}`) ?? 0;
            putDaily.run(scope.accountId, scope.region, sweep.day, severity, failing);
          }
        }
        return { opened, resolved };
      })();
    },
    beginSweep(sweep) {
      let opened = 0;
      return {
        async observe(failing) {
          opened += db.transaction(() => observe(sweep.at, failing))();
        },
        async finish(days, held = []) {
          return db.transaction(() => {
            let resolved = 0;
            const suppressed = new Set([...sweep.suppressed, ...held]);
            const severities = new Set(sweep.severities);
            const counts = new Map<string, number>();
            for (const row of observedCounts.all(sweep.at)) {
              counts.set(`${row.account_id}|${row.region}|${row.severity}`, row.n);
            }
            for (const scope of sweep.scopes) {
              for (const row of unseenInScope.all(scope.accountId, scope.region, sweep.at)) {
                if (suppressed.has(row.finding_id) || !severities.has(row.severity)) continue;
                resolve.run(sweep.at, row.id);
                resolved += 1;
              }
              for (const severity of severities) {
                const failing = counts.get(`${scope.accountId}|${scope.region}|${severity}`) ?? 0;
                for (const day of days) putDaily.run(scope.accountId, scope.region, day, severity, failing);
              }
            }
            return { opened, resolved };
          })();
        },
      };
    },
    async reportedUnseenSince(channel, seenAt, severities) {
      return reportedUnseen.all(channel, seenAt, JSON.stringify(severities)).map((r) => r.finding_id);
    },
    async openFailures(accountIds) {
      return db
        .prepare(
          `SELECT * FROM posture_failure WHERE resolved_at IS NULL AND account_id IN (${placeholders(accountIds.length)})
           ORDER BY since, finding_id`,
        )
        .all(...accountIds)
        .map(toEpisode);
    },
    async openFailureCounts(accountIds) {
      return db
        .prepare(
          `SELECT severity, substr(since, 1, 16) AS minute, count(*) AS n FROM posture_failure
           WHERE resolved_at IS NULL AND account_id IN (${placeholders(accountIds.length)})
           GROUP BY severity, minute ORDER BY minute, severity`,
        )
        .all(...accountIds)
        .map(toOpenCount);
    },
    async failureActivity(accountIds, from) {
      const inAccounts = `account_id IN (${placeholders(accountIds.length)})`;
      return db
        .prepare(
          `SELECT 'began' AS event, substr(since, 1, 16) AS minute, count(*) AS n FROM posture_failure
           WHERE ${inAccounts} AND since >= ? GROUP BY minute
           UNION ALL
           SELECT 'fixed' AS event, substr(resolved_at, 1, 16) AS minute, count(*) AS n FROM posture_failure
           WHERE ${inAccounts} AND resolved_at >= ? GROUP BY minute
           ORDER BY minute, event`,
        )
        .all(...accountIds, from, ...accountIds, from)
        .map(toActivity);
    },
    async openFailuresOf(findingIds) {
      const out: FailureEpisode[] = [];
      for (let i = 0; i < findingIds.length; i += idsPerQuery) {
        const batch = findingIds.slice(i, i + idsPerQuery);
        const rows = db
          .prepare(
            `SELECT * FROM posture_failure WHERE resolved_at IS NULL AND finding_id IN (${placeholders(batch.length)})
             ORDER BY since, finding_id`,
          )
          .all(...batch);
        for (const row of rows) out.push(toEpisode(row));
      }
      return out;
    },
    async failuresBetween(filter: HistoryFilter) {
      const from = filter.from ?? '0000';
      const to = filter.to ?? '9999';
      return db
        .prepare(
          `SELECT * FROM posture_failure
           WHERE account_id IN (${placeholders(filter.accountIds.length)})
             AND since <= ? AND (resolved_at IS NULL OR resolved_at >= ?)
           ORDER BY account_id, since, finding_id`,
        )
        .all(...filter.accountIds, to, from)
        .map(toEpisode);
    },
    async dailyCounts(filter: HistoryFilter) {
      return db
        .prepare(
          `SELECT * FROM posture_daily
           WHERE account_id IN (${placeholders(filter.accountIds.length)}) AND day >= ? AND day <= ?
           ORDER BY day, account_id, region, severity`,
        )
        .all(...filter.accountIds, filter.from ?? '0000-00-00', filter.to ?? '9999-99-99')
        .map(toDailyCount);
    },
    async purgeHistory(beforeDay, beforeAt) {
      return db.transaction(() => purgeDaily.run(beforeDay).changes + purgeResolved.run(beforeAt).changes)();
    },
  };
}
