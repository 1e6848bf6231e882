import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.ts';
import { NewerSchemaError } from '../../src/store/errors.ts';
import { holdLease, LeaseLostError } from '../../src/store/lease.ts';
import { durably, migrations, openSqliteStore } from '../../src/store/sqlite.ts';
import { eventHash, genesisHash, verifyChain } from '../../src/suppression/audit.ts';
import { type NewSuppression, statesBefore, suppressionTransitions } from '../../src/suppression/types.ts';

function userVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('SQLite store', () => {
  it('creates its schema by versioned migrations and keeps data across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'nested', 'fsbp.db');
    const first = openSqliteStore({ path });
    expect(userVersion(path)).toBe(migrations.length);
    await first.setUserLanguage('U1', 'ja');
    await first.setUserLanguage('U1', 'both');
    await first.close();
    const second = openSqliteStore({ path });
    expect(await second.getUserLanguage('U1')).toBe('both');
    expect(await second.getUserLanguage('U2')).toBeNull();
    await second.close();
  });
});

describe('upgrading an existing store', () => {
  it('migrates a version-3 database in place and keeps its suppressions', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const old = new Database(path);
    for (const [i, sql] of migrations.slice(0, 3).entries()) {
      old.exec(sql as string);
      old.pragma(`user_version = ${i + 1}`);
    }
    old
      .prepare(
        `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
           created_at, expires_at, state, findings, updated)
         VALUES ('k', 'S3.8', '111111111111', 'ap-northeast-1', 'resource', 'kept', 'U1', 'taro',
           '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'active', '[]', '[]')`,
      )
      .run();
    const event = old.prepare(
      `INSERT INTO suppression_event (suppression_id, at, actor, action, detail) VALUES (1, ?, 'U1', ?, '{}')`,
    );
    event.run('2026-11-01T00:00:00.000Z', 'requested');
    event.run('2026-11-01T00:00:01.000Z', 'active');
    old.close();
    const store = openSqliteStore({ path });
    expect(userVersion(path)).toBe(migrations.length);
    expect(await store.listSuppressions()).toMatchObject([
      { requestKey: 'k', reason: 'kept', state: 'active', channel: null, permalink: null, endedAt: null },
    ]);
    // Events written before the chain existed are chained in their order, and new ones follow.
    await store.recordSuppressionEvent(1, 'fsbp-bot', 'resuppressed', {});
    expect(await verifyChain((after, limit) => store.auditEvents(after, limit))).toMatchObject({
      ok: true,
      events: 3,
    });
    await store.close();
  });
});

const firstEventHash = eventHash(genesisHash, {
  suppressionId: 5,
  at: '2026-11-01T00:00:00.000Z',
  actor: 'U1',
  action: 'requested',
  detail: '{}',
});

describe('upgrading to approvals', () => {
  it('rebuilds the suppression table with the new states, keeping IDs, the ID counter and the audit trail', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const old = new Database(path);
    const before = migrations.length - 1;
    for (const migration of migrations.slice(0, before)) {
      if (typeof migration === 'function') migration(old);
      else old.exec(migration);
    }
    old.pragma(`user_version = ${before}`);
    old.close();
    // The previous release's records: two, and an ID counter ahead of them (a row rolled back).
    const raw = new Database(path);
    const insert = raw.prepare(
      `INSERT INTO suppression (id, request_key, control_id, account_id, region, scope, reason, user_id, user_name,
         created_at, expires_at, state, findings) VALUES (?, ?, 'S3.8', '111111111111', 'ap-northeast-1',
         'resource', 'kept', 'U1', 'taro', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'active', '[]')`,
    );
    insert.run(1, 'a');
    insert.run(5, 'b');
    raw.prepare("UPDATE sqlite_sequence SET seq = 9 WHERE name = 'suppression'").run();
    raw
      .prepare(
        `INSERT INTO suppression_event (suppression_id, at, actor, action, detail, prev_hash, hash)
         VALUES (5, '2026-11-01T00:00:00.000Z', 'U1', 'requested', '{}', ?, ?)`,
      )
      .run(genesisHash, firstEventHash);
    raw.close();

    const store = openSqliteStore({ path });
    expect(userVersion(path)).toBe(migrations.length);
    expect((await store.listSuppressions()).map((s) => [s.id, s.state, s.approval])).toEqual([
      [1, 'active', null],
      [5, 'active', null],
    ]);
    const next = await store.createSuppression({ ...sample, requestKey: 'c', approval: { expiresAt: 'x' } });
    expect(next.suppression).toMatchObject({ id: 10, state: 'awaiting_approval' });
    expect(await store.suppressionHistory(5)).toHaveLength(1);
    expect(await verifyChain((after, limit) => store.auditEvents(after, limit))).toMatchObject({
      ok: true,
      events: 2,
    });
    // The audit trail still refers to its suppressions, and foreign keys are enforced again.
    const check = new Database(path);
    expect(check.pragma('foreign_key_check')).toEqual([]);
    check.close();
    await store.close();
  });
});

const sample: NewSuppression = {
  requestKey: 'k',
  controlId: 'S3.8',
  accountId: '111111111111',
  region: 'ap-northeast-1',
  scope: 'resource',
  reason: 'accepted risk',
  userId: 'U1',
  userName: 'taro',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-12-01T00:00:00.000Z',
  findings: [],
  channel: null,
  messageTs: null,
  permalink: null,
};

