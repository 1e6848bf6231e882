import type Database from 'better-sqlite3';
import type { FindingRef } from '../engine/ports.ts';

export type SuppressionState = 'pending' | 'active' | 'partial' | 'expired' | 'lifted';

export interface Suppression {
  id: number;
  /** One request (a modal submission) makes at most one suppression: a double submit finds this. */
  requestKey: string;
  controlId: string;
  accountId: string;
  region: string;
  scope: 'resource' | 'control';
  reason: string;
  userId: string;
  userName: string;
  createdAt: string;
  expiresAt: string;
  state: SuppressionState;
  findings: FindingRef[];
  updated: string[];
  failed: { id: string; code: string; message: string }[];
}

export interface SuppressionEvent {
  at: string;
  actor: string;
  action: string;
  detail: Record<string, unknown>;
}

export type NewSuppression = Omit<Suppression, 'id' | 'state' | 'updated' | 'failed'>;

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
}

function toSuppression(row: Row): Suppression {
  return {
    id: row.id,
    requestKey: row.request_key,
    controlId: row.control_id,
    accountId: row.account_id,
    region: row.region,
    scope: row.scope,
    reason: row.reason,
    userId: row.user_id,
    userName: row.user_name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    state: row.state,
    findings: JSON.parse(row.findings),
    updated: JSON.parse(row.updated),
    failed: JSON.parse(row.failed),
  };
}

/**
 * Suppression records and their audit trail. Every change to a record writes an event in the same
 * transaction; the event table refuses updates and deletes (database triggers), so history is kept.
 */
export function createSuppressionStore(db: Database.Database, now: () => number = Date.now) {
  const insert = db.prepare(
    `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
       created_at, expires_at, state, findings)
     VALUES (@requestKey, @controlId, @accountId, @region, @scope, @reason, @userId, @userName,
       @createdAt, @expiresAt, 'pending', @findings)
     ON CONFLICT (request_key) DO NOTHING`,
  );
  const byKey = db.prepare<[string], Row>('SELECT * FROM suppression WHERE request_key = ?');
  const byId = db.prepare<[number], Row>('SELECT * FROM suppression WHERE id = ?');
  const setProgress = db.prepare('UPDATE suppression SET state = ?, updated = ?, failed = ? WHERE id = ?');
  const event = db.prepare(
    'INSERT INTO suppression_event (suppression_id, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)',
  );
  const events = db.prepare<[number], { at: string; actor: string; action: string; detail: string }>(
    'SELECT at, actor, action, detail FROM suppression_event WHERE suppression_id = ? ORDER BY id',
  );
  const record = (id: number, actor: string, action: string, detail: Record<string, unknown>) =>
    event.run(id, new Date(now()).toISOString(), actor, action, JSON.stringify(detail));

  return {
    /** Writes the pending record and its first event; returns the existing one for a repeated request. */
    create(input: NewSuppression): { suppression: Suppression; created: boolean } {
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
    progress(
      id: number,
      actor: string,
      state: SuppressionState,
      updated: string[],
      failed: Suppression['failed'],
    ) {
      db.transaction(() => {
        setProgress.run(state, JSON.stringify(updated), JSON.stringify(failed), id);
        record(id, actor, state, { updated: updated.length, failed });
      })();
      return toSuppression(byId.get(id) as Row);
    },
    get(id: number): Suppression | null {
      const row = byId.get(id);
      return row ? toSuppression(row) : null;
    },
    history(id: number): SuppressionEvent[] {
      return events.all(id).map((e) => ({ ...e, detail: JSON.parse(e.detail) }));
    },
  };
}

export type SuppressionStore = ReturnType<typeof createSuppressionStore>;
