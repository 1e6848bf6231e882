import pg from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';
import type { DigestPlanRecord, DigestRun } from '../digest/types.ts';
import { eventHash, genesisHash } from '../suppression/audit.ts';
import {
  type ApprovalDecision,
  type SuppressionFilter,
  type SuppressionState,
  SuppressionTransitionError,
  statesBefore,
} from '../suppression/types.ts';
import { migratePostgresControls, postgresControlDefinitions } from './postgres-controls.ts';
import { migratePostgresDiscovery, postgresDiscovery } from './postgres-discovery.ts';
import { postgresHistory } from './postgres-history.ts';
import { lockKey, migratePostgres, postgresMigrations, postgresSchemaVersion } from './postgres-schema.ts';
import { postgresTransfer } from './postgres-transfer.ts';
import {
  ChainedEventRow,
  CheckTargetRow,
  channelsByFinding,
  EventRow,
  ItemRow,
  LanguageRow,
  LeaseHolderRow,
  parseRow,
  RunRow,
  SuppressionRow,
  toGroup,
} from './rows.ts';
import type { Store } from './store.ts';
import { decisionAction, decisionDetail, requestedDetail } from './suppression-events.ts';

export interface PostgresStoreOptions {
  /** A postgres:// URL; parts it leaves out come from the standard PG* variables. */
  connectionString?: string | undefined;
  /** Connections per replica (default 10). */
  poolSize?: number | undefined;
  /**
   * Opens all `poolSize` connections at start and keeps them (a server): the first burst of commands
   * after start or after a quiet spell does not wait for connections to be made. Off, the pool connects
   * on demand and closes connections idle for 10 s (the CLI, tests).
   */
  keepConnections?: boolean | undefined;
  now?: () => number;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Opens the pool's connections together; one that fails now is simply made later, on demand. */
async function warmUp(pool: pg.Pool, size: number): Promise<void> {
  const opened = await Promise.allSettled(Array.from({ length: size }, () => pool.connect()));
  for (const result of opened) if (result.status === 'fulfilled') result.value.release();
}

/**
 * The store in PostgreSQL, for several replicas sharing one database. Every write that must not
 * be half-done is one transaction; claims, leases and the first write of a suppression are single
 * atomic statements, so replicas racing for them cannot both win.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const base: pg.PoolConfig = options.connectionString ? parseIntoClientConfig(options.connectionString) : {};
  const pool = new pg.Pool({
    ...base,
    // As SQLite's synchronous=NORMAL: a commit does not wait for the WAL flush, so an OS crash of the
    // database host may lose the last moments of digest bookkeeping (at worst a reply posted twice).
    // Suppressions and their audit trail switch it back on for their transactions (see tx).
    options: [base.options ?? process.env.PGOPTIONS, '-c synchronous_commit=off'].filter(Boolean).join(' '),
    max: options.poolSize ?? 10,
    ...(options.keepConnections ? { min: options.poolSize ?? 10 } : {}),
  });
  // An idle connection the server dropped must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const client = await pool.connect();
  try {
    await migratePostgres(client);
    await migratePostgresDiscovery(client);
    await migratePostgresControls(client);
  } catch (error) {
    client.release();
    await pool.end();
    throw error;
  }
  client.release();
  if (options.keepConnections) await warmUp(pool, options.poolSize ?? 10);
  const now = options.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();

  async function tx<T>(work: (c: Queryable) => Promise<T>, durable = false): Promise<T> {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      // Suppressions and their audit trail are flushed at commit even where the server's default is off.
      if (durable) await c.query('SET LOCAL synchronous_commit = on');
      const result = await work(c);
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      c.release();
    }
  }

  const one = async (q: Queryable, sql: string, values: unknown[] = []) =>
    (await q.query(sql, values)).rows[0];
  const all = async (q: Queryable, sql: string, values: unknown[] = []) => (await q.query(sql, values)).rows;

  const toItem = (row: unknown) => parseRow(ItemRow, 'digest_item', row);
  const toSuppression = (row: unknown) => parseRow(SuppressionRow, 'suppression', row);
  async function toRun(q: Queryable, row: unknown): Promise<DigestRun | null> {
    if (!row) return null;
    const run = parseRow(RunRow, 'digest_run', row);
    const items = await all(q, 'SELECT * FROM digest_item WHERE run_id = $1 ORDER BY position', [run.id]);
    return { ...run, items: items.map(toItem) };
  }
  async function markReported(q: Queryable, channel: string, ids: readonly string[], runId: number) {
    if (ids.length === 0) return;
    await q.query(
      `INSERT INTO digest_reported (channel, finding_id, run_id) SELECT $1, unnest($2::text[]), $3
       ON CONFLICT (channel, finding_id) DO UPDATE SET run_id = excluded.run_id`,
      [channel, ids, runId],
    );
  }
  async function record(
    q: Queryable,
    id: number,
    actor: string,
    action: string,
    detail: Record<string, unknown>,
  ) {
    // One appender at a time per installation, so each event follows the one before it.
    await q.query(`SELECT pg_advisory_xact_lock(${lockKey('audit')})`);
    const last = await one(q, 'SELECT hash FROM suppression_event ORDER BY id DESC LIMIT 1');
    const prevHash = (last?.hash as string | undefined) ?? genesisHash;
    const e = { suppressionId: id, at: iso(), actor, action, detail: JSON.stringify(detail) };
    await q.query(
      `INSERT INTO suppression_event (suppression_id, at, actor, action, detail, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [id, e.at, actor, action, e.detail, prevHash, eventHash(prevHash, e)],
    );
  }
  const getSuppression = async (q: Queryable, id: number) => {
    const row = await one(q, 'SELECT * FROM suppression WHERE id = $1', [id]);
    return row ? toSuppression(row) : null;
  };
  // The guard is in the write (`state = ANY(...)`); a refused change names the state the record is in.
  const refused = async (q: Queryable, id: number, to: SuppressionState) =>
    new SuppressionTransitionError(id, (await getSuppression(q, id))?.state ?? 'missing', to);

  return {
    ...postgresTransfer(pool),
    ...postgresHistory(pool, tx),
    ...postgresDiscovery(pool),
    ...postgresControlDefinitions(pool),
    async ready() {
      try {
        return (await postgresSchemaVersion(pool)) === postgresMigrations.length;
      } catch {
        return false;
      }
    },
    async close() {
      await pool.end();
    },

    async getUserLanguage(userId) {
      const row = await one(pool, 'SELECT language FROM user_language WHERE user_id = $1', [userId]);
      return row ? parseRow(LanguageRow, 'user_language', row).language : null;
    },
    async setUserLanguage(userId, language) {
      await pool.query(
        `INSERT INTO user_language (user_id, language, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at`,
        [userId, language, iso()],
      );
    },
    async setDigestEnabled(channel, enabled) {
      await pool.query(
        `INSERT INTO digest_channel (channel, enabled) VALUES ($1, $2)
         ON CONFLICT (channel) DO UPDATE SET enabled = excluded.enabled`,
        [channel, enabled],
      );
    },
    async digestEnabled(channel) {
      const row = await one(pool, 'SELECT enabled FROM digest_channel WHERE channel = $1', [channel]);
      return row ? row.enabled === true : null;
    },
    async claimOnce(key, ttlMs) {
      const at = now();
      const result = await pool.query(
        `INSERT INTO claimed_key (key, expires_at) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE claimed_key.expires_at < $3`,
        [key, at + ttlMs, at],
      );
      // Expired keys are swept now and then, not on every request.
      if (Math.random() < 0.01) await pool.query('DELETE FROM claimed_key WHERE expires_at < $1', [at]);
      return result.rowCount === 1;
    },

    async acquireLease(name, holder, ttlMs) {
      const at = now();
      const row = await one(
        pool,
        `INSERT INTO lease (name, holder, expires_at, token) VALUES ($1, $2, $3, 1)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at,
           token = lease.token + 1, note = NULL
         WHERE lease.expires_at < $4
         RETURNING token`,
        [name, holder, at + ttlMs, at],
      );
      return row ? { name, holder, token: Number(row.token) } : null;
    },
    async renewLease(grant, ttlMs) {
      const result = await pool.query(
        'UPDATE lease SET expires_at = $1 WHERE name = $2 AND holder = $3 AND token = $4',
        [now() + ttlMs, grant.name, grant.holder, grant.token],
      );
      return result.rowCount === 1;
    },
    async releaseLease(grant) {
      // The row stays (expired) so the next holder's token is still greater.
      await pool.query('UPDATE lease SET expires_at = 0 WHERE name = $1 AND holder = $2 AND token = $3', [
        grant.name,
        grant.holder,
        grant.token,
      ]);
    },
    async noteLease(grant, note) {
      const result = await pool.query(
        'UPDATE lease SET note = $1 WHERE name = $2 AND holder = $3 AND token = $4 AND expires_at >= $5',
        [note, grant.name, grant.holder, grant.token, now()],
      );
      return result.rowCount === 1;
    },
    async leaseHolder(name) {
      const row = await one(
        pool,
        'SELECT holder, token, note FROM lease WHERE name = $1 AND expires_at >= $2',
        [name, now()],
      );
      return row ? parseRow(LeaseHolderRow, 'lease', row) : null;
    },

    async reportedFindings(channel) {
      const rows = await all(pool, 'SELECT finding_id FROM digest_reported WHERE channel = $1', [channel]);
      return new Set(rows.map((r) => String(r.finding_id)));
    },
    async reportedChannels(findingIds) {
      if (findingIds.length === 0) return new Map();
      const rows = await all(
        pool,
        'SELECT channel, finding_id FROM digest_reported WHERE finding_id = ANY($1::text[])',
        [findingIds],
      );
      return channelsByFinding(rows);
    },
    async unfinishedDigest(channel) {
      const row = await one(
        pool,
        'SELECT * FROM digest_run WHERE channel = $1 AND finished_at IS NULL ORDER BY id DESC LIMIT 1',
        [channel],
      );
      return toRun(pool, row);
    },
    async lastDigest(channel) {
      const row = await one(
        pool,
        'SELECT * FROM digest_run WHERE channel = $1 AND finished_at IS NOT NULL ORDER BY id DESC LIMIT 1',
        [channel],
      );
      return toRun(pool, row);
    },
    async createDigest(plan: DigestPlanRecord) {
      return tx(async (q) => {
        const run = await one(
          q,
          'INSERT INTO digest_run (channel, started_at, summary) VALUES ($1, $2, $3) RETURNING *',
          [plan.channel, plan.startedAt, JSON.stringify(plan.summary)],
        );
        for (const item of plan.items) {
          await q.query(
            `INSERT INTO digest_item (run_id, position, key, control_id, account_id, region, finding_ids, resources, label)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [
              run?.id,
              item.position,
              item.key,
              item.controlId,
              item.accountId,
              item.region,
              JSON.stringify(item.findingIds),
              JSON.stringify(item.resources),
              item.label ?? null,
            ],
          );
        }
        return (await toRun(q, run)) as DigestRun;
      });
    },
    async setDigestParent(runId, ts) {
      await pool.query('UPDATE digest_run SET parent_ts = $1 WHERE id = $2', [ts, runId]);
    },
    async recordDigestItem(runId, position, ts) {
      // One statement (one round trip, atomic): the reply's ts and its findings marked reported.
      await pool.query(
        `WITH item AS (
           UPDATE digest_item SET ts = $1 WHERE run_id = $2 AND position = $3 RETURNING finding_ids
         )
         INSERT INTO digest_reported (channel, finding_id, run_id)
         SELECT r.channel, f.id, $2 FROM item, digest_run r, json_array_elements_text(item.finding_ids::json) AS f(id)
         WHERE r.id = $2
         ON CONFLICT (channel, finding_id) DO UPDATE SET run_id = excluded.run_id`,
        [ts, runId, position],
      );
    },
    async finishDigest(runId) {
      await tx(async (q) => {
        const run = await toRun(
          q,
          await one(q, 'SELECT * FROM digest_run WHERE id = $1 FOR UPDATE', [runId]),
        );
        if (!run) return;
        if (run.summary.resolvedIds.length > 0) {
          await q.query('DELETE FROM digest_reported WHERE channel = $1 AND finding_id = ANY($2::text[])', [
            run.channel,
            run.summary.resolvedIds,
          ]);
        }
        await markReported(q, run.channel, run.summary.overflowIds, runId);
        await q.query('UPDATE digest_run SET finished_at = $1 WHERE id = $2', [iso(), runId]);
      });
    },
    async digestRun(id) {
      return toRun(pool, await one(pool, 'SELECT * FROM digest_run WHERE id = $1', [id]));
    },
    async digestItem(key) {
      const row = await one(pool, 'SELECT * FROM digest_item WHERE key = $1', [key]);
      return row ? toItem(row) : null;
    },
    async forgetReported(findingIds) {
      if (findingIds.length === 0) return;
      await pool.query('DELETE FROM digest_reported WHERE finding_id = ANY($1::text[])', [findingIds]);
    },

    async recordCheckTargets(targets) {
      if (targets.length === 0) return;
      // One statement for all of them (atomic on its own): a check's result waits on one round trip.
      await pool.query(
        `INSERT INTO check_target (key, control_id, account_id, region, finding_ids, resources, channel, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
         ON CONFLICT (key) DO NOTHING`,
        [
          targets.map((t) => t.key),
          targets.map((t) => t.controlId),
          targets.map((t) => t.accountId),
          targets.map((t) => t.region),
          targets.map((t) => JSON.stringify(t.findingIds)),
          targets.map((t) => JSON.stringify(t.resources)),
          targets.map((t) => t.channel),
          targets.map((t) => t.createdAt),
        ],
      );
    },
    async setCheckTargetMessage(key, ts) {
      await pool.query('UPDATE check_target SET ts = $1 WHERE key = $2 AND ts IS NULL', [ts, key]);
    },
    async purgeCheckTargets(before) {
      return (await pool.query('DELETE FROM check_target WHERE created_at < $1', [before])).rowCount ?? 0;
    },
    async suppressTarget(key) {
      const row = await one(
        pool,
        'SELECT i.*, r.channel FROM digest_item i JOIN digest_run r ON r.id = i.run_id WHERE i.key = $1',
        [key],
      );
      if (row) {
        const { runId: _, position: __, label: ___, ...item } = toItem(row);
        return { ...item, kind: 'digest', channel: (row.channel as string | null) ?? null };
      }
      const target = await one(pool, 'SELECT * FROM check_target WHERE key = $1', [key]);
      if (!target) return null;
      const parsed = parseRow(CheckTargetRow, 'check_target', target);
      return { kind: 'check', ...toGroup(parsed), channel: parsed.channel, ts: parsed.ts };
    },

    async createSuppression(input) {
      return tx(async (q) => {
        const inserted = await one(
          q,
          `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
             created_at, expires_at, state, findings, channel, message_ts, permalink, approval_expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $15, $11, $12, $13, $14, $16)
           ON CONFLICT (request_key) DO NOTHING RETURNING *`,
          [
            input.requestKey,
            input.controlId,
            input.accountId,
            input.region,
            input.scope,
            input.reason,
            input.userId,
            input.userName,
            input.createdAt,
            input.expiresAt,
            JSON.stringify(input.findings),
            input.channel,
            input.messageTs,
            input.permalink,
            input.approval ? 'awaiting_approval' : 'pending',
            input.approval?.expiresAt ?? null,
          ],
        );
        if (!inserted) {
          const existing = await one(q, 'SELECT * FROM suppression WHERE request_key = $1', [
            input.requestKey,
          ]);
          return { suppression: toSuppression(existing), created: false };
        }
        const suppression = toSuppression(inserted);
        await record(q, suppression.id, input.userId, 'requested', requestedDetail(input));
        return { suppression, created: true };
      }, true);
    },
    async suppressionProgress(id, actor, state, updated, failed) {
      return tx(async (q) => {
        const moved = await q.query(
          'UPDATE suppression SET state = $1, updated = $2, failed = $3 WHERE id = $4 AND state = ANY($5::text[])',
          [state, JSON.stringify(updated), JSON.stringify(failed), id, statesBefore(state)],
        );
        if (moved.rowCount !== 1) throw await refused(q, id, state);
        await record(q, id, actor, state, { updated: updated.length, failed });
        return (await getSuppression(q, id)) as NonNullable<Awaited<ReturnType<typeof getSuppression>>>;
      }, true);
    },
    async endSuppression(id, actor, state, detail) {
      return tx(async (q) => {
        const moved = await q.query(
          'UPDATE suppression SET state = $1, ended_at = $2 WHERE id = $3 AND state = ANY($4::text[])',
          [state, iso(), id, statesBefore(state)],
        );
        if (moved.rowCount !== 1) throw await refused(q, id, state);
        await record(q, id, actor, state, detail);
        return (await getSuppression(q, id)) as NonNullable<Awaited<ReturnType<typeof getSuppression>>>;
      }, true);
    },
    async decideApproval(id, decision: ApprovalDecision) {
      return tx(async (q) => {
        const at = iso();
        const guard = statesBefore(decision.state);
        const moved =
          decision.state === 'pending'
            ? await q.query(
                `UPDATE suppression SET state = 'pending', reviewer_id = $1, reviewer_name = $2, reviewed_at = $3,
                   findings = $4 WHERE id = $5 AND state = ANY($6::text[])`,
                [decision.actor, decision.actorName, at, JSON.stringify(decision.findings), id, guard],
              )
            : decision.state === 'rejected'
              ? await q.query(
                  `UPDATE suppression SET state = 'rejected', reviewer_id = $1, reviewer_name = $2, reviewed_at = $3,
                     rejection_reason = $4, ended_at = $3 WHERE id = $5 AND state = ANY($6::text[])`,
                  [decision.actor, decision.actorName, at, decision.reason, id, guard],
                )
              : await q.query(
                  `UPDATE suppression SET state = 'approval_expired', ended_at = $1
                   WHERE id = $2 AND state = ANY($3::text[])`,
                  [at, id, guard],
                );
        if (moved.rowCount !== 1) throw await refused(q, id, decision.state);
        await record(q, id, decision.actor, decisionAction(decision), decisionDetail(decision));
        return (await getSuppression(q, id)) as NonNullable<Awaited<ReturnType<typeof getSuppression>>>;
      }, true);
    },
    async setApprovalMessage(id, ts) {
      await pool.query(
        'UPDATE suppression SET approval_ts = $1 WHERE id = $2 AND approval_expires_at IS NOT NULL',
        [ts, id],
      );
    },
    async recordSuppressionEvent(id, actor, action, detail) {
      await tx((q) => record(q, id, actor, action, detail), true);
    },
    async getSuppression(id) {
      return getSuppression(pool, id);
    },
    async suppressionForRequest(requestKey) {
      const row = await one(pool, 'SELECT * FROM suppression WHERE request_key = $1', [requestKey]);
      return row ? toSuppression(row) : null;
    },
    async listSuppressions(filter: SuppressionFilter = {}) {
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        values.push(value);
        where.push(sql.replace('?', `$${values.length}`));
      };
      if (filter.states) add('state = ANY(?::text[])', filter.states);
      if (filter.accountIds) add('account_id = ANY(?::text[])', filter.accountIds);
      if (filter.endedSince) add('ended_at >= ?', filter.endedSince);
      const rows = await all(
        pool,
        `SELECT * FROM suppression${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`,
        values,
      );
      return rows.map(toSuppression);
    },
    async suppressionHistory(id) {
      const rows = await all(
        pool,
        'SELECT at, actor, action, detail FROM suppression_event WHERE suppression_id = $1 ORDER BY id',
        [id],
      );
      return rows.map((e) => parseRow(EventRow, 'suppression_event', e));
    },
    async auditEvents(afterId, limit) {
      const rows = await all(
        pool,
        `SELECT id, suppression_id, at, actor, action, detail, prev_hash, hash FROM suppression_event
         WHERE id > $1 ORDER BY id LIMIT $2`,
        [afterId, limit],
      );
      return rows.map((e) => parseRow(ChainedEventRow, 'suppression_event', e));
    },
  };
}
