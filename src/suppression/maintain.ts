import { randomUUID } from 'node:crypto';
import type { Config } from '../config/schema.ts';
import type { AdministeredAccess, AwsPort, ControlFinding, WorkflowPort } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import { type HeldLease, holdLease, LeaseLostError } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import { completeSuppression, suppressionNote } from './apply.ts';
import { expireApprovalRequests } from './approval.ts';
import { liftSuppression } from './lift.ts';
import { pauseAt, withSuppressionLock } from './lock.ts';
import { type Suppression, SuppressionTransitionError } from './types.ts';

export interface SuppressionDeps {
  store: Store;
  aws: AwsPort;
  config: Config;
  /** Where the accounts come from (the config, or the organization's discovery). */
  accounts: AccountDirectory;
  now?: () => number;
  /** Told of each request for approval the job let lapse (Slack edits the approvers' message). */
  approvalLapsed?: (suppression: Suppression) => Promise<void>;
}

/**
 * AWS access to the findings of one account and Region the directory has; the requester names the
 * AWS session. In organization mode they are read and updated through the delegated administrator: in
 * the home Region for the linked Regions (updates replicate back), else in the finding's own Region.
 */
export async function regionAccessFor(
  deps: Pick<SuppressionDeps, 'aws' | 'accounts'>,
  accountId: string,
  region: string,
  requester: string,
): Promise<AdministeredAccess> {
  const view = await deps.accounts.view();
  const account = view.find(accountId);
  if (!account || account.id !== accountId) {
    // Names only the account asked for: this reaches the job's log line and, at worst, a user.
    throw new AppError(
      'account_not_configured',
      `account ${accountId} is no longer in the config or the organization`,
      { params: { account: accountId } },
    );
  }
  const org = view.organization;
  if (org) {
    const where = org.regions.includes(region) ? org.homeRegion : region;
    return deps.aws.administered(org.adminAccount, where, { accountId, region }, requester);
  }
  return deps.aws.region(account, region, requester);
}

/** Workflow access to one account and Region of the config. */
export async function workflowFor(
  deps: Pick<SuppressionDeps, 'aws' | 'accounts'>,
  accountId: string,
  region: string,
  requester = 'suppression-job',
): Promise<WorkflowPort> {
  return (await regionAccessFor(deps, accountId, region, requester)).workflow;
}

export interface MaintenanceReport {
  /** False when another holder (a replica) had the job's lease: this run did nothing. */
  ran: boolean;
  completed: number[];
  expired: number[];
  /** Requests for approval left unanswered past their time. */
  approvalExpired: number[];
  /** Records that could not be completed or lifted this time; the next run tries again. */
  failed: { id: number; code: string; message: string }[];
}

/** A check result's Suppress buttons work this long; digest replies keep theirs. */
const checkTargetDays = 30;

/** How long Security Hub may take to show a suppression applied (AWS: "several minutes"). */
const applyGraceMs = 30 * 60 * 1000;

/** Only one replica maintains suppressions at a time; the lease is renewed while the job works. */
const maintenanceLeaseMs = 10 * 60 * 1000;

/**
 * The scheduled job: completes suppressions AWS interrupted (pending or partial), and lifts those
 * whose time is up. Safe to run often and from several replicas.
 */
export async function maintainSuppressions(
  deps: SuppressionDeps,
  holder: string,
): Promise<MaintenanceReport> {
  const report: MaintenanceReport = {
    ran: false,
    completed: [],
    expired: [],
    approvalExpired: [],
    failed: [],
  };
  const lease = await holdLease(deps.store, 'suppression-maintenance', holder, {
    ttlMs: maintenanceLeaseMs,
  });
  if (!lease) return report;
  report.ran = true;
  try {
    const at = (deps.now ?? Date.now)();
    const now = new Date(at).toISOString();
    await deps.store.purgeCheckTargets(new Date(at - checkTargetDays * 24 * 60 * 60 * 1000).toISOString());
    report.approvalExpired = await expireApprovalRequests(deps, () => lease.ensure(), deps.approvalLapsed);
    const open = await deps.store.listSuppressions({ states: ['pending', 'partial', 'active'] });
    for (const suppression of open) {
      // Taken over (this process stalled past the lease): stop before the next AWS write.
      await lease.ensure();
      try {
        const workflow = await workflowFor(deps, suppression.accountId, suppression.region);
        if (suppression.expiresAt <= now) {
          const lifted = await liftSuppression(deps.store, workflow, suppression.id, {
            state: 'expired',
            actor: 'fsbp-bot',
            holder,
            // An apply in progress holds the lock: this record is expired on the next run.
            waitMs: 0,
          }).catch((error: unknown) => {
            // Lifted by a user since the listing: nothing left to do.
            if (error instanceof SuppressionTransitionError) return null;
            throw error;
          });
          if (lifted === null) continue;
          if (lifted.failed.length === 0) report.expired.push(suppression.id);
          else
            report.failed.push({ id: suppression.id, code: 'unprocessed', message: 'lift refused by AWS' });
        } else if (suppression.state !== 'active') {
          const done = await completeSuppression(deps.store, workflow, suppression, holder);
          if (done.suppression.state === 'active') report.completed.push(suppression.id);
        }
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        const e = error as { code?: string; message?: string };
        report.failed.push({
          id: suppression.id,
          code: e.code ?? 'internal',
          message: e.message ?? String(error),
        });
      }
    }
    return report;
  } catch (error) {
    if (error instanceof LeaseLostError) return report;
    throw error;
  } finally {
    await lease.release();
  }
}

