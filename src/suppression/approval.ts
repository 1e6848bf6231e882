import type { Catalog } from '../catalog/catalog.ts';
import { Severity, severityRank } from '../catalog/schema.ts';
import { findChannel } from '../config/load.ts';
import type { ApprovalConfig, Config, Permission } from '../config/schema.ts';
import { AppError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { type ApplyOutcome, completeSuppression } from './apply.ts';
import { pauseAt } from './lock.ts';
import { regionAccessFor, type SuppressionDeps } from './maintain.ts';
import { assertTargetInChannel } from './request.ts';
import { type Suppression, SuppressionTransitionError } from './types.ts';

/**
 * Four-eyes suppressions (`suppression.approval`): which requests wait for a second person, and
 * the approval or rejection of one, each re-checked when it happens. The Slack surface only shows
 * the buttons and the outcome.
 */

const hourMs = 60 * 60 * 1000;

/** The policy for requests made in a channel: the channel's own block, else the top-level one. */
export function approvalPolicyFor(config: Config, channelId: string | null): ApprovalConfig | null {
  const channel = channelId ? findChannel(config, channelId) : undefined;
  return channel?.approval ?? config.suppression.approval ?? null;
}

/**
 * The severity a request is judged by: the control's (catalog), raised by any finding's own label.
 * Finding fields are untrusted: an unknown label counts for nothing, so it can never lower it.
 */
export function requestSeverity(
  controlSeverity: Severity | undefined,
  findingSeverities: readonly (string | null)[],
): Severity | null {
  let worst: Severity | null = controlSeverity ?? null;
  for (const label of findingSeverities) {
    const parsed = Severity.safeParse(label);
    if (parsed.success && (worst === null || severityRank[parsed.data] > severityRank[worst])) {
      worst = parsed.data;
    }
  }
  return worst;
}

/** Whether a severity is at or above the lowest one the policy lists. */
export function needsApproval(policy: ApprovalConfig | null, severity: Severity | null): boolean {
  if (!policy || severity === null || policy.severities.length === 0) return false;
  const threshold = Math.min(...policy.severities.map((s) => severityRank[s]));
  return severityRank[severity] >= threshold;
}

/** When a request made now lapses unanswered, or null when it needs no approval. */
export function approvalRequest(
  config: Config,
  channelId: string | null,
  severity: Severity | null,
  now: number,
): { expiresAt: string } | null {
  const policy = approvalPolicyFor(config, channelId);
  if (!policy || !needsApproval(policy, severity)) return null;
  return { expiresAt: new Date(now + policy.expiresAfterHours * hourMs).toISOString() };
}

export interface ApprovalDeps extends SuppressionDeps {
  catalog: Catalog;
}

export interface ReviewRequest {
  id: number;
  /** The channel the button was clicked in: it must be the request's own. */
  channel: string;
  userId: string;
  userName: string;
  /** Whether the user is among these approvers (Slack users and user groups), asked at the click. */
  isApprover(approvers: Permission): Promise<boolean>;
}

/**
 * A request as it reads now, if this user may decide it here: still waiting and not lapsed, not
 * their own, they are an approver of the request's channel, and the account is still that
 * channel's. Otherwise a typed refusal; nothing is written.
 */
export async function reviewableRequest(
  deps: Pick<ApprovalDeps, 'store' | 'config' | 'accounts' | 'now'>,
  request: ReviewRequest,
): Promise<Suppression> {
  const suppression = await deps.store.getSuppression(request.id);
  if (!suppression?.approval) {
    throw new AppError('unknown_suppression', `no request for approval ${request.id}`, {
      params: { id: request.id },
    });
  }
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  if (suppression.state === 'awaiting_approval' && suppression.approval.expiresAt <= now) {
    // The job marks it and edits the message on its next run.
    throw closed({ ...suppression, state: 'approval_expired' });
  }
  if (suppression.state !== 'awaiting_approval') throw closed(suppression);
  if (suppression.userId === request.userId) {
    throw new AppError('approval_self', `${request.userId} reviewed their own request ${request.id}`, {
      params: { id: request.id },
    });
  }
  const policy = approvalPolicyFor(deps.config, suppression.channel);
  if (!policy || !(await request.isApprover(policy.approvers))) {
    throw new AppError('approval_not_approver', `${request.userId} is not an approver of ${request.id}`, {
      params: { id: request.id },
    });
  }
  assertTargetInChannel(
    deps.config,
    await deps.accounts.view(),
    { key: `request-${request.id}`, channel: suppression.channel, accountId: suppression.accountId },
    request.channel,
  );
  return suppression;
}

/** The request is no longer waiting: who decided it, or that it lapsed. */
function closed(s: Suppression): AppError {
  return new AppError('approval_closed', `request ${s.id} is ${s.state}`, {
    params: { id: s.id, state: s.state, user: s.approval?.reviewerName ?? '-' },
  });
}

export interface ApproveOutcome extends Omit<ApplyOutcome, 'created'> {
  /** Resource of each finding, to name the ones AWS refused. */
  resourceOf: Map<string, string>;
}

/**
 * Approves a waiting request and applies it as any suppression, under its lock. Re-checked now:
 * see `reviewableRequest`, and the findings must still be failing (those that are not are left
 * out; none left refuses). Of two approvers at once, the store's guarded write lets one through:
 * the other is told who approved it, and sends nothing to AWS.
 */
export async function approveRequest(
  deps: ApprovalDeps,
  request: ReviewRequest,
  holder: string,
): Promise<ApproveOutcome> {
  const waiting = await reviewableRequest(deps, request);
  // The approver's name is on the AWS session (CloudTrail shows who let it through).
  const access = await regionAccessFor(deps, waiting.accountId, waiting.region, request.userId);
  const securityControlId = deps.catalog.find(waiting.controlId)?.securityControlId ?? waiting.controlId;
  const failing = new Set(
    (await access.findings.controlFindings([securityControlId]))
      .filter(
        (f) =>
          f.complianceStatus === 'FAILED' &&
          f.workflowStatus !== 'SUPPRESSED' &&
          f.workflowStatus !== 'RESOLVED',
      )
      .map((f) => f.id),
  );
  const still = waiting.findings.filter((f) => failing.has(f.id));
  if (still.length === 0) {
    throw new AppError('nothing_to_suppress', `nothing behind request ${waiting.id} fails any more`, {
      params: { control: waiting.controlId },
    });
  }
  await pauseAt('approve:checked', waiting.id);
  let approved: Suppression;
  try {
    approved = await deps.store.decideApproval(waiting.id, {
      state: 'pending',
      actor: request.userId,
      actorName: request.userName,
      findings: still,
    });
  } catch (error) {
    if (error instanceof SuppressionTransitionError) throw closed(await current(deps.store, waiting));
    throw error;
  }
  const outcome = await completeSuppression(deps.store, access.workflow, approved, holder);
  return {
    ...outcome,
    resourceOf: new Map(outcome.suppression.findings.map((f) => [f.id, f.resourceId])),
  };
}

/** Rejects a waiting request with a reason; nothing changes in Security Hub. */
export async function rejectRequest(
  deps: Pick<ApprovalDeps, 'store' | 'config' | 'accounts' | 'now'>,
  request: ReviewRequest & { reason: string },
): Promise<Suppression> {
  const waiting = await reviewableRequest(deps, request);
  try {
    return await deps.store.decideApproval(waiting.id, {
      state: 'rejected',
      actor: request.userId,
      actorName: request.userName,
      reason: request.reason,
    });
  } catch (error) {
    if (error instanceof SuppressionTransitionError) throw closed(await current(deps.store, waiting));
    throw error;
  }
}

async function current(store: Pick<Store, 'getSuppression'>, s: Suppression): Promise<Suppression> {
  return (await store.getSuppression(s.id)) ?? s;
}

/**
 * The job's part: requests left unanswered past their time lapse (`approval_expired`); `lapsed`
 * is told of each (the Slack surface edits the approvers' message). Returns their IDs.
 */
export async function expireApprovalRequests(
  deps: Pick<SuppressionDeps, 'store' | 'now'>,
  beforeWrite: () => Promise<void>,
  lapsed?: (suppression: Suppression) => Promise<void>,
): Promise<number[]> {
  const now = new Date((deps.now ?? Date.now)()).toISOString();
  const expired: number[] = [];
  for (const waiting of await deps.store.listSuppressions({ states: ['awaiting_approval'] })) {
    if (!waiting.approval || waiting.approval.expiresAt > now) continue;
    await beforeWrite();
    let ended: Suppression;
    try {
      ended = await deps.store.decideApproval(waiting.id, { state: 'approval_expired', actor: 'fsbp-bot' });
    } catch (error) {
      // Approved or rejected since the listing.
      if (error instanceof SuppressionTransitionError) continue;
      throw error;
    }
    expired.push(ended.id);
    // The surface logs its own failures; the record is marked either way.
    await lapsed?.(ended).catch(() => undefined);
  }
  return expired;
}
