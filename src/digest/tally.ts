import { type Severity, severities, severityRank } from '../catalog/schema.ts';
import type { ControlFinding } from '../engine/ports.ts';
import { countSeverity, severityCounts } from './plan.ts';

/**
 * What one channel's digest keeps of a stream of failing findings, so the stream itself is never held:
 * counts by severity and the findings it was not told about yet (new ones are few). Which told findings
 * did not come by (resolved) is asked of the store once the stream ends, where the sweep marked what it
 * saw; only a dry run, which writes nothing, keeps the told IDs (`unseen`) to work that out itself.
 */
export class ChannelTally {
  readonly failingBySeverity = severityCounts([]);
  readonly fresh: ControlFinding[] = [];
  readonly rejectedControlIds = new Set<string>();
  private readonly minimum: number;

  /** `unseen` (a dry run) is taken over and emptied as findings come by: a copy would double the memory. */
  constructor(
    minSeverity: Severity,
    private readonly unseen: Set<string> | null = null,
  ) {
    this.minimum = severityRank[minSeverity];
  }

  /** The severities this channel reports, for asking the store what it no longer sees. */
  get severities(): Severity[] {
    return severities.filter((s) => severityRank[s] >= this.minimum);
  }

  /** Whether the channel reports findings of this severity (others read for another channel are skipped). */
  wants(finding: ControlFinding): boolean {
    const rank = severityRank[(finding.severity ?? 'LOW') as Severity] ?? severityRank.LOW;
    return rank >= this.minimum;
  }

  /** One failing finding of the stream; `told`: the channel was told about it before. */
  add(finding: ControlFinding, told: boolean): void {
    if (!this.wants(finding)) return;
    countSeverity(this.failingBySeverity, finding);
    if (finding.rejectedControlId && this.rejectedControlIds.size < 20) {
      this.rejectedControlIds.add(finding.rejectedControlId);
    }
    this.unseen?.delete(finding.id);
    if (!told) this.fresh.push(finding);
  }

  /** A dry run's resolved findings: told before, not failing now, not held by a suppression. */
  unseenIds(suppressed: ReadonlySet<string>): string[] {
    if (!this.unseen) throw new Error('only a tally given the told IDs knows what it did not see');
    return [...this.unseen].filter((id) => !suppressed.has(id));
  }
}
