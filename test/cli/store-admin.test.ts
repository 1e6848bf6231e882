import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import type { Store } from '../../src/store/store.ts';
import type { NewSuppression } from '../../src/suppression/types.ts';
import { runCliCaptured } from '../helpers/cli.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';

const schemas: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of schemas) await s.drop();
});

const request: NewSuppression = {
  requestKey: 'k1',
  controlId: 'S3.8',
  accountId: '111111111111',
  region: 'ap-northeast-1',
  scope: 'resource',
  reason: 'accepted risk',
  userId: 'U1',
  userName: 'taro',
  createdAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-12-01T00:00:00.000Z',
  findings: [{ id: 'f1', productArn: 'arn:p', resourceId: 'bucket-1' }],
  channel: 'C0123456789',
  messageTs: '1.1',
  permalink: null,
};

/** An installation with a digest, a lifted suppression (four audit events) and a user's language. */
async function installation(store: Store): Promise<number> {
  await store.setUserLanguage('U1', 'ja');
  await store.setDigestEnabled('C0123456789', false);
  const run = await store.createDigest({
    channel: 'C0123456789',
    startedAt: '2026-11-01T00:00:00.000Z',
    summary: {
      date: '2026-11-01',
      accounts: ['prod'],
      failing: { HIGH: 1 },
      newCount: 1,
      overflow: 0,
      resolvedCount: 0,
      previousFailingTotal: null,
      resolvedIds: [],
      overflowIds: [],
      consoleUrl: null,
    },
    items: [
      {
        key: 'item-1',
        position: 0,
        controlId: 'S3.8',
        accountId: '111111111111',
        region: 'ap-northeast-1',
        findingIds: ['f1'],
        resources: ['bucket-1'],
      },
    ],
  });
  await store.setDigestParent(run.id, '1.0');
  await store.recordDigestItem(run.id, 0, '1.1');
  await store.finishDigest(run.id);
  const { suppression } = await store.createSuppression(request);
  await store.suppressionProgress(suppression.id, 'U1', 'active', ['f1'], []);
  await store.recordSuppressionEvent(suppression.id, 'fsbp-bot', 'resuppressed', { findings: ['f1'] });
  await store.endSuppression(suppression.id, 'U2', 'lifted', { reason: 'fixed' });
  const failing = {
    findingId: 'f2',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    controlId: 'S3.8',
    severity: 'HIGH',
    firstObservedAt: null,
    resourceId: 'bucket-2',
  };
  const sweep = {
    scopes: [{ accountId: '111111111111', region: 'ap-northeast-1' }],
    severities: ['HIGH'],
    suppressed: [],
  };
  await store.recordSweep({
    ...sweep,
    at: '2026-11-01T00:00:00.000Z',
    day: '2026-11-01',
    failing: [failing],
  });
  await store.recordSweep({ ...sweep, at: '2026-11-02T00:00:00.000Z', day: '2026-11-02', failing: [] });
  return suppression.id;
}

function sqlitePath(): string {
  return join(mkdtempSync(join(tmpdir(), 'fsbp-copy-')), 'fsbp.db');
}

const cli = (argv: string[], store?: string) =>
  runCliCaptured(argv, { ...process.env, LANG: 'C', ...(store ? { FSBP_STORE: store } : {}) });

describe('fsbp audit verify', () => {
  it('passes an intact trail and exits 1 naming the first event changed behind the store’s back', async () => {
    const path = sqlitePath();
    const store = openSqliteStore({ path });
    const id = await installation(store);
    const events = await store.auditEvents(0, 10);
    await store.close();
    const intact = await cli(['audit', 'verify'], `sqlite:${path}`);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('intact: 4 event(s)');
    const raw = new Database(path);
    raw.exec('DROP TRIGGER suppression_event_no_delete');
    raw.prepare('DELETE FROM suppression_event WHERE id = ?').run(events[2]?.id);
    raw.close();
    const broken = await cli(['audit', 'verify', '--json'], path);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toEqual({
      ok: false,
      events: 2,
      broken: { id: events[3]?.id, suppressionId: id, reason: 'order' },
    });
    const ja = await cli(['audit', 'verify', '--lang', 'ja'], path);
    expect(ja.stdout).toContain(`イベント ${events[3]?.id}`);
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('fsbp store copy', () => {
  it('moves a SQLite installation to PostgreSQL, verified, and a second run changes nothing', async () => {
    const path = sqlitePath();
    const sqlite = openSqliteStore({ path });
    const id = await installation(sqlite);
    await sqlite.close();
    const schema = await freshSchema();
    schemas.push(schema);
    const first = await cli(['store', 'copy', '--from', `sqlite:${path}`, '--to', schema.url, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report.auditEvents).toBe(4);
    expect(report.tables).toContainEqual({ table: 'suppression_event', source: 4, target: 4 });
    expect(report.tables).toContainEqual({ table: 'digest_reported', source: 1, target: 1 });
    expect(report.tables).toContainEqual({ table: 'posture_failure', source: 1, target: 1 });
    expect(report.tables).toContainEqual({ table: 'posture_daily', source: 2, target: 2 });
    const again = await cli(['store', 'copy', '--from', `sqlite:${path}`, '--to', schema.url, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(report);
    // The copy is a working store: the same answers, and new events continue the chain.
    const pg = await openPostgresStore({ connectionString: schema.url });
    expect(await pg.getUserLanguage('U1')).toBe('ja');
    expect(await pg.digestEnabled('C0123456789')).toBe(false);
    expect(await pg.reportedFindings('C0123456789')).toEqual(new Set(['f1']));
    expect((await pg.suppressTarget('item-1'))?.ts).toBe('1.1');
    expect((await pg.suppressionHistory(id)).map((e) => e.action)).toEqual([
      'requested',
      'active',
      'resuppressed',
      'lifted',
    ]);
    expect(await pg.failuresBetween({ accountIds: ['111111111111'] })).toEqual([
      expect.objectContaining({
        findingId: 'f2',
        resourceId: 'bucket-2',
        resolvedAt: '2026-11-02T00:00:00.000Z',
      }),
    ]);
    const next = await pg.createSuppression({ ...request, requestKey: 'k2' });
    expect(next.suppression.id).toBe(id + 1);
    await pg.close();
    expect((await cli(['audit', 'verify'], schema.url)).code).toBe(0);
  });

  it('fails without reporting success when the target holds other data', async () => {
    const path = sqlitePath();
    const sqlite = openSqliteStore({ path });
    await installation(sqlite);
    await sqlite.close();
    const schema = await freshSchema();
    schemas.push(schema);
    const other = await openPostgresStore({ connectionString: schema.url });
    await other.createSuppression({ ...request, requestKey: 'someone-else' });
    await other.close();
    const copy = await cli(['store', 'copy', '--from', path, '--to', schema.url]);
    expect(copy.code).toBe(1);
    expect(copy.stdout).toBe('');
    expect(copy.stderr).toContain('does not match its source');
  });
});
