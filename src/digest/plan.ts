import { createHash } from 'node:crypto';
import { compareControlIds } from '../catalog/catalog.ts';
import { type Severity, severities, severityRank } from '../catalog/schema.ts';
import { groupBy } from '../engine/group.ts';
import type { ControlFinding } from '../engine/ports.ts';
import type { DigestItemLabel, DigestPlanRecord, DigestSummary, ExpiringSuppression } from './types.ts';

/** Replies one digest thread holds; the rest are counted and linked, not posted. */
export const maxDigestReplies = 40;
/** Resources a reply lists by name before "and N more". */
export const resourcesPerReply = 10;

export interface PlanInput {
  channel: string;
  date: string;
  startedAt: string;
  accounts: string[];
  /** Everything failing now (server-side filtered), across the channel's accounts and Regions. */
  failing: readonly ControlFinding[];
  /** What this channel was already told about. */
  reported: ReadonlySet<string>;
  previousFailingTotal: number | null;
  consoleUrl: string | null;
  /** Findings back from a suppression that ended since the last digest, and how it ended. */
  labels?: ReadonlyMap<string, DigestItemLabel>;
  expiringSoon?: ExpiringSuppression[];
  resuppressed?: number;
}

/** Severity of a finding as Security Hub labelled it; unknown labels sort last. */
function severityOf(finding: ControlFinding): Severity {
  return (severities as readonly string[]).includes(finding.severity ?? '')
    ? (finding.severity as Severity)
    : 'LOW';
}

/** A short, stable key for buttons and records: never the raw finding ARN. */
export function itemKey(channel: string, startedAt: string, group: string): string {
  return createHash('sha256').update(`${channel}|${startedAt}|${group}`).digest('base64url').slice(0, 16);
}

/** The same input once the failing findings are tallied (organization mode tallies them as they stream). */
export interface TalliedPlanInput extends Omit<PlanInput, 'failing' | 'reported'> {
  /** Failing now and not told before, in the order read. */
  fresh: readonly ControlFinding[];
  /** Everything failing now, by severity label as Security Hub gave it. */
  failingBySeverity: Readonly<Record<string, number>>;
  /** Told before and not failing now (nor out of reach, nor suppressed). */
  resolvedIds: readonly string[];
}

export function severityCounts(findings: Iterable<ControlFinding>): Record<string, number> {
  const counts = Object.fromEntries(severities.map((s) => [s, 0])) as Record<string, number>;
  for (const finding of findings) countSeverity(counts, finding);
  return counts;
}

export function countSeverity(counts: Record<string, number>, finding: ControlFinding): void {
  counts[severityOf(finding)] = (counts[severityOf(finding)] ?? 0) + 1;
}

/**
 * Decides what a digest says: new failures (not told before) grouped per control, account and
 * Region; findings the channel was told about that are no longer failing ("resolved", forgotten so a
 * later failure is new again); counts by severity of everything failing now.
 */
export function planDigest(input: PlanInput): DigestPlanRecord {
  const { failing, reported, ...rest } = input;
  const failingIds = new Set(failing.map((f) => f.id));
  return planTallied({
    ...rest,
    fresh: failing.filter((f) => !reported.has(f.id)),
    failingBySeverity: severityCounts(failing),
    resolvedIds: [...reported].filter((id) => !failingIds.has(id)),
  });
}

export function planTallied(input: TalliedPlanInput): DigestPlanRecord {
  const { fresh } = input;
  const labelOf = (f: ControlFinding) => input.labels?.get(f.id) ?? '';
  const groups = groupBy(fresh, (f) => `${f.accountId}|${f.region}|${f.controlId}|${labelOf(f)}`);
  const ordered = [...groups.values()].sort((a, b) => {
    const [x, y] = [a[0] as ControlFinding, b[0] as ControlFinding];
    return (
      severityRank[severityOf(y)] - severityRank[severityOf(x)] ||
      compareControlIds(x.controlId, y.controlId) ||
      x.accountId.localeCompare(y.accountId) ||
      x.region.localeCompare(y.region)
    );
  });
  const posted = ordered.slice(0, maxDigestReplies);
  const overflow = ordered.slice(maxDigestReplies);
  const summary: DigestSummary = {
    date: input.date,
    accounts: input.accounts,
    failing: { ...input.failingBySeverity },
    newCount: fresh.length,
    overflow: overflow.reduce((n, g) => n + g.length, 0),
    resolvedCount: input.resolvedIds.length,
    previousFailingTotal: input.previousFailingTotal,
    resolvedIds: [...input.resolvedIds],
    overflowIds: overflow.flat().map((f) => f.id),
    consoleUrl: input.consoleUrl,
    expiringSoon: input.expiringSoon ?? [],
    resuppressed: input.resuppressed ?? 0,
  };
  return {
    channel: input.channel,
    startedAt: input.startedAt,
    summary,
    items: posted.map((group, position) => {
      const first = group[0] as ControlFinding;
      const label = labelOf(first) || undefined;
      return {
        position,
        key: itemKey(
          input.channel,
          input.startedAt,
          `${first.accountId}|${first.region}|${first.controlId}${label ? `|${label}` : ''}`,
        ),
        label,
        controlId: first.controlId,
        accountId: first.accountId,
        region: first.region,
        findingIds: group.map((f) => f.id),
        resources: group.map((f) => f.resourceId).sort(),
      };
    }),
  };
}
