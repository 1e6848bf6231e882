import { randomUUID } from 'node:crypto';
import { type Severity, severities, severityRank } from '../catalog/schema.ts';
import { channelSla } from '../config/load.ts';
import type { ChannelConfig } from '../config/schema.ts';
import { createEnablement } from '../engine/enablement.ts';
import type { AccountRef, ControlFinding, RegionAccess } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { FailureEpisode, SweepWriter } from '../store/history.ts';
import { type HeldLease, holdLease, LeaseLostError } from '../store/lease.ts';
import { resuppressReset } from '../suppression/maintain.ts';
import type { Suppression } from '../suppression/types.ts';
import { createStreamEnablement } from './org-enablement.ts';
import { planTallied } from './plan.ts';
import { countStanding, observation, type PostureSnapshot } from './posture.ts';
import {
  type DigestDeps,
  type DigestOutcome,
  expiringWithinDays,
  localDate,
  postRun,
  suppressionContext,
  withSla,
  withWeekly,
} from './run.ts';
import { slaStatus } from './sla.ts';
import { ChannelTally } from './tally.ts';
import type { DigestRun } from './types.ts';

/** Where organization mode reads and how its channels route (what the account directory's view gives). */
export interface OrganizationRouting {
  readonly organization: {
    adminAccount: AccountRef;
    homeRegion: string;
    /** The home Region and the linked Regions, narrowed by the config. */
    regions: readonly string[];
  } | null;
  /** Every account the organization has (for choosing between one read and account filters). */
  all(): readonly { id: string }[];
  /** A channel's accounts, each with the role the bot reaches it through (if it has one of its own). */
  forChannel(channel: ChannelConfig): readonly AccountRef[];
}

/** GetFindings takes 20 values per filter attribute and returns 100 findings per page. */
const valuesPerFilter = 20;
const pageSize = 100;
const leaseMs = 2 * 60 * 1000;
const dayMs = 24 * 60 * 60 * 1000;

/**
 * Whether to read the whole administrator view or only the routed accounts (20 to a query): the read
 * that fetches fewer pages by the last known failing counts per account (`estimates`), or, with none,
 * account filters only when they leave out at least half of the accounts.
 */
export function chooseAccountFilter(
  routed: ReadonlySet<string>,
  known: readonly string[],
  estimates?: ReadonlyMap<string, number>,
): string[] | undefined {
  if (known.length > 0 && known.every((id) => routed.has(id))) return undefined;
  const ids = [...routed].sort();
  if (!estimates || estimates.size === 0)
    return ids.length * 2 <= Math.max(known.length, 1) ? ids : undefined;
  const count = (id: string) => estimates.get(id) ?? 0;
  const everything = Math.ceil([...estimates.values()].reduce((a, b) => a + b, 0) / pageSize);
  let batched = 0;
  for (let i = 0; i < ids.length; i += valuesPerFilter) {
    const batch = ids.slice(i, i + valuesPerFilter);
    batched += Math.max(1, Math.ceil(batch.reduce((n, id) => n + count(id), 0) / pageSize));
  }
  return batched < everything ? ids : undefined;
}

interface ChannelJob {
  channel: ChannelConfig;
  lease: HeldLease | null;
  fence: () => Promise<void>;
  /** A run that crashed before it finished: only its posting is left. */
  unfinished: DigestRun | null;
  accounts: readonly AccountRef[];
  tally: ChannelTally | null;
  /** Findings of the channel's accounts left out because their control is disabled where they are. */
  disabled: number;
}

/** Failing counts per account from the last day the history has, to pick the cheaper read. */
async function estimates(deps: DigestDeps, accountIds: readonly string[], at: number) {
  const counts = await deps.store.dailyCounts({
    accountIds,
    from: new Date(at - 2 * dayMs).toISOString().slice(0, 10),
  });
  const lastDay = new Map<string, string>();
  for (const c of counts) if ((lastDay.get(c.accountId) ?? '') < c.day) lastDay.set(c.accountId, c.day);
  const out = new Map<string, number>();
  for (const c of counts) {
    if (c.day === lastDay.get(c.accountId)) out.set(c.accountId, (out.get(c.accountId) ?? 0) + c.failing);
  }
  return out;
}

/**
 * SLA standing of a channel's open failures without reading them one by one (a channel of hundreds of
 * accounts has tens of thousands): counts by severity and starting minute, less the held ones (read
 * once a run by ID), and the standing of the `wanted` findings (the digest's items).
 */
