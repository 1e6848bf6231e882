import { type Severity, severityRank } from '../catalog/schema.ts';
import type { ControlFinding } from '../engine/ports.ts';
import { countSeverity, severityCounts } from './plan.ts';

/**
 * What one channel's digest keeps of a stream of failing findings, so the stream itself is never held:
 * counts by severity, the findings it was not told about yet (new ones are few), and which findings it
 * was told about have not come by (resolved, unless suppressed, once the stream ends).
 */
export class ChannelTally {
  readonly failingBySeverity = severityCounts([]);
  readonly fresh: ControlFinding[] = [];
  readonly rejectedControlIds = new Set<string>();
  /** Told before and not seen in this stream yet. */
  private readonly unseen: Set<string>;
  private readonly minimum: number;

  /** Takes `reported` over (it is emptied as findings come by): a second copy would double the memory. */
  constructor(reported: Set<string>, minSeverity: Severity) {
    this.unseen = reported;
    this.minimum = severityRank[minSeverity];
  }

  /** Whether the channel reports findings of this severity (others read for another channel are skipped). */
  wants(finding: ControlFinding): boolean {
    const rank = severityRank[(finding.severity ?? 'LOW') as Severity] ?? severityRank.LOW;
    return rank >= this.minimum;
  }

  add(finding: ControlFinding): void {
    if (!this.wants(finding)) return;
    countSeverity(this.failingBySeverity, finding);
    if (finding.rejectedControlId && this.rejectedControlIds.size < 20) {
      this.rejectedControlIds.add(finding.rejectedControlId);
    }
    if (!this.unseen.delete(finding.id)) this.fresh.push(finding);
  }

  /** Told before, not failing now; a finding held by a suppression is neither. */
  resolvedIds(suppressed: ReadonlySet<string>): string[] {
    return [...this.unseen].filter((id) => !suppressed.has(id));
  }
}