/**
 * Security Hub sets a SUPPRESSED finding back to NEW when its resource passed and then failed again.
 * Findings failing now that an active suppression covers are suppressed again (and left out of the
 * digest); the record notes it. Each record is read again under its lock right before the write: one
 * lifted or expired since the caller's snapshot is not re-suppressed (its findings are reported as
 * failing), and one past its expiry is left for the job to lift. Returns the findings no suppression
 * covers.
 */
export async function resuppressReset(
  deps: Pick<SuppressionDeps, 'store'>,
  /** The active and partial suppressions of the accounts the findings come from. */
  active: readonly Suppression[],
  failing: readonly ControlFinding[],
  workflowOf: (accountId: string, region: string) => Promise<WorkflowPort>,
  options: {
    dryRun?: boolean;
    now?: number;
    /** Called before each write to AWS; throws when the caller's lease was taken over. */
    beforeWrite?: () => Promise<void>;
  } = {},
): Promise<{
  uncovered: ControlFinding[];
  resuppressed: number;
  /** The findings set back to SUPPRESSED by this call. */
  resuppressedIds: ReadonlySet<string>;
  suppressed: ReadonlySet<string>;
}> {
  const coveredBy = new Map<string, Suppression>();
  for (const s of active) for (const f of s.updated) coveredBy.set(f, s);
  const again = new Map<Suppression, ControlFinding[]>();
  const uncovered: ControlFinding[] = [];
  for (const finding of failing) {
    const suppression = coveredBy.get(finding.id);
    if (!suppression) uncovered.push(finding);
    else again.set(suppression, [...(again.get(suppression) ?? []), finding]);
  }
  const resuppressedIds = new Set<string>();
  const suppressed = new Set(coveredBy.keys());
  if (options.dryRun) return { uncovered, resuppressed: 0, resuppressedIds, suppressed };
  const at = options.now ?? Date.now();
  const settledBefore = new Date(at - applyGraceMs).toISOString();
  const holder = randomUUID();
  for (const [snapshot, findings] of again) {
    // Security Hub takes minutes to apply an update: a fresh suppression read back as NEW is not a reset.
    if (snapshot.createdAt > settledBefore) continue;
    await pauseAt('resuppress:before-lock', snapshot.id);
    // The caller's own lease (the digest run's): taken over, stop before writing anything more.
    await options.beforeWrite?.();
    try {
      const outcome = await withSuppressionLock(
        deps.store,
        snapshot.id,
        holder,
        { waitMs: 0 },
        (current, lease) => resuppressOne(deps.store, current, lease, findings, workflowOf, at),
      );
      if (outcome === 'ended') {
        // Lifted or expired since the snapshot: these findings are failing and nothing covers them.
        for (const f of findings) suppressed.delete(f.id);
        uncovered.push(...findings);
      } else for (const id of outcome) resuppressedIds.add(id);
    } catch (error) {
      // Still left out of the digest; the next run tries again.
      await deps.store.recordSuppressionEvent(snapshot.id, 'fsbp-bot', 'resuppress-failed', {
        findings: findings.map((f) => f.id),
        code: error instanceof AppError ? error.code : 'internal',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { uncovered, resuppressed: resuppressedIds.size, resuppressedIds, suppressed };
}

/** Re-suppresses one record's reset findings, as the record reads now: 'ended', or those AWS took. */
async function resuppressOne(
  store: Store,
  current: Suppression,
  lease: HeldLease,
  findings: readonly ControlFinding[],
  workflowOf: (accountId: string, region: string) => Promise<WorkflowPort>,
  at: number,
): Promise<'ended' | string[]> {
  if (current.state !== 'active' && current.state !== 'partial') return 'ended';
  // Past its expiry: the job sets it back to NEW; writing SUPPRESSED now would outlive the record.
  if (current.expiresAt <= new Date(at).toISOString()) return [];
  const covered = new Set(current.updated);
  const todo = findings.filter((f) => covered.has(f.id));
  if (todo.length === 0) return [];
  const workflow = await workflowOf(current.accountId, current.region);
  await lease.ensure();
  const result = await workflow.updateWorkflow(todo, {
    status: 'SUPPRESSED',
    note: suppressionNote(current),
    updatedBy: `fsbp-bot/${current.userId}`,
  });
  await store.recordSuppressionEvent(current.id, 'fsbp-bot', 'resuppressed', {
    findings: result.processed,
    failed: result.unprocessed.map(({ id, code }) => ({ id, code })),
  });
  return result.processed;
}
