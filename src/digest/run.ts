import { randomUUID } from 'node:crypto';
import { type Severity, severities, severityRank } from '../catalog/schema.ts';
import { channelSla } from '../config/load.ts';
import type { AccountConfig, Config } from '../config/schema.ts';
import { createEnablement, type Enablement } from '../engine/enablement.ts';
import type { AwsPort, ControlFinding, WorkflowPort } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { LanguagePreference } from '../i18n/index.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import { type HoldOptions, holdLease, LeaseLostError } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import { resuppressReset } from '../suppression/maintain.ts';
import type { Suppression } from '../suppression/types.ts';
import { planDigest } from './plan.ts';
import { type PostureSnapshot, recordPosture, slaSnapshot } from './posture.ts';
import { severityOrLow } from './sla.ts';
import { trendStart, type WeekPoint, weeklyTrend } from './trend.ts';
import type {
  DigestItem,
  DigestItemLabel,
  DigestPlanRecord,
  DigestRun,
  DigestSummary,
  ExpiringSuppression,
} from './types.ts';

/** One digest message, the thread's parent or one reply; how it reads is the poster's business. */
export type DigestMessage =
  | { kind: 'parent'; summary: DigestSummary; language: LanguagePreference }
  | { kind: 'item'; item: DigestItem; language: LanguagePreference };

/**
 * Posts one message (a thread reply when `threadTs` is given) and returns its ts. `beforeSend` runs
 * right before each Slack call (after any wait for Slack's pace) and stops the post by throwing.
 */
export interface DigestPoster {
  post(
    channel: string,
    message: DigestMessage,
    threadTs?: string,
    beforeSend?: () => Promise<void>,
  ): Promise<string>;
  /** Renders the 12-week trend chart in the digest's language, uploads it and returns its file ID. */
  uploadTrendChart?(points: WeekPoint[], language: LanguagePreference): Promise<string>;
}

export interface DigestDeps {
  config: Config;
  /** The accounts channels route to (the config's, or the organization's as discovered). */
  accounts: AccountDirectory;
  store: Store;
  aws: AwsPort;
  poster?: DigestPoster | undefined;
  now?: () => number;
  /** The run's lease (FSBP_DIGEST_LEASE_SECONDS); two minutes, renewed every third of it while the run works. */
  lease?: HoldOptions | undefined;
  /** Which controls each account-Region has disabled (shared with checks); one for this run when left out. */
  enablement?: Enablement | undefined;
  /**
   * An account-Region whose disabled controls could not be read (role refused, answer failed): its
   * findings are reported as if every control were enabled. For the log.
   */
  onEnablementError?: ((where: { accountId: string; region: string }, error: unknown) => void) | undefined;
}

export interface DigestOutcome {
  channel: string;
  /** `taken-over`: this run's lease passed to another run, which posts the rest; this one stopped. */
  status: 'posted' | 'resumed' | 'dry-run' | 'locked' | 'taken-over';
  runId: number | null;
  postedMessages: number;
  run: (Omit<DigestRun, 'items'> & { items: DigestRun['items'] }) | null;
  /** Malformed control IDs seen in findings (reported as an unknown control), for the log. */
  rejectedControlIds: string[];
  /** Failing findings left out because their control is disabled where they are (not reported). */
  disabledFindings?: number;
}

/**
 * A digest run holds this lease and renews it while it works; a crashed holder's lease runs out and
 * the next run resumes. A holder whose lease was taken over stops before its next post or write.
 */
const leaseMs = 2 * 60 * 1000;

