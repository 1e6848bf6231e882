import type Database from 'better-sqlite3';
import { eventHash, genesisHash } from '../suppression/audit.ts';
import {
  type ApprovalDecision,
  type NewSuppression,
  type SuppressionFilter,
  type SuppressionState,
  SuppressionTransitionError,
  statesBefore,
} from '../suppression/types.ts';
import { ChainedEventRow, EventRow, parseRow, SuppressionRow } from './rows.ts';
import type { Store } from './store.ts';
import { decisionAction, decisionDetail, requestedDetail } from './suppression-events.ts';

const toSuppression = (row: unknown) => parseRow(SuppressionRow, 'suppression', row);

type SuppressionMethods = Pick<
  Store,
  | 'createSuppression'
  | 'suppressionProgress'
  | 'endSuppression'
  | 'decideApproval'
  | 'setApprovalMessage'
  | 'recordSuppressionEvent'
  | 'getSuppression'
  | 'suppressionForRequest'
  | 'listSuppressions'
  | 'suppressionHistory'
  | 'auditEvents'
>;

/**
 * Suppression records and their audit trail in SQLite. Every change to a record writes an event in
 * the same transaction; the event table refuses updates and deletes (database triggers).
 */
export function suppressionStatements(db: Database.Database, now: () => number): SuppressionMethods {
  const insert = db.prepare(
    `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
       created_at, expires_at, state, findings, channel, message_ts, permalink, approval_expires_at)
     VALUES (@requestKey, @controlId, @accountId, @region, @scope, @reason, @userId, @userName,
       @createdAt, @expiresAt, @state, @findings, @channel, @messageTs, @permalink, @approvalExpiresAt)
     ON CONFLICT (request_key) DO NOTHING`,
  );
  const byKey = db.prepare<[string], unknown>('SELECT * FROM suppression WHERE request_key = ?');
  const byId = db.prepare<[number], unknown>('SELECT * FROM suppression WHERE id = ?');
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
  const decide = {
    pending: db.prepare(
      `UPDATE suppression SET state = 'pending', reviewer_id = @actor, reviewer_name = @actorName,
         reviewed_at = @at, findings = @findings WHERE id = @id AND state IN (${guard('pending')})`,
    ),
    rejected: db.prepare(
      `UPDATE suppression SET state = 'rejected', reviewer_id = @actor, reviewer_name = @actorName,
         reviewed_at = @at, rejection_reason = @reason, ended_at = @at
       WHERE id = @id AND state IN (${guard('rejected')})`,
    ),
    approval_expired: db.prepare(
      `UPDATE suppression SET state = 'approval_expired', ended_at = @at
       WHERE id = @id AND state IN (${guard('approval_expired')})`,
    ),
  };
  const setApprovalTs = db.prepare(
    'UPDATE suppression SET approval_ts = ? WHERE id = ? AND approval_expires_at IS NOT NULL',
  );
  const refused = (id: number, to: SuppressionState) => {
    const row = byId.get(id);
    return new SuppressionTransitionError(id, row ? toSuppression(row).state : 'missing', to);
  };
  const event = db.prepare(
    `INSERT INTO suppression_event (suppression_id, at, actor, action, detail, prev_hash, hash)
     VALUES (@suppressionId, @at, @actor, @action, @detail, @prevHash, @hash)`,
  );
  const lastHash = db.prepare<[], { hash: string }>(
    'SELECT hash FROM suppression_event ORDER BY id DESC LIMIT 1',
  );
  const chain = db.prepare<[number, number], unknown>(
    `SELECT id, suppression_id, at, actor, action, detail, prev_hash, hash FROM suppression_event
     WHERE id > ? ORDER BY id LIMIT ?`,
  );
  const events = db.prepare<[number], unknown>(
    'SELECT at, actor, action, detail FROM suppression_event WHERE suppression_id = ? ORDER BY id',
  );
  const iso = () => new Date(now()).toISOString();
  // Each event is chained to the one before; IMMEDIATE so another process cannot append in between.
  const record = db.transaction(
    (suppressionId: number, actor: string, action: string, detail: Record<string, unknown>) => {
      const prevHash = lastHash.get()?.hash ?? genesisHash;
      const e = { suppressionId, at: iso(), actor, action, detail: JSON.stringify(detail) };
      event.run({ ...e, prevHash, hash: eventHash(prevHash, e) });
    },
  ).immediate;
  const get = (id: number) => toSuppression(byId.get(id));
  // One statement per filter shape (which parts are given, how many values), prepared once.
  const listings = new Map<string, Database.Statement<unknown[], unknown>>();
  const listing = (filter: SuppressionFilter) => {
    const where: string[] = [];
    const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');
    if (filter.states) where.push(`state IN (${marks(filter.states.length)})`);
    if (filter.accountIds) where.push(`account_id IN (${marks(filter.accountIds.length)})`);
    if (filter.endedSince) where.push('ended_at >= ?');
    const sql = `SELECT * FROM suppression${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    let statement = listings.get(sql);
    if (!statement) {
      statement = db.prepare<unknown[], unknown>(sql);
      listings.set(sql, statement);
    }
    return statement;
  };

  return {
    async createSuppression(input: NewSuppression) {
      return db.transaction(() => {
        const { approval, ...fields } = input;
        const inserted =
          insert.run({
            ...fields,
            findings: JSON.stringify(input.findings),
            state: approval ? 'awaiting_approval' : 'pending',
            approvalExpiresAt: approval?.expiresAt ?? null,
          }).changes === 1;
        const row = toSuppression(byKey.get(input.requestKey));
        if (inserted) record(row.id, input.userId, 'requested', requestedDetail(input));
        return { suppression: row, created: inserted };
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
    async decideApproval(id, decision: ApprovalDecision) {
      db.transaction(() => {
        const at = iso();
        const values =
          decision.state === 'pending'
            ? { ...decision, findings: JSON.stringify(decision.findings) }
            : decision.state === 'rejected'
              ? decision
              : {};
        if (decide[decision.state].run({ ...values, id, at }).changes !== 1)
          throw refused(id, decision.state);
        record(id, decision.actor, decisionAction(decision), decisionDetail(decision));
      })();
      return get(id);
    },
    async setApprovalMessage(id, ts) {
      setApprovalTs.run(ts, id);
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
    async auditEvents(afterId, limit) {
      return chain.all(afterId, limit).map((e) => parseRow(ChainedEventRow, 'suppression_event', e));
    },
    async suppressionHistory(id) {
      return events.all(id).map((e) => parseRow(EventRow, 'suppression_event', e));
    },
  };
}
