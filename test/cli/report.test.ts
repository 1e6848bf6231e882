import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FailureObservation } from '../../src/store/history.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { runWithConfig } from '../helpers/cli.ts';

const A = '111111111111';
const B = '222222222222';
const TOKYO = 'ap-northeast-1';
const config = {
  accounts: [
    { id: A, name: 'prod', regions: [TOKYO] },
    { id: B, name: 'dev', regions: [TOKYO] },
  ],
  channels: [{ id: 'C0123456789', accounts: ['prod'], digest: { timezone: 'Asia/Tokyo' } }],
};

const controls: Record<string, [string, string]> = {
  c1: ['EC2.19', 'CRITICAL'],
  fold: ['S3.8', 'HIGH'],
  h1: ['S3.8', 'HIGH'],
  h2: ['S3.8', 'HIGH'],
  h3: ['S3.8', 'HIGH'],
  m1: ['IAM.3', 'MEDIUM'],
};
function f(id: string, firstObservedAt: string | null = null): FailureObservation {
  const [controlId, severity] = controls[id] as [string, string];
  return { findingId: id, accountId: A, region: TOKYO, controlId, severity, firstObservedAt };
}

let storePath = '';

/**
 * The hand-computed fixture, November 2026 in Tokyo ([2026-10-31T15:00Z, 2026-11-30T15:00Z)):
 * - fold: HIGH, since 10-30 (before), fixed 11-12 -> fixed, 13 days; not new.
 * - h1: HIGH, new 11-02, fixed 11-05 -> new, fixed, 3 days.
 * - h2: HIGH, FirstObservedAt 10-20 (first seen 11-02), open -> still failing, 41 days at the end > 30: overdue.
 * - h3: HIGH, new 11-25, resolved 11-30T15:30Z = 12-01 00:30 in Tokyo -> new, still failing at the end.
 * - c1: CRITICAL, new 11-02, suppressed 11-15 (suppression #1, made in the period) -> new, suppressed 1,
 *   not still failing (suppressed at the end), not overdue.
 * - m1: MEDIUM, new 11-20, fixed 12-05 (after) -> new, still failing, not overdue (10 days < 90).
 *   Approved by hanako on 11-15.
 * - suppression #2 (S3.8, made 10-20) is outside the period.
 * HIGH: new 2, fixed 2, mean (3 + 13) / 2 = 8.0 days, p90 (nearest rank 2 of 2) 13.0 days, still 2, overdue 1.
 */
beforeAll(async () => {
  storePath = join(mkdtempSync(join(tmpdir(), 'fsbp-report-')), 'fsbp.db');
  const store = openSqliteStore({ path: storePath, now: () => Date.parse('2026-11-15T02:00:00.000Z') });
  const sweep = (at: string, failing: FailureObservation[], suppressed: string[] = []) =>
    store.recordSweep({
      at,
      day: at.slice(0, 10),
      scopes: [{ accountId: A, region: TOKYO }],
      severities: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'],
      failing,
      suppressed,
    });
  const base = {
    region: TOKYO,
    scope: 'resource' as const,
    userId: 'U0EN00001',
    userName: 'alice',
    findings: [],
    channel: null,
    messageTs: null,
    permalink: null,
  };
  const one = await store.createSuppression({
    ...base,
    requestKey: 'r1',
    controlId: 'EC2.19',
    accountId: A,
    reason: '=1+1 accepted <risk> | until the migration',
    createdAt: '2026-11-15T00:00:00.000Z',
    expiresAt: '2026-12-15T00:00:00.000Z',
    // CRITICAL: approved by a second person (four-eyes) before it was applied.
    approval: { expiresAt: '2026-11-18T00:00:00.000Z' },
  });
  await store.decideApproval(one.suppression.id, {
    state: 'pending',
    actor: 'U0JA00002',
    actorName: 'hanako',
    findings: [],
  });
  await store.suppressionProgress(one.suppression.id, 'U0EN00001', 'active', ['c1'], []);
  const two = await store.createSuppression({
    ...base,
    requestKey: 'r2',
    controlId: 'S3.8',
    accountId: A,
    reason: 'older one, before the period',
    createdAt: '2026-10-20T00:00:00.000Z',
    expiresAt: '2026-12-20T00:00:00.000Z',
  });
  await store.suppressionProgress(two.suppression.id, 'U0EN00001', 'active', ['x'], []);
  await sweep('2026-10-30T00:00:00.000Z', [f('fold')]);
  await sweep('2026-11-02T00:00:00.000Z', [f('fold'), f('c1'), f('h1'), f('h2', '2026-10-20T00:00:00Z')]);
  await sweep('2026-11-05T00:00:00.000Z', [f('fold'), f('c1'), f('h2')]);
  await sweep('2026-11-12T00:00:00.000Z', [f('c1'), f('h2')]);
  await sweep('2026-11-20T00:00:00.000Z', [f('h2'), f('m1')], ['c1']);
  await sweep('2026-11-25T00:00:00.000Z', [f('h2'), f('m1'), f('h3')], ['c1']);
  await sweep('2026-11-30T15:30:00.000Z', [f('h2'), f('m1')], ['c1']);
  await sweep('2026-12-05T00:00:00.000Z', [f('h2')], ['c1']);
  await store.close();
});

