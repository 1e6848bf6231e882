import { type Severity, severities } from '../catalog/schema.ts';
import { groupBy } from '../engine/group.ts';
import type { FailureEpisode } from '../store/history.ts';
import { approvedBy, type Suppression } from '../suppression/types.ts';
import { type SlaDays, severityOrLow, slaStatus } from './sla.ts';

const dayMs = 86_400_000;

/** Offset of a time zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The instant a local date (YYYY-MM-DD) begins in a time zone. */
export function startOfLocalDay(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  const first = guess - zoneOffset(guess, timeZone);
  return guess - zoneOffset(first, timeZone);
}

export interface ReportPeriod {
  /** Local dates, inclusive. */
  from: string;
  to: string;
  timeZone: string;
}

export interface ReportRow {
  accountId: string;
  account: string;
  severity: Severity;
  /** Failures that began in the period. */
  new: number;
  /** Failures resolved in the period. */
  fixed: number;
  /** Findings suppressed by suppressions made in the period. */
  suppressed: number;
  /** Open, unsuppressed failures at the end of the period. */
  stillFailing: number;
  /** Of those, past their SLA at the end of the period. */
  overdue: number;
  /** Days from the start of a failure to its resolution, over the failures fixed in the period. */
  meanDaysToRemediate: number | null;
  p90DaysToRemediate: number | null;
}

export interface ReportSuppression {
  id: number;
  accountId: string;
  region: string;
  controlId: string;
  findings: number;
  userId: string;
  userName: string;
  reason: string;
  createdAt: string;
  expiresAt: string;
  state: Suppression['state'];
  /** The second person who approved it (four-eyes), and when; null when none did. */
  approverId: string | null;
  approverName: string | null;
  approvedAt: string | null;
}

export interface PostureReport {
  from: string;
  to: string;
  timeZone: string;
  rows: ReportRow[];
  suppressions: ReportSuppression[];
}

export interface ReportInput {
  period: ReportPeriod;
  accounts: readonly { id: string; name?: string | undefined }[];
  /** Failures open at some moment of the period (and a little around it). */
  episodes: readonly FailureEpisode[];
  suppressions: readonly Suppression[];
  sla: SlaDays;
  /** A control's severity, for suppressed findings the history never saw failing. */
  severityOfControl(controlId: string): Severity;
}

function approverOf(s: Suppression): Pick<ReportSuppression, 'approverId' | 'approverName' | 'approvedAt'> {
  const approver = approvedBy(s);
  return {
    approverId: approver?.id ?? null,
    approverName: approver?.name ?? null,
    approvedAt: approver?.at ?? null,
  };
}

/** The period as instants: from the start of `from` to the start of the day after `to`, locally. */
export function periodInstants(period: ReportPeriod): { start: number; end: number } {
  const dayAfter = new Date(Date.parse(`${period.to}T00:00:00Z`) + dayMs).toISOString().slice(0, 10);
  return {
    start: startOfLocalDay(period.from, period.timeZone),
    end: startOfLocalDay(dayAfter, period.timeZone),
  };
}

/** Nearest-rank percentile: the smallest value with at least `share` of the values at or below it. */
export function percentile(sorted: readonly number[], share: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] as number;
}

const oneDecimal = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10);

/**
 * The auditors' numbers for a period: per account and severity, what began failing, what was
 * fixed and how fast, what was suppressed, and what is still failing and overdue at its end.
 */
export function buildReport(input: ReportInput): PostureReport {
  const { period } = input;
  const { start, end: endInstant } = periodInstants(period);
  const within = (iso: string | null) =>
    iso !== null && Date.parse(iso) >= start && Date.parse(iso) < endInstant;
  const suppressedAtEnd = new Set<string>();
  for (const s of input.suppressions) {
    const began = Date.parse(s.createdAt) < endInstant;
    const stillOn = s.endedAt === null || Date.parse(s.endedAt) >= endInstant;
    if (began && stillOn && s.state !== 'pending') for (const id of s.updated) suppressedAtEnd.add(id);
  }
  const rows: ReportRow[] = [];
  const byAccount = groupBy(input.episodes, (e) => `${e.accountId}|${severityOrLow(e.severity)}`);
  for (const account of input.accounts) {
    const made = input.suppressions.filter((s) => s.accountId === account.id && within(s.createdAt));
    for (const severity of severities) {
      const episodes = byAccount.get(`${account.id}|${severity}`) ?? [];
      const fixed = episodes.filter((e) => within(e.resolvedAt));
      const days = fixed
        .map((e) => (Date.parse(e.resolvedAt as string) - Date.parse(e.since)) / dayMs)
        .sort((a, b) => a - b);
      const open = episodes.filter(
        (e) =>
          Date.parse(e.since) < endInstant &&
          (e.resolvedAt === null || Date.parse(e.resolvedAt) >= endInstant) &&
          !suppressedAtEnd.has(e.findingId),
      );
      rows.push({
        accountId: account.id,
        account: account.name ?? account.id,
        severity,
        new: episodes.filter((e) => within(e.since)).length,
        fixed: fixed.length,
        suppressed: made
          .filter((s) => input.severityOfControl(s.controlId) === severity)
          .reduce((n, s) => n + s.updated.length, 0),
        stillFailing: open.length,
        overdue: open.filter(
          (e) => slaStatus(e, input.sla, endInstant - 1, period.timeZone).state === 'overdue',
        ).length,
        meanDaysToRemediate: oneDecimal(
          days.length === 0 ? null : days.reduce((a, b) => a + b, 0) / days.length,
        ),
        p90DaysToRemediate: oneDecimal(percentile(days, 0.9)),
      });
    }
  }
  const suppressions = input.suppressions
    .filter((s) => within(s.createdAt) && input.accounts.some((a) => a.id === s.accountId))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id)
    .map((s) => ({
      ...approverOf(s),
      id: s.id,
      accountId: s.accountId,
      region: s.region,
      controlId: s.controlId,
      findings: s.updated.length,
      userId: s.userId,
      userName: s.userName,
      reason: s.reason,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      state: s.state,
    }));
  return { from: period.from, to: period.to, timeZone: period.timeZone, rows, suppressions };
}
