import { type Severity, severities } from '../catalog/schema.ts';

/** Days a failure may stay open, per severity. */
export type SlaDays = Record<Severity, number>;

export const defaultSla: SlaDays = { CRITICAL: 7, HIGH: 30, MEDIUM: 90, LOW: 180 };

/** A failure is "due soon" in the last 20% of its SLA. */
export const dueSoonShare = 0.2;

export type SlaState = 'ok' | 'due_soon' | 'overdue' | 'suppressed';

export interface SlaStatus {
  state: SlaState;
  /** Whole calendar days since it began failing, in the time zone given. */
  ageDays: number;
  slaDays: number;
  /** Days past the SLA (0 unless overdue). */
  daysOver: number;
}

/** Building a formatter costs far more than using one: one per time zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The local date (YYYY-MM-DD) of an instant in a time zone. */
export function localDate(at: number, timeZone: string): string {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format.format(at);
}

function localDay(at: number, timeZone: string): number {
  const parts = localDate(at, timeZone);
  return Date.parse(`${parts}T00:00:00Z`) / 86_400_000;
}

/**
 * Calendar days between two instants as the team's clock shows them: a failure first seen on the
 * 1st is 7 days old on the 8th, whatever the hour, and 8 days old from midnight of the 9th.
 */
export function calendarDaysBetween(from: string | number, to: string | number, timeZone: string): number {
  const a = typeof from === 'number' ? from : Date.parse(from);
  const b = typeof to === 'number' ? to : Date.parse(to);
  return Math.max(0, Math.round(localDay(b, timeZone) - localDay(a, timeZone)));
}

export function severityOrLow(label: string): Severity {
  return (severities as readonly string[]).includes(label) ? (label as Severity) : 'LOW';
}

/** Where a failure stands against its SLA; a suppressed one is never overdue while suppressed. */
export function slaStatus(
  failure: { severity: string; since: string },
  sla: SlaDays,
  now: number,
  timeZone: string,
  suppressed = false,
): SlaStatus {
  const slaDays = sla[severityOrLow(failure.severity)];
  const ageDays = calendarDaysBetween(failure.since, now, timeZone);
  const daysOver = Math.max(0, ageDays - slaDays);
  const state: SlaState = suppressed
    ? 'suppressed'
    : daysOver > 0
      ? 'overdue'
      : ageDays >= slaDays * (1 - dueSoonShare)
        ? 'due_soon'
        : 'ok';
  return { state, ageDays, slaDays, daysOver: suppressed ? 0 : daysOver };
}
