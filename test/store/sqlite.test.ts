import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations, openSqliteStore } from '../../src/store/sqlite.ts';
import { SuppressionTransitionError, statesBefore, suppressionTransitions } from '../../src/store/store.ts';

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

describe('suppression state changes', () => {
  const input = {
    requestKey: 'check:AbCdEfGhIjKlMnOp',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    scope: 'resource' as const,
    reason: 'Reviewed by the web team',
    userId: 'U0TEST0001',
    userName: 'taro',
    createdAt: '2026-11-30T00:00:00.000Z',
    expiresAt: '2026-12-30T00:00:00.000Z',
    findings: [{ id: 'f1', productArn: 'p', resourceId: 'r1' }],
    channel: null,
    messageTs: null,
    permalink: null,
  };

  it('follows the transitions table: pending may end or progress, an ended record never moves again', () => {
    expect(suppressionTransitions).toEqual({
      pending: ['partial', 'active', 'lifted', 'expired'],
      partial: ['partial', 'active', 'lifted', 'expired'],
      active: ['lifted', 'expired'],
      lifted: [],
      expired: [],
    });
    expect(statesBefore('active')).toEqual(['pending', 'partial']);
    expect(statesBefore('lifted')).toEqual(['pending', 'partial', 'active']);
  });

  it('refuses a late progress on a lifted record and a second end, writing neither state nor event', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const { suppression } = await store.createSuppression(input);
    await store.endSuppression(suppression.id, 'U0TEST0002', 'lifted', { reason: 'not needed' });
    const late = store.suppressionProgress(suppression.id, 'U0TEST0001', 'active', ['f1'], []);
    await expect(late).rejects.toBeInstanceOf(SuppressionTransitionError);
    await expect(late).rejects.toMatchObject({
      code: 'suppression_conflict',
      params: { id: suppression.id, state: 'lifted' },
    });
    await expect(store.endSuppression(suppression.id, 'fsbp-bot', 'expired', {})).rejects.toMatchObject({
      code: 'suppression_conflict',
    });
    await expect(store.suppressionProgress(suppression.id, 'x', 'pending', [], [])).rejects.toBeInstanceOf(
      SuppressionTransitionError,
    );
    const after = await store.getSuppression(suppression.id);
    expect(after).toMatchObject({ state: 'lifted', updated: [] });
    expect((await store.suppressionHistory(suppression.id)).map((e) => e.action)).toEqual([
      'requested',
      'lifted',
    ]);
    store.close();
  });

  it('an active record may only end: no step back to partial', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    const { suppression } = await store.createSuppression(input);
    await store.suppressionProgress(suppression.id, 'U0TEST0001', 'active', ['f1'], []);
    await expect(
      store.suppressionProgress(suppression.id, 'U0TEST0001', 'partial', [], []),
    ).rejects.toMatchObject({ code: 'suppression_conflict', params: { state: 'active' } });
    expect((await store.endSuppression(suppression.id, 'fsbp-bot', 'expired', {})).state).toBe('expired');
    store.close();
  });
});
