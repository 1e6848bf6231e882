import { type Severity, severities } from '../catalog/schema.ts';
import type { DailyCount, FailureActivity, FailureEpisode } from '../store/history.ts';
import { localDate, severityOrLow } from './sla.ts';

const dayMs = 86_400_000;

export interface WeekPoint {
  /** The week's last local date (YYYY-MM-DD). */
  weekEnd: string;
  /** Failing at the last recorded day of the week, summed over accounts and Regions. */
  failing: Record<Severity, number>;
  newCount: number;
  fixedCount: number;
}

/** The local date `days` after a local date. */
function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * dayMs).toISOString().slice(0, 10);
}

/** The first local date of the `weeks`-week window ending with the day of `now`. */
export function trendStart(now: number, timeZone: string, weeks: number): string {
  return addDays(localDate(now, timeZone), -(weeks * 7 - 1));
}

/** Each failure's beginning, and its resolution if any, as activity counts (one each). */
export function activityOf(episodes: readonly FailureEpisode[]): FailureActivity[] {
  const minute = (at: string) => new Date(at).toISOString().slice(0, 16);
  return episodes.flatMap((e): FailureActivity[] => [
    { event: 'began', minute: minute(e.since), count: 1 },
    ...(e.resolvedAt ? [{ event: 'fixed' as const, minute: minute(e.resolvedAt), count: 1 }] : []),
  ]);
}

/**
 * Weekly points for the trend chart: the last `weeks` weeks, each ending on the weekday of `now`.
 * A week's failing count is that of its last recorded day; new and fixed count failures that began
 * or were resolved in it.
 */
export function weeklyTrend(
  counts: readonly DailyCount[],
  activity: readonly FailureActivity[],
  now: number,
  timeZone: string,
  weeks = 12,
): WeekPoint[] {
  const today = localDate(now, timeZone);
  const ends = Array.from({ length: weeks }, (_, i) => addDays(today, -7 * (weeks - 1 - i)));
  const weekOf = (day: string) => ends.findIndex((end) => day <= end && day > addDays(end, -7));
  const lastDay = new Map<number, string>();
  for (const c of counts) {
    const w = weekOf(c.day);
    if (w >= 0 && (lastDay.get(w) ?? '') < c.day) lastDay.set(w, c.day);
  }
  const points: WeekPoint[] = ends.map((weekEnd) => ({
    weekEnd,
    failing: Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>,
    newCount: 0,
    fixedCount: 0,
  }));
  for (const c of counts) {
    const w = weekOf(c.day);
    const point = points[w];
    if (point && lastDay.get(w) === c.day) point.failing[severityOrLow(c.severity)] += c.failing;
  }
  // A minute is within one local day everywhere (time zones differ from UTC by whole minutes).
  for (const a of activity) {
    const point = points[weekOf(localDate(Date.parse(`${a.minute}:00.000Z`), timeZone))];
    if (!point) continue;
    if (a.event === 'began') point.newCount += a.count;
    else point.fixedCount += a.count;
  }
  return points;
}
