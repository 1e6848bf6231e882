import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.ts';
import { holdLease, type LeaseGrant, LeaseLostError } from '../../src/store/lease.ts';
import { durably, migrations, NewerSchemaError, openSqliteStore } from '../../src/store/sqlite.ts';

describe('SQLite store', () => {
  it('creates its schema by versioned migrations and keeps data across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'nested', 'fsbp.db');
    const first = openSqliteStore({ path });
    expect(first.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    await first.setUserLanguage('U1', 'ja');
    await first.setUserLanguage('U1', 'both');
    first.close();
    const second = openSqliteStore({ path });
    expect(await second.getUserLanguage('U1')).toBe('both');
    expect(await second.getUserLanguage('U2')).toBeNull();
    second.close();
  });

  it('claims a key once until it expires', async () => {
    let clock = 1000;
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    expect(await store.claimOnce('trigger-1', 60_000)).toBe(true);
    expect(await store.claimOnce('trigger-1', 60_000)).toBe(false);
    clock += 60_001;
    expect(await store.claimOnce('trigger-1', 60_000)).toBe(true);
    store.close();
  });

  it('refuses a language it does not know', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    await expect(store.setUserLanguage('U1', 'fr' as 'ja')).rejects.toThrow(/CHECK constraint/);
    store.close();
  });
});

describe('suppress targets and suppression records', () => {
  const target = {
    key: 'AbCdEfGhIjKlMnOp',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    findingIds: ['f1'],
    resources: ['bucket'],
    channel: 'C0123456789',
    createdAt: '2026-11-01T00:00:00.000Z',
  };

  it('resolves a check result’s key, records its message once, and forgets old ones', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    await store.recordCheckTargets([target]);
    expect(await store.suppressTarget(target.key)).toMatchObject({
      kind: 'check',
      ts: null,
      resources: ['bucket'],
    });
    await store.setCheckTargetMessage(target.key, '1.1');
    await store.setCheckTargetMessage(target.key, '2.2');
    expect((await store.suppressTarget(target.key))?.ts).toBe('1.1');
    expect(await store.purgeCheckTargets('2026-10-31T00:00:00.000Z')).toBe(0);
    expect(await store.purgeCheckTargets('2026-11-02T00:00:00.000Z')).toBe(1);
    expect(await store.suppressTarget(target.key)).toBeNull();
    store.close();
  });

  it('filters suppressions by state, account and end, and ends one with an event', async () => {
    let clock = Date.parse('2026-11-30T00:00:00.000Z');
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    const base = {
      controlId: 'S3.8',
      region: 'ap-northeast-1',
      scope: 'resource' as const,
      reason: 'accepted risk',
      userId: 'U1',
      userName: 'taro',
      createdAt: '2026-11-30T00:00:00.000Z',
      expiresAt: '2026-12-30T00:00:00.000Z',
      findings: [],
      channel: null,
      messageTs: null,
      permalink: null,
    };
    const a = (await store.createSuppression({ ...base, requestKey: 'a', accountId: '111111111111' }))
      .suppression;
    await store.createSuppression({ ...base, requestKey: 'b', accountId: '222222222222' });
    clock += 1000;
    await store.endSuppression(a.id, 'fsbp-bot', 'expired', {});
    expect((await store.listSuppressions({ states: ['pending'] })).map((s) => s.requestKey)).toEqual(['b']);
    expect((await store.listSuppressions({ accountIds: ['111111111111'] })).map((s) => s.state)).toEqual([
      'expired',
    ]);
    expect(await store.listSuppressions({ endedSince: '2026-11-30T00:00:01.000Z' })).toHaveLength(1);
    expect(await store.listSuppressions({ endedSince: '2026-11-30T00:00:02.000Z' })).toHaveLength(0);
    expect((await store.suppressionHistory(a.id)).map((e) => e.action)).toEqual(['requested', 'expired']);
    store.close();
  });
});

describe('upgrading an existing store', () => {
  it('migrates a version-3 database in place and keeps its suppressions', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    const old = new Database(path);
    for (const [i, sql] of migrations.slice(0, 3).entries()) {
      old.exec(sql);
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
    old.close();
    const store = openSqliteStore({ path });
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrations.length);
    expect(await store.listSuppressions()).toMatchObject([
      { requestKey: 'k', reason: 'kept', state: 'active', channel: null, permalink: null, endedAt: null },
    ]);
    store.close();
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

  it('refuses to open a store migrated by a newer release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-store-')), 'fsbp.db');
    openSqliteStore({ path }).close();
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openSqliteStore({ path })).toThrow(NewerSchemaError);
  });
});

describe('leases', () => {
  it('grants a growing fencing token to each new holder and refuses renewal to a holder taken over', async () => {
    let clock = 1000;
    const store = openSqliteStore({ path: ':memory:', now: () => clock });
    const a = await store.acquireLease('digest:C1', 'a', 100);
    expect(a?.token).toBe(1);
    expect(await store.acquireLease('digest:C1', 'b', 100)).toBeNull();
    clock += 101;
    const b = await store.acquireLease('digest:C1', 'b', 100);
    expect(b?.token).toBe(2);
    expect(await store.renewLease(a as LeaseGrant, 100)).toBe(false);
    expect(await store.renewLease(b as LeaseGrant, 100)).toBe(true);
    // A release by the old holder does not free the new holder's lease.
    await store.releaseLease(a as LeaseGrant);
    expect(await store.acquireLease('digest:C1', 'c', 100)).toBeNull();
    await store.releaseLease(b as LeaseGrant);
    expect((await store.acquireLease('digest:C1', 'c', 100))?.token).toBe(3);
    store.close();
  });

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
    store.close();
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
