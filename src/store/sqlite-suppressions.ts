import type Database from 'better-sqlite3';
import { z } from 'zod';
import {
  type NewSuppression,
  type Store,
  type Suppression,
  type SuppressionFilter,
  type SuppressionState,
  SuppressionTransitionError,
  statesBefore,
} from './store.ts';

interface Row {
  id: number;
  request_key: string;
  control_id: string;
  account_id: string;
  region: string;
  scope: 'resource' | 'control';
  reason: string;
  user_id: string;
  user_name: string;
  created_at: string;
  expires_at: string;
  state: SuppressionState;
  findings: string;
  updated: string;
  failed: string;
  channel: string | null;
  message_ts: string | null;
  permalink: string | null;
  ended_at: string | null;
}

/** The JSON columns are read back through a schema: a hand-edited or damaged row fails loudly, by name. */
const Findings = z.array(z.object({ id: z.string(), productArn: z.string(), resourceId: z.string() }));
const Ids = z.array(z.string());
const Failed = z.array(z.object({ id: z.string(), code: z.string(), message: z.string() }));
const State = z.enum(['pending', 'active', 'partial', 'expired', 'lifted']);

function toSuppression(row: Row): Suppression {
  return {
    id: row.id,
    requestKey: row.request_key,
    controlId: row.control_id,
    accountId: row.account_id,
    region: row.region,
    scope: z.enum(['resource', 'control']).parse(row.scope),
    reason: row.reason,
    userId: row.user_id,
    userName: row.user_name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    state: State.parse(row.state),
    findings: Findings.parse(JSON.parse(row.findings)),
    updated: Ids.parse(JSON.parse(row.updated)),
    failed: Failed.parse(JSON.parse(row.failed)),
    channel: row.channel,
    messageTs: row.message_ts,
    permalink: row.permalink,
    endedAt: row.ended_at,
  };
}

type SuppressionMethods = Pick<
  Store,
  | 'createSuppression'
  | 'suppressionProgress'
  | 'endSuppression'
  | 'recordSuppressionEvent'
  | 'getSuppression'
  | 'suppressionForRequest'
  | 'listSuppressions'
  | 'suppressionHistory'
>;

/**
 * Suppression records and their audit trail in SQLite. Every change to a record writes an event in
 * the same transaction; the event table refuses updates and deletes (database triggers).
 */
export function suppressionStatements(db: Database.Database, now: () => number): SuppressionMethods {
  const insert = db.prepare(
    `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
       created_at, expires_at, state, findings, channel, message_ts, permalink)
     VALUES (@requestKey, @controlId, @accountId, @region, @scope, @reason, @userId, @userName,
       @createdAt, @expiresAt, 'pending', @findings, @channel, @messageTs, @permalink)
     ON CONFLICT (request_key) DO NOTHING`,
  );
  const byKey = db.prepare<[string], Row>('SELECT * FROM suppression WHERE request_key = ?');
  const byId = db.prepare<[number], Row>('SELECT * FROM suppression WHERE id = ?');
  // The guard is in the write: `state IN (...)` lists the states that may move to the new one.
  const guard = (to: SuppressionState) =>
    statesBefore(to)
      .map((s) => `'${s}'`)
      .join(', ');
  const setProgress = Object.fromEntries(
    (['partial', 'active'] as const).map((to) => [
      to,
      db.prepare(
        `UPDATE suppression SET state = '${to}', updated = ?, failed = ? WHERE id = ? AND state IN (${guard(to)})`,
      ),
    ]),
  );
  const setEnded = Object.fromEntries(
    (['lifted', 'expired'] as const).map((to) => [
      to,
      db.prepare(
        `UPDATE suppression SET state = '${to}', ended_at = ? WHERE id = ? AND state IN (${guard(to)})`,
      ),
    ]),
  );
  const refused = (id: number, to: SuppressionState) =>
    new SuppressionTransitionError(id, byId.get(id)?.state ?? 'missing', to);
  const event = db.prepare(
    'INSERT INTO suppression_event (suppression_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)',
  );
  const events = db.prepare<[number], { at: string; actor: string; action: string; detail: string }>(
    'SELECT at, actor, action, detail FROM suppression_event WHERE suppression_id = ? ORDER BY id',
  );
  const iso = () => new Date(now()).toISOString();
  const record = (id: number, actor: string, action: string, detail: Record<string, unknown>) =>
    event.run(id, iso(), actor, action, JSON.stringify(detail));
  const get = (id: number) => toSuppression(byId.get(id) as Row);
  // One statement per filter shape (which parts are given, how many values), prepared once.
  const listings = new Map<string, Database.Statement<unknown[], Row>>();
  const listing = (filter: SuppressionFilter) => {
    const where: string[] = [];
    const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    if (filter.states) where.push(`state IN (${marks(filter.states.length)})`);
    if (filter.accountIds) where.push(`account_id IN (${marks(filter.accountIds.length)})`);
    if (filter.endedSince) where.push('ended_at >= ?');
    const sql = `SELECT * FROM suppression${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    let statement = listings.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], Row>(sql);
      listings.set(sql, statement);
    }
    return statement;
  };

  return {
    async createSuppression(input: NewSuppression) {
      return db.transaction(() => {
        const inserted = insert.run({ ...input, findings: JSON.stringify(input.findings) }).changes === 1;
        const row = byKey.get(input.requestKey) as Row;
        if (inserted) {
          record(row.id, input.userId, 'requested', {
            reason: input.reason,
            scope: input.scope,
            expiresAt: input.expiresAt,
            findings: input.findings.map((f) => f.id),
          });
        }
        return { suppression: toSuppression(row), created: inserted };
      })();
    },
    async suppressionProgress(id, actor, state, updated, failed) {
      const statement = setProgress[state];
      db.transaction(() => {
        if (statement?.run(JSON.stringify(updated), JSON.stringify(failed), id).changes !== 1)
          throw refused(id, state);
        record(id, actor, state, { updated: updated.length, failed });
      })();
      return get(id);
    },
    async endSuppression(id, actor, state, detail) {
      db.transaction(() => {
        if (setEnded[state]?.run(iso(), id).changes !== 1) throw refused(id, state);
        record(id, actor, state, detail);
      })();
      return get(id);
    },
    async recordSuppressionEvent(id, actor, action, detail) {
      record(id, actor, action, detail);
    },
    async getSuppression(id) {
      const row = byId.get(id);
      return row ? toSuppression(row) : null;
    },
    async suppressionForRequest(requestKey) {
      const row = byKey.get(requestKey);
      return row ? toSuppression(row) : null;
    },
    async listSuppressions(filter: SuppressionFilter = {}) {
      const values: string[] = [...(filter.states ?? []), ...(filter.accountIds ?? [])];
      if (filter.endedSince) values.push(filter.endedSince);
      return listing(filter)
        .all(...values)
        .map(toSuppression);
    },
    async suppressionHistory(id) {
      return events.all(id).map((e) => ({ ...e, detail: JSON.parse(e.detail) }));
    },
  };
}
