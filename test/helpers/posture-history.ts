import { severities } from '../../src/catalog/schema.ts';
import type { DailyCount, FailureEpisode } from '../../src/store/history.ts';

const dayMs = 86_400_000;

/**
 * Twelve weeks of made-up but fixed history for one account and Region ending 2026-11-30 (Tokyo):
 * failures fall slowly from week to week, with a CRITICAL spike in weeks 4-6.
 */
export function fixedHistory(): { counts: DailyCount[]; episodes: FailureEpisode[]; now: number } {
  const now = Date.parse('2026-11-30T03:00:00.000Z');
  const counts: DailyCount[] = [];
  const episodes: FailureEpisode[] = [];
  const base = { CRITICAL: 2, HIGH: 14, MEDIUM: 30, LOW: 12 };
  for (let day = 0; day < 84; day++) {
    const at = now - (83 - day) * dayMs;
    const date = new Date(at + 9 * 3_600_000).toISOString().slice(0, 10);
    const week = Math.floor(day / 7);
    for (const severity of severities) {
      const spike = severity === 'CRITICAL' && week >= 3 && week <= 5 ? 4 : 0;
      const failing = Math.max(0, base[severity] - Math.floor((week * base[severity]) / 24) + spike);
      counts.push({ accountId: '111111111111', region: 'ap-northeast-1', day: date, severity, failing });
    }
    // A few failures begin every other day; fixes pick up in the later weeks.
    if (day % 2 === 0) {
      const since = new Date(at).toISOString();
      const resolvedAt =
        day + 3 + (day % 5) < 84 ? new Date(at + (3 + (day % 5)) * dayMs).toISOString() : null;
      for (let k = 0; k < 1 + (day % 3); k++) {
        episodes.push({
          findingId: `f-${day}-${k}`,
          accountId: '111111111111',
          region: 'ap-northeast-1',
          controlId: 'S3.8',
          severity: 'HIGH',
          resourceId: `bucket-${day}-${k}`,
          since,
          firstSeenAt: since,
          lastSeenAt: since,
          resolvedAt: week >= 4 || k === 0 ? resolvedAt : null,
        });
      }
    }
  }
  return { counts, episodes, now };
}