describe('the audit trail', () => {
  it('refuses updates and deletes of events, whoever connects to the file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const store = openSqliteStore({ path });
    const { suppression } = await store.createSuppression(sample);
    const raw = new Database(path);
    expect(() => raw.prepare('UPDATE suppression_event SET actor = ?').run('someone')).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM suppression_event').run()).toThrow(/append-only/);
    raw.close();
    expect(await store.suppressionHistory(suppression.id)).toHaveLength(1);
    await store.close();
  });

  it('names the first event changed behind the store’s back', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const store = openSqliteStore({ path });
    const { suppression } = await store.createSuppression(sample);
    await store.suppressionProgress(suppression.id, 'U1', 'active', [], []);
    await store.endSuppression(suppression.id, 'U1', 'lifted', { reason: 'fixed' });
    const events = await store.auditEvents(0, 10);
    const raw = new Database(path);
    // Someone with the file drops the trigger and rewrites who lifted it.
    raw.exec('DROP TRIGGER suppression_event_no_update');
    raw.prepare('UPDATE suppression_event SET actor = ? WHERE id = ?').run('U9', events[1]?.id);
    raw.close();
    expect(await verifyChain((after, limit) => store.auditEvents(after, limit))).toMatchObject({
      ok: false,
      events: 1,
      broken: { id: events[1]?.id, suppressionId: suppression.id },
    });
    await store.close();
  });
});

describe('several processes on one file', () => {
  it('migrates once when four processes open a fresh file at the same instant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsbp-store-'));
    const path = join(dir, 'fsbp.db');
    const start = join(dir, 'go');
    const script = join(packageRoot, 'test/store/fixtures/open-store.ts');
    const children = Array.from({ length: 4 }, () =>
      spawn(process.execPath, ['--import', 'tsx', script, path, start], { cwd: packageRoot }),
    );
    const outputs = children.map(async (child) => {
      let out = '';
      for await (const chunk of child.stdout) out += chunk;
      return out.replace('ready\n', '');
    });
    // Released together once every process has loaded its modules and waits.
    await Promise.all(children.map((child) => once(child.stdout, 'data')));
    writeFileSync(start, '');
    expect(await Promise.all(outputs)).toEqual(['ok', 'ok', 'ok', 'ok']);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(db.prepare('SELECT count(*) AS n FROM user_language').get()).toEqual({ n: 4 });
    db.close();
  });

  it('refuses to open a store migrated by a newer release', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    await openSqliteStore({ path }).close();
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(NewerSchemaError);
  });
});

describe('leases', () => {
  it('a held lease renews itself, and throws from ensure() once taken over', async () => {
    let clock = 1000;
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    const held = await holdLease(store, 'job', 'a', { ttlMs: 100, renewEveryMs: 5 });
    for (let i = 0; i < 4; i++) {
      clock += 60;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(await store.acquireLease('job', 'b', 100)).toBeNull();
    await held?.ensure();
    const stalled = await holdLease(store, 'other', 'a', { ttlMs: 100, renewEveryMs: 3_600_000 });
    clock += 101;
    expect(await store.acquireLease('other', 'b', 100)).not.toBeNull();
    await expect(stalled?.ensure()).rejects.toThrow(LeaseLostError);
    await held?.release();
    await stalled?.release();
    await store.close();
  });
});

describe('durable writes', () => {
  it('runs the wrapped writes with synchronous=FULL and the rest with NORMAL', () => {
    const db = new Database(':memory:');
    db.pragma('synchronous = NORMAL');
    const seen: number[] = [];
    const methods = durably(db, {
      write: () => {
        seen.push(db.pragma('synchronous', { simple: true }) as number);
      },
    });
    methods.write();
    seen.push(db.pragma('synchronous', { simple: true }) as number);
    // 2 = FULL, 1 = NORMAL
    expect(seen).toEqual([2, 1]);
    db.close();
  });
});

describe('reading rows back', () => {
  it('validates JSON columns: a corrupted one fails loudly, naming its table and column', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const store = openSqliteStore({ path });
    const raw = new Database(path);
    raw
      .prepare(
        `INSERT INTO digest_run (channel, started_at, finished_at, summary)
         VALUES ('C1', '2026-12-01T00:00:00.000Z', '2026-12-01T00:01:00.000Z', '{"date": 5}')`,
      )
      .run();
    raw.close();
    await expect(store.lastDigest('C1')).rejects.toThrow(/digest_run table .*summary/);
    await store.close();
  });
});

describe('suppression state changes', () => {
  it('follows the transitions table: pending may end or progress, an ended record never moves again', () => {
    expect(suppressionTransitions).toEqual({
      awaiting_approval: ['pending', 'rejected', 'approval_expired'],
      pending: ['partial', 'active', 'lifted', 'expired'],
      partial: ['partial', 'active', 'lifted', 'expired'],
      active: ['lifted', 'expired'],
      lifted: [],
      expired: [],
      rejected: [],
      approval_expired: [],
    });
    expect(statesBefore('active')).toEqual(['pending', 'partial']);
    expect(statesBefore('lifted')).toEqual(['pending', 'partial', 'active']);
    // Only a request waiting for its approval becomes one to apply, or is rejected, or lapses.
    expect(statesBefore('pending')).toEqual(['awaiting_approval']);
    expect(statesBefore('rejected')).toEqual(['awaiting_approval']);
  });
  // The guard in the stores' writes is covered for both backends by the store contract (contract.ts).
});