async function channelPosture(
  deps: DigestDeps,
  channel: ChannelConfig,
  accountIds: readonly string[],
  held: { ids: ReadonlySet<string>; open: readonly FailureEpisode[] },
  wanted: ReadonlySet<string>,
  at: number,
): Promise<PostureSnapshot> {
  const sla = channelSla(deps.config, channel);
  const timeZone = channel.digest.timezone;
  const zero = () => Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  const total: PostureSnapshot = { overdue: zero(), dueSoon: zero(), status: new Map(), open: [] };
  const count = (failure: { severity: string; since: string }, n: number) =>
    countStanding(total, failure.severity, slaStatus(failure, sla, at, timeZone).state, n);
  for (const c of await deps.store.openFailureCounts(accountIds)) {
    count({ severity: c.severity, since: `${c.sinceMinute}:00.000Z` }, c.count);
  }
  const mine = new Set(accountIds);
  // Held failures were counted above like the rest; a held one is neither overdue nor due soon.
  for (const f of held.open) if (mine.has(f.accountId)) count(f, -1);
  if (wanted.size > 0) {
    for (const f of await deps.store.openFailuresOf([...wanted])) {
      if (mine.has(f.accountId))
        total.status.set(f.findingId, slaStatus(f, sla, at, timeZone, held.ids.has(f.findingId)));
    }
  }
  return total;
}

/**
 * Which controls each member has disabled, asked of the member itself (the administrator cannot read
 * its control associations) through a small enablement cache of the run's own. A member whose role or
 * answer fails counts as all enabled, as before, and is told to the log.
 */
function memberEnablement(deps: DigestDeps, jobs: readonly ChannelJob[]) {
  // The account view gave each account the role the bot reaches it through (memberRole for a member).
  const members = new Map<string, AccountRef>();
  for (const job of jobs) for (const account of job.accounts) members.set(account.id, account);
  return createStreamEnablement({
    // A cache of its own, small: the shared one would keep every member Region's whole answer.
    enablement: createEnablement({ maxEntries: 50 }),
    access: async ({ accountId, region }) => {
      return deps.aws.region(members.get(accountId) ?? { id: accountId }, region, 'digest');
    },
    onError: deps.onEnablementError,
  });
}

/**
 * The digests of several channels in organization mode from one GetFindings stream through the
 * delegated administrator in the home Region: read once with the server-side filters of a single
 * digest, each finding routed to the channels whose accounts include its AwsAccountId, the posture
 * history written page by page; then each channel is planned, recorded and posted as `runDigest` does
 * (its own lease, resumable replies).
 */
export async function runOrganizationDigests(
  deps: DigestDeps,
  channelIds: readonly string[],
  options: { dryRun?: boolean } = {},
): Promise<DigestOutcome[]> {
  const routing: OrganizationRouting = await deps.accounts.view();
  const org = routing.organization;
  if (!org)
    throw new AppError('invalid_arguments', 'not in organization mode', {
      params: { detailKey: 'digest.noPoster' },
    });
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !deps.poster)
    throw new AppError('invalid_arguments', 'no poster', { params: { detailKey: 'digest.noPoster' } });
  const now = deps.now ?? Date.now;
  const outcomes = new Map<string, DigestOutcome>();
  const jobs: ChannelJob[] = [];
  try {
    for (const channelId of channelIds) {
      const channel = deps.config.channels.find((c) => c.id === channelId);
      if (!channel) {
        throw new AppError('channel_not_configured', `no channel ${channelId} in the config`, {
          params: { channel: channelId },
        });
      }
      const lease = dryRun
        ? null
        : await holdLease(deps.store, `digest:${channelId}`, randomUUID(), deps.lease ?? { ttlMs: leaseMs });
      if (!dryRun && !lease) {
        outcomes.set(channelId, {
          channel: channelId,
          status: 'locked',
          runId: null,
          postedMessages: 0,
          run: null,
          rejectedControlIds: [],
        });
        continue;
      }
      jobs.push({
        channel,
        lease,
        fence: async () => {
          await lease?.ensure();
        },
        unfinished: dryRun ? null : await deps.store.unfinishedDigest(channelId),
        accounts: routing.forChannel(channel),
        tally: null,
        disabled: 0,
      });
    }
    const toRead = jobs.filter((j) => !j.unfinished);
    const planned =
      toRead.length > 0 ? await readAndPlan(deps, routing, org, toRead, dryRun, now) : new Map();
    await Promise.all(
      jobs.map(async (job) => {
        outcomes.set(job.channel.id, await finishJob(deps, job, planned.get(job.channel.id), dryRun));
      }),
    );
  } finally {
    await Promise.all(jobs.map((j) => j.lease?.release()));
  }
  return channelIds.map((id) => outcomes.get(id) as DigestOutcome);
}

type Planned =
  | { run: DigestRun; rejectedControlIds: string[]; disabledFindings: number }
  | { takenOver: true };

