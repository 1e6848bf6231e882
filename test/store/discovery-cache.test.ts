import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';

const withPostgres = await postgresAvailable();
const scope = 'securityhub|999999999999|ap-northeast-1|';
const snapshot = {
  source: 'securityhub' as const,
  discoveredAt: '2026-11-30T00:00:00.000Z',
  accounts: [{ id: '111111111111', name: null, ous: [], tags: {} }],
  ouNames: {},
  aggregation: null,
};

describe('discovery cache rows this release cannot read', () => {
  it('SQLite: an edited row reads as no discovery (the bot discovers again), and reopening migrates nothing twice', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fsbp-discovery-')), 'fsbp.db');
    const store = openSqliteStore({ path });
    await store.saveDiscovery(scope, snapshot);
    await store.close();
    const db = new Database(path);
    db.prepare('UPDATE account_discovery SET snapshot = ? WHERE scope = ?').run('{"accounts":"nope"}', scope);
    db.close();
    const reopened = openSqliteStore({ path });
    expect(await reopened.loadDiscovery(scope)).toBeNull();
    await reopened.saveDiscovery(scope, { ...snapshot, discoveredAt: '2026-11-30T01:00:00.000Z' });
    expect((await reopened.loadDiscovery(scope))?.discoveredAt).toBe('2026-11-30T01:00:00.000Z');
    await reopened.close();
  });

  const schemas: { drop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const s of schemas) await s.drop();
  });

  it.runIf(withPostgres)(
    'PostgreSQL: the same, and two replicas opening a fresh schema together create the table once',
    async () => {
      const schema = await freshSchema();
      schemas.push(schema);
      const [a, b] = await Promise.all([
        openPostgresStore({ connectionString: schema.url, poolSize: 2 }),
        openPostgresStore({ connectionString: schema.url, poolSize: 2 }),
      ]);
      await a.saveDiscovery(scope, snapshot);
      expect(await b.loadDiscovery(scope)).toEqual(snapshot);
      const raw = new pg.Client({ connectionString: schema.url });
      await raw.connect();
      await raw.query('UPDATE account_discovery SET snapshot = $1 WHERE scope = $2', ['not json', scope]);
      const versions = await raw.query('SELECT version FROM discovery_schema');
      await raw.end();
      expect(versions.rows).toEqual([{ version: 1 }]);
      expect(await b.loadDiscovery(scope)).toBeNull();
      await a.close();
      await b.close();
    },
  );
});