const args = (format: string, ...extra: string[]) => [
  'report',
  '--from',
  '2026-11-01',
  '--to',
  '2026-11-30',
  ...extra,
  '--format',
  format,
];

describe('fsbp report', () => {
  it('matches the hand-computed fixture (json)', async () => {
    const run = await runWithConfig(config, args('json', '--channel', 'C0123456789'), {
      FSBP_STORE: storePath,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.timeZone).toBe('Asia/Tokyo');
    const bySeverity = Object.fromEntries(
      report.rows.map((r: Record<string, unknown>) => [
        r.severity,
        [
          r.new,
          r.fixed,
          r.suppressed,
          r.stillFailing,
          r.overdue,
          r.meanDaysToRemediate,
          r.p90DaysToRemediate,
        ],
      ]),
    );
    expect(report.rows.every((r: { accountId: string }) => r.accountId === A)).toBe(true);
    expect(bySeverity).toEqual({
      CRITICAL: [1, 0, 1, 0, 0, null, null],
      HIGH: [2, 2, 0, 2, 1, 8, 13],
      MEDIUM: [1, 0, 0, 1, 0, null, null],
      LOW: [0, 0, 0, 0, 0, null, null],
    });
    expect(report.suppressions).toHaveLength(1);
    expect(report.suppressions[0]).toMatchObject({
      controlId: 'EC2.19',
      userName: 'alice',
      reason: '=1+1 accepted <risk> | until the migration',
      expiresAt: '2026-12-15T00:00:00.000Z',
      findings: 1,
      approverId: 'U0JA00002',
      approverName: 'hanako',
      approvedAt: '2026-11-15T02:00:00.000Z',
    });
  });

  it('csv follows the suppression export rules: RFC 4180, formula-looking cells made inert', async () => {
    const run = await runWithConfig(config, args('csv', '--account', 'prod'), { FSBP_STORE: storePath });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]).toBe(
      'kind,from,to,time_zone,account_id,account,severity,new,fixed,suppressed,still_failing,overdue,mean_days_to_remediate,p90_days_to_remediate,suppression_id,region,control,findings,user_id,user_name,reason,created_at,expires_at,state,approver_id,approver_name,approved_at',
    );
    expect(lines[2]).toBe(
      `summary,2026-11-01,2026-11-30,Asia/Tokyo,${A},prod,HIGH,2,2,0,2,1,8,13,,,,,,,,,,,,,`,
    );
    expect(run.stdout).toContain(",alice,'=1+1 accepted <risk> | until the migration,");
    expect(run.stdout).toContain(',active,U0JA00002,hanako,2026-11-15T02:00:00.000Z\r\n');
    expect(run.stdout.endsWith('\r\n')).toBe(true);
  });

  it('md is bilingual and a reason cannot break the table or inject HTML', async () => {
    const run = await runWithConfig(config, args('md', '--channel', 'C0123456789'), {
      FSBP_STORE: storePath,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '# FSBP posture report 2026-11-01 – 2026-11-30 / FSBP セキュリティ態勢レポート',
    );
    expect(run.stdout).toContain('| prod | High / 高 | 2 | 2 | 0 | 2 | 1 | 8 | 13 |');
    expect(run.stdout).toContain('=1+1 accepted &lt;risk&gt; \\| until the migration');
    expect(run.stdout).toContain('| Approved by / 承認者 |');
    expect(run.stdout).toContain('| alice | hanako (2026-11-15) |');
  });

  it('an account outside the channel is not in it; a reversed period is refused in both languages', async () => {
    const dev = await runWithConfig(config, args('json', '--account', 'dev'), { FSBP_STORE: storePath });
    expect(JSON.parse(dev.stdout).rows.map((r: { new: number }) => r.new)).toEqual([0, 0, 0, 0]);
    const bad = await runWithConfig(
      config,
      ['report', '--from', '2026-12-01', '--to', '2026-11-01', '--format', 'json'],
      { FSBP_STORE: storePath },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from must not be after --to');
    expect(bad.stderr).toContain('--from は --to より後にできません');
  });
});