/** Records (or, in a dry run, returns) the planned run and posts what is not posted yet. */
async function finishJob(
  deps: DigestDeps,
  job: ChannelJob,
  planned: Planned | undefined,
  dryRun: boolean,
): Promise<DigestOutcome> {
  const channelId = job.channel.id;
  let runId: number | null = null;
  let posted = 0;
  try {
    if (planned && 'takenOver' in planned)
      throw new LeaseLostError({ name: channelId, holder: '', token: 0 });
    if (dryRun) {
      return {
        channel: channelId,
        status: 'dry-run',
        runId: null,
        postedMessages: 0,
        run: planned?.run ?? null,
        rejectedControlIds: planned?.rejectedControlIds ?? [],
        disabledFindings: planned?.disabledFindings ?? 0,
      };
    }
    const run = job.unfinished ?? planned?.run;
    if (!run) throw new Error(`no run planned for ${channelId}`);
    runId = run.id;
    posted = await postRun(deps, channelId, job.channel.digest.language, run, job.fence, (n) => {
      posted = n;
    });
    await job.fence();
    await deps.store.finishDigest(run.id);
    return {
      channel: channelId,
      status: job.unfinished ? 'resumed' : 'posted',
      runId: run.id,
      postedMessages: posted,
      run: await deps.store.lastDigest(channelId),
      rejectedControlIds: planned?.rejectedControlIds ?? [],
      disabledFindings: planned?.disabledFindings ?? 0,
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
  }
}

/** The one read for every channel in `jobs`, then each channel's plan (recorded unless a dry run). */
async function readAndPlan(
  deps: DigestDeps,
  routing: OrganizationRouting,
  org: NonNullable<OrganizationRouting['organization']>,
  jobs: ChannelJob[],
  dryRun: boolean,
  now: () => number,
): Promise<Map<string, Planned>> {
  const at = now();
  const startedAt = new Date(at).toISOString();
  const byAccount = new Map<string, ChannelJob[]>();
  for (const job of jobs) {
    job.tally = new ChannelTally(
      job.channel.digest.minSeverity,
      dryRun ? await deps.store.reportedFindings(job.channel.id) : null,
    );
    for (const account of job.accounts)
      byAccount.set(account.id, [...(byAccount.get(account.id) ?? []), job]);
  }
  const routed = new Set(byAccount.keys());
  const accountIds = [...routed];
  const minimum = Math.min(...jobs.map((j) => severityRank[j.channel.digest.minSeverity]));
  const wanted = severities.filter((s) => severityRank[s] >= minimum);
  const active = await deps.store.listSuppressions({ states: ['active', 'partial'], accountIds });
  const covered = new Set(active.flatMap((s: Suppression) => s.updated));
  const regions = new Set(org.regions);
  const sweep: SweepWriter | null = dryRun
    ? null
    : deps.store.beginSweep({
        at: startedAt,
        scopes: accountIds.flatMap((accountId) => [...regions].map((region) => ({ accountId, region }))),
        severities: wanted,
        suppressed: [...covered],
      });

  // Whether a channel was told about a finding is asked of the store a page at a time: holding every
  // channel's told IDs would take more memory than the stream (hundreds of thousands of ARNs).
  const route = async (findings: readonly ControlFinding[]) => {
    for (let i = 0; i < findings.length; i += pageSize) {
      const batch = findings.slice(i, i + pageSize);
      const told = await deps.store.reportedChannels(batch.map((f) => f.id));
      for (const finding of batch) {
        const channels = told.get(finding.id) ?? [];
        for (const job of byAccount.get(finding.accountId) ?? [])
          job.tally?.add(finding, channels.includes(job.channel.id));
      }
    }
  };
  const access: RegionAccess = await deps.aws.region(org.adminAccount, org.homeRegion, 'digest');
  const narrowed = deps.config.organization?.regions && org.regions.length <= valuesPerFilter;
  const filter = chooseAccountFilter(
    routed,
    routing.all().map((a) => a.id),
    dryRun ? undefined : await estimates(deps, accountIds, at),
  );
  const enablement = memberEnablement(deps, jobs);
  const again: ControlFinding[] = [];
  // Findings of a control disabled where they are: held like suppressed ones (few, unlike the stream).
  const disabled = new Set<string>();
  for await (const page of access.findings.failingPages(wanted, {
    accountIds: filter,
    regions: narrowed ? org.regions : undefined,
  })) {
    // Not routed to any channel being read (an unfiltered read), or a Region the config left out.
    const mine = page.filter((f) => routed.has(f.accountId) && regions.has(f.region));
    const off = await enablement.disabledIn(mine);
    const observed: ControlFinding[] = [];
    for (const finding of mine) {
      if (off.has(finding.id)) {
        disabled.add(finding.id);
        for (const job of byAccount.get(finding.accountId) ?? []) job.disabled += 1;
      } else if (covered.has(finding.id)) again.push(finding);
      else observed.push(finding);
    }
    if (sweep && observed.length > 0) await sweep.observe(observed.map(observation));
    await route(observed);
  }

  // Findings an active suppression covers that Security Hub reset are suppressed again, through the
  // administrator; those whose suppression ended meanwhile are failing like the rest.
  const fence = async () => {
    for (const job of jobs) await job.lease?.ensure();
  };
  const { uncovered, resuppressedIds, suppressed } = await resuppressReset(
    deps,
    active,
    again,
    async () => access.workflow,
    { dryRun, now: at, beforeWrite: fence },
  );
  if (sweep && uncovered.length > 0) await sweep.observe(uncovered.map(observation));
  await route(uncovered);
  if (sweep) {
    const days = [...new Set(jobs.map((j) => localDate(at, j.channel.digest.timezone)))];
    await sweep.finish(days, [...disabled]);
    const retention = deps.config.history.retentionDays * dayMs;
    const timeZone = jobs[0]?.channel.digest.timezone ?? 'UTC';
    await deps.store.purgeHistory(
      localDate(at - retention, timeZone),
      new Date(at - retention).toISOString(),
    );
  }

  // Neither failing nor resolved: suppressed findings and those of a disabled control.
  const held = disabled.size > 0 ? new Set([...suppressed, ...disabled]) : suppressed;
  const heldOpen = await deps.store.openFailuresOf([...held]);
  const planned = new Map<string, Planned>();
  for (const job of jobs) {
    try {
      const resuppressed = again.filter((f) => resuppressedIds.has(f.id));
      planned.set(
        job.channel.id,
        await planChannel(deps, job, {
          at,
          startedAt,
          active,
          suppressed: held,
          heldOpen,
          resuppressed,
          dryRun,
        }),
      );
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      planned.set(job.channel.id, { takenOver: true });
    }
  }
  return planned;
}

async function planChannel(
  deps: DigestDeps,
  job: ChannelJob,
  read: {
    at: number;
    startedAt: string;
    active: readonly Suppression[];
    /** Held findings: suppressed, or of a control disabled where they are. */
    suppressed: ReadonlySet<string>;
    /** The open failures of the held findings. */
    heldOpen: readonly FailureEpisode[];
    /** Findings this run set back to SUPPRESSED. */
    resuppressed: readonly ControlFinding[];
    dryRun: boolean;
  },
): Promise<Planned> {
  const { channel } = job;
  const tally = job.tally as ChannelTally;
  const accountIds = job.accounts.map((a) => a.id);
  const mine = new Set(accountIds);
  const previous = await deps.store.lastDigest(channel.id);
  const since = previous?.startedAt ?? new Date(read.at - expiringWithinDays * dayMs).toISOString();
  const context = await suppressionContext(
    deps,
    read.active.filter((s) => mine.has(s.accountId)),
    accountIds,
    since,
  );
  const resuppressed = read.resuppressed.filter((f) => mine.has(f.accountId)).length;
  const plan = planTallied({
    ...context,
    resuppressed,
    channel: channel.id,
    date: localDate(read.at, channel.digest.timezone),
    startedAt: read.startedAt,
    accounts: job.accounts.map((a) => a.name ?? a.id),
    fresh: tally.fresh,
    failingBySeverity: tally.failingBySeverity,
    resolvedIds: read.dryRun
      ? tally.unseenIds(read.suppressed)
      : (await deps.store.reportedUnseenSince(channel.id, read.startedAt, tally.severities)).filter(
          (id) => !read.suppressed.has(id),
        ),
    previousFailingTotal: previous
      ? Object.values(previous.summary.failing).reduce((a, b) => a + b, 0)
      : null,
    consoleUrl: 'https://console.aws.amazon.com/securityhub/home#/findings',
  });
  const itemIds = new Set(plan.items.flatMap((i) => i.findingIds));
  const held = { ids: read.suppressed, open: read.heldOpen };
  const posture = await channelPosture(deps, channel, accountIds, held, itemIds, read.at);
  const full = await withWeekly(deps, channel, withSla(plan, posture), posture, {
    accountIds,
    dryRun: read.dryRun,
  });
  const rejectedControlIds = [...tally.rejectedControlIds];
  job.tally = null;
  const disabledFindings = job.disabled;
  if (read.dryRun) {
    const items = full.items.map((i) => ({ ...i, runId: 0, ts: null }));
    return {
      rejectedControlIds,
      disabledFindings,
      run: {
        id: 0,
        channel: channel.id,
        startedAt: full.startedAt,
        finishedAt: null,
        parentTs: null,
        summary: full.summary,
        items,
      },
    };
  }
  await job.fence();
  return { run: await deps.store.createDigest(full), rejectedControlIds, disabledFindings };
}
