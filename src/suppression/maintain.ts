import { randomUUID } from 'node:crypto';
import { findAccount } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { AwsPort, ControlFinding, RegionAccess, WorkflowPort } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import { type HeldLease, holdLease, LeaseLostError } from '../store/lease.ts';
import type { Store } from '../store/store.ts';
import { completeSuppression, suppressionNote } from './apply.ts';
import { liftSuppression } from './lift.ts';
import { pauseAt, withSuppressionLock } from './lock.ts';
import { type Suppression, SuppressionTransitionError } from './types.ts';

export interface SuppressionDeps {
  store: Store;
  aws: AwsPort;
  config: Config;
  now?: () => number;
}

/** AWS access to one account and Region of the config; the requester names the AWS session. */
export async function regionAccessFor(
  deps: Pick<SuppressionDeps, 'aws' | 'config'>,
  accountId: string,
  region: string,
  requester: string,
): Promise<RegionAccess> {
  const account = findAccount(deps.config, accountId);
  if (!account) {
    // Names only the account asked for: this reaches the job's log line and, at worst, a user.
    throw new AppError('account_not_configured', `account ${accountId} is no longer in the config`, {
      params: { account: accountId },
    });
  }
  return deps.aws.region(account, region, requester);
}

/** Workflow access to one account and Region of the config. */
export async function workflowFor(
  deps: Pick<SuppressionDeps, 'aws' | 'config'>,
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
  const report: MaintenanceReport = { ran: false, completed: [], expired: [], failed: [] };
  const lease = await holdLease(deps.store, 'suppression-maintenance', holder, {
    ttlMs: maintenanceLeaseMs,
  });
  if (!lease) return report;
  report.ran = true;
  try {
    const at = (deps.now ?? Date.now)();
    const now = new Date(at).toISOString();
    await deps.store.purgeCheckTargets(new Date(at - checkTargetDays * 24 * 60 * 60 * 1000).toISOString());
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
): Promise<{ uncovered: ControlFinding[]; resuppressed: number; suppressed: ReadonlySet<string> }> {
  const coveredBy = new Map<string, Suppression>();
  for (const s of active) for (const f of s.updated) coveredBy.set(f, s);
  const again = new Map<Suppression, ControlFinding[]>();
  const uncovered: ControlFinding[] = [];
  for (const finding of failing) {
    const suppression = coveredBy.get(finding.id);
    if (!suppression) uncovered.push(finding);
    else again.set(suppression, [...(again.get(suppression) ?? []), finding]);
  }
  let resuppressed = 0;
  const suppressed = new Set(coveredBy.keys());
  if (options.dryRun) return { uncovered, resuppressed, suppressed };
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
      } else resuppressed += outcome;
    } catch (error) {
      // Still left out of the digest; the next run tries again.
      await deps.store.recordSuppressionEvent(snapshot.id, 'fsbp-bot', 'resuppress-failed', {
        findings: findings.map((f) => f.id),
        code: error instanceof AppError ? error.code : 'internal',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { uncovered, resuppressed, suppressed };
}

/** Re-suppresses one record's reset findings, as the record reads now: 'ended', or how many were sent. */
async function resuppressOne(
  store: Store,
  current: Suppression,
  lease: HeldLease,
  findings: readonly ControlFinding[],
  workflowOf: (accountId: string, region: string) => Promise<WorkflowPort>,
  at: number,
): Promise<'ended' | number> {
  if (current.state !== 'active' && current.state !== 'partial') return 'ended';
  // Past its expiry: the job sets it back to NEW; writing SUPPRESSED now would outlive the record.
  if (current.expiresAt <= new Date(at).toISOString()) return 0;
  const covered = new Set(current.updated);
  const todo = findings.filter((f) => covered.has(f.id));
  if (todo.length === 0) return 0;
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
  return result.processed.length;
}
