import type pg from 'pg';
import type { FailureEpisode, FailureObservation, PostureHistory } from './history.ts';
import {
  failureSince,
  idsPerQuery,
  toActivity,
  toDailyCount,
  toEpisode,
  toOpenCount,
} from './sqlite-history.ts';

type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The posture history in PostgreSQL (tables created by the store's migrations). A sweep is one
 * transaction; opening a failure is an upsert on the open-failure index, so two replicas recording
 * the same finding at once leave one open failure.
 */
export function postgresHistory(
  pool: pg.Pool,
  tx: <T>(work: (c: Queryable) => Promise<T>) => Promise<T>,
): PostureHistory {
  /** Opens or refreshes each failure (an upsert on the open-failure index); returns how many were opened. */
  async function observe(c: Queryable, at: string, failing: readonly FailureObservation[]) {
    let opened = 0;
    for (const f of failing) {
      const passed = await c.query(
        'SELECT 1 FROM posture_failure WHERE finding_id = $1 AND resolved_at IS NOT NULL LIMIT 1',
        [f.findingId],
      );
      const since = failureSince(at, f, (passed.rowCount ?? 0) > 0);
      const result = await c.query(
        `INSERT INTO posture_failure (finding_id, account_id, region, control_id, severity, resource_id, since, first_seen_at, last_seen_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (finding_id) WHERE resolved_at IS NULL
         DO UPDATE SET last_seen_at = excluded.last_seen_at, severity = excluded.severity
         RETURNING (xmax = 0) AS inserted`,
        [f.findingId, f.accountId, f.region, f.controlId, f.severity, f.resourceId ?? null, since, at],
      );
      if (result.rows[0]?.inserted) opened += 1;
    }
    return opened;
  }

  async function putDaily(
    c: Queryable,
    scope: { accountId: string; region: string },
    day: string,
    severity: string,
    failing: number,
  ) {
    await c.query(
      `INSERT INTO posture_daily (account_id, region, day, severity, failing) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (account_id, region, day, severity) DO UPDATE SET failing = excluded.failing`,
      [scope.accountId, scope.region, day, severity, failing],
    );
  }

  return {
    async recordSweep(sweep) {
      return tx(async (c) => {
        const opened = await observe(c, sweep.at, sweep.failing);
        let resolved = 0;
        const present = new Set<string>(sweep.suppressed);
        for (const f of sweep.failing) present.add(f.findingId);
        const counts = new Map<string, number>();
        for (const f of sweep.failing) {
          const key = `${f.accountId}|${f.region}|${f.severity}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        for (const scope of sweep.scopes) {
          const open = await c.query(
            'SELECT id, finding_id, severity FROM posture_failure WHERE account_id = $1 AND region = $2 AND resolved_at IS NULL',
            [scope.accountId, scope.region],
          );
          const gone = open.rows
            .filter((r) => !present.has(r.finding_id) && sweep.severities.includes(r.severity))
            .map((r) => r.id);
          if (gone.length > 0) {
            await c.query('UPDATE posture_failure SET resolved_at = $1 WHERE id = ANY($2::bigint[])', [
              sweep.at,
              gone,
            ]);
            resolved += gone.length;
          }
          for (const severity of new Set(sweep.severities)) {
            const failing = counts.get(`${scope.accountId}|${scope.region}|${severity}`) ?? 0;
            await putDaily(c, scope, sweep.day, severity, failing);
          }
        }
        return { opened, resolved };
      });
    },
    beginSweep(sweep) {
      let opened = 0;
      return {
        async observe(failing) {
          opened += await tx((c) => observe(c, sweep.at, failing));
        },
        async finish(days, held = []) {
          return tx(async (c) => {
            let resolved = 0;
            const suppressed = new Set([...sweep.suppressed, ...held]);
            const counts = new Map<string, number>();
            const observed = await c.query(
              `SELECT account_id, region, severity, COUNT(*)::int AS n FROM posture_failure
               WHERE resolved_at IS NULL AND last_seen_at = $1 GROUP BY account_id, region, severity`,
              [sweep.at],
            );
            for (const row of observed.rows)
              counts.set(`${row.account_id}|${row.region}|${row.severity}`, row.n);
            for (const scope of sweep.scopes) {
              const unseen = await c.query(
                `SELECT id, finding_id, severity FROM posture_failure
                 WHERE account_id = $1 AND region = $2 AND resolved_at IS NULL AND last_seen_at < $3`,
                [scope.accountId, scope.region, sweep.at],
              );
              const gone = unseen.rows
                .filter((r) => !suppressed.has(r.finding_id) && sweep.severities.includes(r.severity))
                .map((r) => r.id);
              if (gone.length > 0) {
                await c.query('UPDATE posture_failure SET resolved_at = $1 WHERE id = ANY($2::bigint[])', [
                  sweep.at,
                  gone,
                ]);
                resolved += gone.length;
              }
              for (const severity of new Set(sweep.severities)) {
                const failing = counts.get(`${scope.accountId}|${scope.region}|${severity}`) ?? 0;
                for (const day of days) await putDaily(c, scope, day, severity, failing);
              }
            }
            return { opened, resolved };
          });
        },
      };
    },
    async reportedUnseenSince(channel, seenAt, severities) {
      const result = await pool.query(
        `SELECT r.finding_id FROM digest_reported r WHERE r.channel = $1 AND NOT EXISTS (
           SELECT 1 FROM posture_failure p WHERE p.finding_id = r.finding_id AND p.resolved_at IS NULL
             AND p.last_seen_at >= $2 AND p.severity = ANY($3::text[]))
         ORDER BY r.finding_id`,
        [channel, seenAt, severities],
      );
      return result.rows.map((r) => String(r.finding_id));
    },
    async openFailures(accountIds) {
      const result = await pool.query(
        `SELECT * FROM posture_failure WHERE resolved_at IS NULL AND account_id = ANY($1::text[])
         ORDER BY since, finding_id`,
        [accountIds],
      );
      return result.rows.map(toEpisode);
    },
    async openFailureCounts(accountIds) {
      const result = await pool.query(
        `SELECT severity, substr(since, 1, 16) AS minute, count(*) AS n FROM posture_failure
         WHERE resolved_at IS NULL AND account_id = ANY($1::text[])
         GROUP BY severity, minute ORDER BY minute, severity`,
        [accountIds],
      );
      return result.rows.map(toOpenCount);
    },
    async failureActivity(accountIds, from) {
      const result = await pool.query(
        `SELECT 'began' AS event, substr(since, 1, 16) AS minute, count(*) AS n FROM posture_failure
         WHERE account_id = ANY($1::text[]) AND since >= $2 GROUP BY minute
         UNION ALL
         SELECT 'fixed' AS event, substr(resolved_at, 1, 16) AS minute, count(*) AS n FROM posture_failure
         WHERE account_id = ANY($1::text[]) AND resolved_at >= $2 GROUP BY minute
         ORDER BY minute, event`,
        [accountIds, from],
      );
      return result.rows.map(toActivity);
    },
    async openFailuresOf(findingIds) {
      const out: FailureEpisode[] = [];
      for (let i = 0; i < findingIds.length; i += idsPerQuery) {
        const result = await pool.query(
          `SELECT * FROM posture_failure WHERE resolved_at IS NULL AND finding_id = ANY($1::text[])
           ORDER BY since, finding_id`,
          [findingIds.slice(i, i + idsPerQuery)],
        );
        for (const row of result.rows) out.push(toEpisode(row));
      }
      return out;
    },
    async failuresBetween(filter) {
      const result = await pool.query(
        `SELECT * FROM posture_failure
         WHERE account_id = ANY($1::text[]) AND since <= $2 AND (resolved_at IS NULL OR resolved_at >= $3)
         ORDER BY account_id, since, finding_id`,
        [filter.accountIds, filter.to ?? '9999', filter.from ?? '0000'],
      );
      return result.rows.map(toEpisode);
    },
    async dailyCounts(filter) {
      const result = await pool.query(
        `SELECT * FROM posture_daily WHERE account_id = ANY($1::text[]) AND day >= $2 AND day <= $3
         ORDER BY day, account_id, region, severity`,
        [filter.accountIds, filter.from ?? '0000-00-00', filter.to ?? '9999-99-99'],
      );
      return result.rows.map(toDailyCount);
    },
    async purgeHistory(beforeDay, beforeAt) {
      return tx(async (c) => {
        const days = await c.query('DELETE FROM posture_daily WHERE day < $1', [beforeDay]);
        const failures = await c.query(
          'DELETE FROM posture_failure WHERE resolved_at IS NOT NULL AND resolved_at < $1',
          [beforeAt],
        );
        return (days.rowCount ?? 0) + (failures.rowCount ?? 0);
      });
    },
  };
}