export function localDate(at: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** `arn:aws:securityhub:<region>:<account>:...` -> `<account>|<region>`. */
export function scopeOfFindingId(id: string): string {
  const parts = id.split(':');
  return `${parts[4] ?? ''}|${parts[3] ?? ''}`;
}

/**
 * Every failing finding of the accounts, at every severity: the posture history and the SLAs need
 * them all, whatever the channel's `minSeverity` (which only decides what the digest posts).
 */
async function gatherFailing(deps: DigestDeps, accounts: readonly AccountConfig[]) {
  const failing: ControlFinding[] = [];
  // Findings of controls disabled where they are: neither reported nor taken as resolved.
  const disabled = new Set<string>();
  const unreachable = new Set<string>();
  const workflows = new Map<string, WorkflowPort>();
  const enablement = deps.enablement ?? createEnablement();
  const jobs = accounts.flatMap((account) =>
    account.regions.map(async (region) => {
      try {
        const access = await deps.aws.region(account, region, 'digest');
        workflows.set(`${account.id}|${region}`, access.workflow);
        const found = await access.findings.failingFindings(severities);
        const off = await enablement.disabledIds(
          access,
          [...new Set(found.map((f) => f.controlId))],
          (error) => deps.onEnablementError?.({ accountId: account.id, region }, error),
        );
        for (const finding of found) {
          if (off.has(finding.controlId)) disabled.add(finding.id);
          else failing.push(finding);
        }
      } catch {
        // That account and Region are left out; their reported findings are not taken as resolved.
        unreachable.add(`${account.id}|${region}`);
      }
    }),
  );
  await Promise.all(jobs);
  const workflowOf = async (accountId: string, region: string) => {
    const workflow = workflows.get(`${accountId}|${region}`);
    if (!workflow) throw new Error(`no access to ${accountId} ${region}`);
    return workflow;
  };
  return { failing, disabled, unreachable, workflowOf };
}

/** The failures the digest posts about: those at or above the channel's `minSeverity`. */
function atLeast(failing: readonly ControlFinding[], minSeverity: Severity): ControlFinding[] {
  const minimum = severityRank[minSeverity];
  return failing.filter((f) => severityRank[severityOrLow(f.severity ?? '')] >= minimum);
}

const dayMs = 24 * 60 * 60 * 1000;
/** The digest lists suppressions that end within this many days. */
export const expiringWithinDays = 7;

/** What suppressions add to a digest: labels for findings back from one, and those ending soon. */
export async function suppressionContext(
  deps: DigestDeps,
  active: readonly Suppression[],
  accountIds: string[],
  since: string,
): Promise<{ labels: Map<string, DigestItemLabel>; expiringSoon: ExpiringSuppression[] }> {
  const labels = new Map<string, DigestItemLabel>();
  const ended = await deps.store.listSuppressions({
    states: ['expired', 'lifted'],
    accountIds,
    endedSince: since,
  });
  for (const s of ended) {
    for (const f of s.findings) {
      labels.set(f.id, s.state === 'expired' ? 'suppression_expired' : 'suppression_lifted');
    }
  }
  const now = (deps.now ?? Date.now)();
  const horizon = new Date(now + expiringWithinDays * dayMs).toISOString();
  const expiringSoon = active
    .filter((s) => s.expiresAt <= horizon)
    .sort((a, b) => a.expiresAt.localeCompare(b.expiresAt))
    .map((s) => ({
      id: s.id,
      controlId: s.controlId,
      accountId: s.accountId,
      region: s.region,
      expiresAt: s.expiresAt,
      findings: s.updated.length,
      permalink: s.permalink,
    }));
  return { labels, expiringSoon };
}

/**
 * Records this run's read into the posture history (not in a dry run) and returns where each open
 * failure of the channel's accounts stands against the channel's SLA.
 */
async function postureOf(
  deps: DigestDeps,
  channel: Config['channels'][number],
  read: {
    accounts: readonly AccountConfig[];
    unreachable: ReadonlySet<string>;
    failing: readonly ControlFinding[];
    suppressed: ReadonlySet<string>;
    dryRun: boolean;
  },
): Promise<PostureSnapshot> {
  const at = (deps.now ?? Date.now)();
  const timeZone = channel.digest.timezone;
  const sla = channelSla(deps.config, channel);
  const accountIds = read.accounts.map((a) => a.id);
  if (read.dryRun) {
    return slaSnapshot(await deps.store.openFailures(accountIds), read.suppressed, sla, at, timeZone);
  }
  const snapshot = await recordPosture({
    history: deps.store,
    at,
    day: localDate(at, timeZone),
    timeZone,
    sla,
    accountIds,
    scopes: read.accounts.flatMap((a) =>
      a.regions
        .filter((r) => !read.unreachable.has(`${a.id}|${r}`))
        .map((region) => ({ accountId: a.id, region })),
    ),
    severities,
    failing: read.failing,
    suppressed: read.suppressed,
  });
  const retention = deps.config.history.retentionDays * dayMs;
  await deps.store.purgeHistory(localDate(at - retention, timeZone), new Date(at - retention).toISOString());
  return snapshot;
}

/** Adds the overdue counts to the parent and the days over SLA to each reply that has some. */
export function withSla(plan: DigestPlanRecord, posture: PostureSnapshot): DigestPlanRecord {
  const overdueDays: Record<string, number> = {};
  for (const item of plan.items) {
    const over = Math.max(0, ...item.findingIds.map((id) => posture.status.get(id)?.daysOver ?? 0));
    if (over > 0) overdueDays[item.key] = over;
  }
  return { ...plan, summary: { ...plan.summary, overdue: posture.overdue, overdueDays } };
}

function isMonday(at: number, timeZone: string): boolean {
  return new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short' }).format(at) === 'Mon';
}

/**
 * Monday's digest adds the week (new and fixed failures of the last 7 days, overdue now) and the
 * 12-week trend chart, uploaded before the parent is posted so a resumed run shows the same one.
 */
export async function withWeekly(
  deps: DigestDeps,
  channel: Config['channels'][number],
  plan: DigestPlanRecord,
  posture: PostureSnapshot,
  options: { accountIds: string[]; dryRun: boolean },
): Promise<DigestPlanRecord> {
  const at = (deps.now ?? Date.now)();
  const timeZone = channel.digest.timezone;
  if (!isMonday(at, timeZone)) return plan;
  const weekAgo = new Date(at - 7 * dayMs).toISOString();
  // Counted in the store, not read failure by failure: an organization's channel has tens of thousands.
  const week = await deps.store.failureActivity(options.accountIds, weekAgo);
  const total = (event: 'began' | 'fixed') =>
    week.filter((a) => a.event === event).reduce((n, a) => n + a.count, 0);
  const weekly = {
    newCount: total('began'),
    fixedCount: total('fixed'),
    overdue: Object.values(posture.overdue).reduce((a, b) => a + b, 0),
  };
  let chartFileId: string | undefined;
  if (!options.dryRun && deps.poster?.uploadTrendChart) {
    const [counts, activity] = await Promise.all([
      deps.store.dailyCounts({ accountIds: options.accountIds, from: trendStart(at, timeZone, 12) }),
      deps.store.failureActivity(options.accountIds, new Date(at - 84 * dayMs).toISOString()),
    ]);
    chartFileId = await deps.poster.uploadTrendChart(
      weeklyTrend(counts, activity, at, timeZone),
      channel.digest.language,
    );
  }
  return { ...plan, summary: { ...plan.summary, weekly, ...(chartFileId ? { chartFileId } : {}) } };
}

/**
 * Posts what a recorded run has not posted yet (the parent, then each reply), recording each as it
 * goes so a crash resumes after the last one posted. Returns how many messages it posted;
 * `progress` hears the count after each (the caller reports it if the lease is lost half-way).
 */
export async function postRun(
  deps: Pick<DigestDeps, 'store' | 'poster'>,
  channelId: string,
  language: LanguagePreference,
  run: DigestRun,
  fence: () => Promise<void>,
  progress: (posted: number) => void = () => {},
): Promise<number> {
  const poster = deps.poster as DigestPoster;
  let posted = 0;
  let parentTs = run.parentTs;
  if (!parentTs) {
    parentTs = await poster.post(
      channelId,
      { kind: 'parent', summary: run.summary, language },
      undefined,
      fence,
    );
    await deps.store.setDigestParent(run.id, parentTs);
    posted += 1;
    progress(posted);
  }
  for (const item of run.items) {
    if (item.ts) continue;
    const ts = await poster.post(
      channelId,
      { kind: 'item', item: { ...item, overdueDays: run.summary.overdueDays?.[item.key] }, language },
      parentTs,
      fence,
    );
    await deps.store.recordDigestItem(run.id, item.position, ts);
    posted += 1;
    progress(posted);
  }
  return posted;
}

/**
 * One digest for one channel. Idempotent and resumable: the plan and every posted reply are recorded
 * as they happen, so a run that crashed is completed by the next one without a duplicate, and a lease
 * keeps two runs for the same channel from both posting.
 */
export async function runDigest(
  deps: DigestDeps,
  channelId: string,
  options: { dryRun?: boolean } = {},
): Promise<DigestOutcome> {
  const now = deps.now ?? Date.now;
  const channel = deps.config.channels.find((c) => c.id === channelId);
  if (!channel) {
    throw new AppError('channel_not_configured', `no channel ${channelId} in the config`, {
      params: { channel: channelId },
    });
  }
  // Organization mode reads through the delegated administrator (one stream for any number of channels).
  if (deps.accounts.mode === 'organization') {
    const { runOrganizationDigests } = await import('./org-run.ts');
    return (await runOrganizationDigests(deps, [channelId], options))[0] as DigestOutcome;
  }
  if (!options.dryRun && !deps.poster)
    throw new AppError('invalid_arguments', 'no poster', { params: { detailKey: 'digest.noPoster' } });
  const lease = options.dryRun
    ? null
    : await holdLease(deps.store, `digest:${channelId}`, randomUUID(), deps.lease ?? { ttlMs: leaseMs });
  if (!options.dryRun && !lease) {
    return {
      channel: channelId,
      status: 'locked',
      runId: null,
      postedMessages: 0,
      run: null,
      rejectedControlIds: [],
    };
  }
  // Before every post and every write to AWS or the store: still the holder?
  const fence = async () => {
    await lease?.ensure();
  };
  let runId: number | null = null;
  let posted = 0;
  try {
    let run = options.dryRun ? null : await deps.store.unfinishedDigest(channelId);
    const resumed = run !== null;
    let rejectedControlIds: string[] = [];
    let disabledFindings = 0;
    if (!run) {
      const accounts = (await deps.accounts.view()).forChannel(channel);
      const accountIds = accounts.map((a) => a.id);
      const gathered = await gatherFailing(deps, accounts);
      const { unreachable } = gathered;
      rejectedControlIds = [
        ...new Set(gathered.failing.flatMap((f) => (f.rejectedControlId ? [f.rejectedControlId] : []))),
      ].slice(0, 20);
      const active = await deps.store.listSuppressions({ states: ['active', 'partial'], accountIds });
      // Findings an active suppression covers (Security Hub reset them) are suppressed again, not reported.
      const {
        uncovered: failing,
        resuppressed,
        suppressed,
      } = await resuppressReset(deps, active, gathered.failing, gathered.workflowOf, {
        dryRun: options.dryRun ?? false,
        now: now(),
        beforeWrite: fence,
      });
      // Findings of a disabled control are held like suppressed ones: not counted, not resolved.
      const held = new Set([...suppressed, ...gathered.disabled]);
      disabledFindings = gathered.disabled.size;
      const posture = await postureOf(deps, channel, {
        accounts,
        unreachable,
        failing,
        suppressed: held,
        dryRun: options.dryRun ?? false,
      });
      const reported = await deps.store.reportedFindings(channelId);
      // Suppressed findings are neither failing nor resolved: they stay reported until the suppression ends.
      const visible = new Set(
        [...reported].filter((id) => !unreachable.has(scopeOfFindingId(id)) && !held.has(id)),
      );
      const previous = await deps.store.lastDigest(channelId);
      const since = previous?.startedAt ?? new Date(now() - expiringWithinDays * dayMs).toISOString();
      const context = await suppressionContext(deps, active, accountIds, since);
      const planned = planDigest({
        ...context,
        resuppressed,
        channel: channelId,
        date: localDate(now(), channel.digest.timezone),
        startedAt: new Date(now()).toISOString(),
        accounts: accounts.map((a) => a.name ?? a.id),
        failing: atLeast(failing, channel.digest.minSeverity),
        reported: visible,
        previousFailingTotal: previous
          ? Object.values(previous.summary.failing).reduce((a, b) => a + b, 0)
          : null,
        consoleUrl: 'https://console.aws.amazon.com/securityhub/home#/findings',
      });
      const plan = await withWeekly(deps, channel, withSla(planned, posture), posture, {
        accountIds,
        dryRun: options.dryRun ?? false,
      });
      if (options.dryRun) {
        const items = plan.items.map((i) => ({ ...i, runId: 0, ts: null }));
        return {
          channel: channelId,
          status: 'dry-run',
          runId: null,
          postedMessages: 0,
          rejectedControlIds,
          disabledFindings,
          run: {
            id: 0,
            channel: channelId,
            startedAt: plan.startedAt,
            finishedAt: null,
            parentTs: null,
            summary: plan.summary,
            items,
          },
        };
      }
      await fence();
      run = await deps.store.createDigest(plan);
    }
    runId = run.id;
    posted = await postRun(deps, channelId, channel.digest.language, run, fence, (n) => {
      posted = n;
    });
    await fence();
    await deps.store.finishDigest(run.id);
    return {
      channel: channelId,
      status: resumed ? 'resumed' : 'posted',
      runId: run.id,
      postedMessages: posted,
      run: await deps.store.lastDigest(channelId),
      rejectedControlIds,
      disabledFindings,
    };
  } catch (error) {
    if (!(error instanceof LeaseLostError)) throw error;
    return {
      channel: channelId,
      status: 'taken-over',
      runId,
      postedMessages: posted,
      run: null,
      rejectedControlIds: [],
    };
  } finally {
    await lease?.release();
  }
}
