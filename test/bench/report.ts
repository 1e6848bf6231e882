/**
 * Report benchmark: a year of posture history for 300 accounts x 2 Regions (30 failures open at the
 * start of each, about one new failure a day, each fixed 1-120 days later or still open; daily counts
 * for every day), then `fsbp report` over the whole year in a process of its own, three times.
 * Reports wall time and peak RSS (VmHWM) of that process, start-up included.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const accounts = 300;
const regions = ['ap-northeast-1', 'us-east-1'];
const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
const controls = ['EC2.19', 'S3.8', 'IAM.3', 'CloudTrail.1'];
const yearStart = Date.parse('2025-11-30T15:00:00Z');
const dayMs = 86_400_000;

/** A small seeded generator, so every run builds the same history. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function buildHistory(path: string, ids: string[]): Promise<{ episodes: number; dailyRows: number }> {
  // The store creates the tables; the rows go in directly, in one transaction, for speed.
  await openSqliteStore({ path }).close();
  const db = new Database(path);
  const random = mulberry32(15);
  const insertEpisode = db.prepare(
    `INSERT INTO posture_failure (finding_id, account_id, region, control_id, severity, since, first_seen_at, last_seen_at, resolved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertDaily = db.prepare(
    'INSERT INTO posture_daily (account_id, region, day, severity, failing) VALUES (?, ?, ?, ?, ?)',
  );
  let episodes = 0;
  let dailyRows = 0;
  db.transaction(() => {
    for (const id of ids) {
      for (const region of regions) {
        const open: { since: number; end: number | null; severity: string }[] = [];
        const add = (since: number) => {
          const k = Math.floor(random() * 4);
          const end = random() < 0.85 ? since + (1 + Math.floor(random() * 120)) * dayMs : null;
          const severity = severities[k] as string;
          const iso = (t: number) => new Date(t).toISOString();
          const last = end ?? yearStart + 365 * dayMs;
          insertEpisode.run(
            `arn:aws:securityhub:${region}:${id}:security-control/${controls[k]}/finding/${episodes}`,
            id,
            region,
            controls[k],
            severity,
            iso(since),
            iso(since),
            iso(Math.min(last, yearStart + 365 * dayMs)),
            end !== null && end < yearStart + 365 * dayMs ? iso(end) : null,
          );
          episodes += 1;
          open.push({ since, end, severity });
        };
        for (let i = 0; i < 30; i++) add(yearStart - Math.floor(random() * 200) * dayMs);
        for (let day = 0; day < 365; day++) {
          const at = yearStart + day * dayMs + 9 * 3_600_000;
          if (random() < 0.9) add(at);
          const date = new Date(at + 9 * 3_600_000).toISOString().slice(0, 10);
          for (const severity of severities) {
            const failing = open.filter(
              (e) => e.severity === severity && e.since <= at && (e.end === null || e.end > at),
            ).length;
            insertDaily.run(id, region, date, severity, failing);
            dailyRows += 1;
          }
        }
      }
    }
  })();
  db.close();
  return { episodes, dailyRows };
}

export async function benchReport(runs = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'fsbp-bench-report-'));
  const storePath = join(dir, 'fsbp.db');
  const ids = Array.from({ length: accounts }, (_, i) => String(300000000000 + i));
  const built = await buildHistory(storePath, ids);
  const configPath = join(dir, 'fsbp.config.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      accounts: ids.map((id) => ({ id, regions })),
      channels: [{ id: 'C0123456789', accounts: ids, digest: { timezone: 'Asia/Tokyo' } }],
    }),
  );
  const script = new URL('./report-run.ts', import.meta.url).pathname;
  const results: { wallMs: number; peakRssMb: number; bytes: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {
      env: { ...process.env, FSBP_CONFIG: configPath, FSBP_STORE: storePath },
      maxBuffer: 64 * 1024 * 1024,
    });
    results.push(JSON.parse(stdout));
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return {
    name: 'report',
    setup: { accounts, regions: regions.length, days: 365, ...built },
    wallMs: { median: median(results.map((r) => r.wallMs)), runs: results.map((r) => r.wallMs) },
    peakRssMb: median(results.map((r) => r.peakRssMb)),
    csvBytes: results[0]?.bytes,
  };
}
