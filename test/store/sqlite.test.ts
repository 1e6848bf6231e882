import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrations, openSqliteStore } from '../../src/store/sqlite.ts';

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
