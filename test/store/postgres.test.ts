import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { NewerSchemaError } from '../../src/store/errors.ts';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { postgresMigrations } from '../../src/store/postgres-schema.ts';
import type { Store } from '../../src/store/store.ts';
import { verifyChain } from '../../src/suppression/audit.ts';
import type { NewSuppression } from '../../src/suppression/types.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';

const schemas: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of schemas) await s.drop();
});

async function schema() {
  const s = await freshSchema();
  schemas.push(s);
  return s;
}

async function raw(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

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

const available = await postgresAvailable();

describe.skipIf(!available)('PostgreSQL store', () => {
  it('migrates once when four replicas start on a fresh schema at the same moment', async () => {
    const { url } = await schema();
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => openPostgresStore({ connectionString: url, poolSize: 2 })),
    );
    expect(await Promise.all(stores.map((s) => s.ready()))).toEqual([true, true, true, true]);
    const version = await raw(url, 'SELECT version FROM fsbp_schema');
    expect(version.rows).toEqual([{ version: postgresMigrations.length }]);
    for (const s of stores) await s.close();
  });

  it('upgrades a schema of the previous release to approvals, keeping its records', async () => {
    const { url } = await schema();
    // The release before approvals: every migration up to the one that adds them.
    const before = postgresMigrations.findIndex((m) => m.includes('approval_expires_at'));
    for (const sql of postgresMigrations.slice(0, before)) await raw(url, sql);
    await raw(url, 'CREATE TABLE fsbp_schema (version INTEGER NOT NULL)');
    await raw(url, 'INSERT INTO fsbp_schema (version) VALUES ($1)', [before]);
    await raw(
      url,
      `INSERT INTO suppression (request_key, control_id, account_id, region, scope, reason, user_id, user_name,
         created_at, expires_at, state, findings) VALUES ('a', 'S3.8', '111111111111', 'ap-northeast-1',
         'resource', 'kept', 'U1', 'taro', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'active', '[]')`,
    );
    const store = await openPostgresStore({ connectionString: url });
    expect(await store.ready()).toBe(true);
    expect((await store.listSuppressions()).map((s) => [s.requestKey, s.state, s.approval])).toEqual([
      ['a', 'active', null],
    ]);
    const next = await store.createSuppression({ ...sample, requestKey: 'b', approval: { expiresAt: 'x' } });
    expect(next.suppression.state).toBe('awaiting_approval');
    await expect(raw(url, "UPDATE suppression SET state = 'bogus'")).rejects.toThrow(
      /suppression_state_check/,
    );
    await store.close();
  });

  it('a server opens its whole pool at start and keeps it; otherwise it connects on demand', async () => {
    const { url, name } = await schema();
    const connections = async (app: string) =>
      Number(
        (await raw(url, 'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [app]))
          .rows[0]?.n,
      );
    const withName = (app: string) => {
      const u = new URL(url);
      u.searchParams.set('application_name', app);
      return u.toString();
    };
    const kept = await openPostgresStore({
      connectionString: withName(`${name}_kept`),
      poolSize: 3,
      keepConnections: true,
    });
    expect(await connections(`${name}_kept`)).toBe(3);
    const lazy = await openPostgresStore({ connectionString: withName(`${name}_lazy`), poolSize: 3 });
    expect(await connections(`${name}_lazy`)).toBe(1);
    await kept.close();
    await lazy.close();
  });

  it('refuses to start on a schema migrated by a newer release', async () => {
    const { url } = await schema();
    await (await openPostgresStore({ connectionString: url })).close();
    await raw(url, 'UPDATE fsbp_schema SET version = version + 1');
    await expect(openPostgresStore({ connectionString: url })).rejects.toThrow(NewerSchemaError);
  });

  it('refuses updates, deletes and truncation of audit events, and names an event changed behind its back', async () => {
    const { url } = await schema();
    const store: Store = await openPostgresStore({ connectionString: url });
    const { suppression } = await store.createSuppression(sample);
    await store.suppressionProgress(suppression.id, 'U1', 'active', [], []);
    await store.endSuppression(suppression.id, 'U1', 'lifted', { reason: 'fixed' });
    await expect(raw(url, "UPDATE suppression_event SET actor = 'U9'")).rejects.toThrow(/append-only/);
    await expect(raw(url, 'DELETE FROM suppression_event')).rejects.toThrow(/append-only/);
    await expect(raw(url, 'TRUNCATE suppression_event CASCADE')).rejects.toThrow(/append-only/);
    const events = await store.auditEvents(0, 10);
    // The table owner can switch the trigger off; the chain still tells.
    await raw(url, 'ALTER TABLE suppression_event DISABLE TRIGGER suppression_event_append_only');
    await raw(url, "UPDATE suppression_event SET detail = '{}' WHERE id = $1", [events[2]?.id]);
    expect(await verifyChain((after, limit) => store.auditEvents(after, limit))).toMatchObject({
      ok: false,
      events: 2,
      broken: { id: events[2]?.id, suppressionId: suppression.id },
    });
    await store.close();
  });
});
