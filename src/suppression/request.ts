import { z } from 'zod';
import type { Catalog } from '../catalog/catalog.ts';
import { controlIdPattern } from '../catalog/schema.ts';
import { findChannel } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import type { AwsPort } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { AccountDirectory } from '../organization/directory.ts';
import type { AccountView } from '../organization/view.ts';
import type { Store } from '../store/store.ts';
import { type ApplyOutcome, applySuppression, maxReasonLength } from './apply.ts';
import { approvalRequest, requestSeverity } from './approval.ts';
import { regionAccessFor } from './maintain.ts';
import type { SuppressedFinding, SuppressTarget } from './types.ts';

export { maxReasonLength };

/**
 * Suppressing the findings of a digest reply: the form's rules (shared by the Slack modal) and the
 * request itself. The Slack surface only collects the form and shows the outcome.
 */

export interface SuppressionPolicy {
  maxDays: number;
  minReasonLength: number;
  /** Lower than the note allows when a second person's name goes into it too (approval). */
  maxReasonLength?: number;
}

const dayMs = 24 * 60 * 60 * 1000;

/** The expiry choices offered: 7, 30 and 90 days, never beyond the policy (its maximum offered instead). */
export function expiryChoices(policy: Pick<SuppressionPolicy, 'maxDays'>): number[] {
  const offered = [7, 30, 90].filter((days) => days <= policy.maxDays);
  if (policy.maxDays < 90 && !offered.includes(policy.maxDays)) offered.push(policy.maxDays);
  return offered;
}

export type SuppressScope = 'resource' | 'control';

/** What the form holds, as the surface read it; every field may be missing. */
export interface SuppressForm {
  reason?: string | null | undefined;
  days?: string | null | undefined;
  date?: string | null | undefined;
  scope?: string | null | undefined;
}

export type FormField = 'reason' | 'expiry' | 'date' | 'scope';
export type FormErrors = Partial<
  Record<FormField, { key: string; params?: Record<string, string | number> }>
>;

export interface SuppressChoice {
  reason: string;
  expiresAt: string;
  scope: SuppressScope;
}

const Form = z.object({
  reason: z.string().nullish(),
  days: z.string().nullish(),
  date: z.string().nullish(),
  scope: z.enum(['resource', 'control']).nullish(),
});

/** Validates the form: each problem as a locale key on its field, for inline errors. */
export function parseSuppressForm(
  form: SuppressForm,
  policy: SuppressionPolicy,
  now: number,
): { ok: true; value: SuppressChoice } | { ok: false; errors: FormErrors } {
  const errors: FormErrors = {};
  const parsed = Form.safeParse(form);
  if (!parsed.success) return { ok: false, errors: { scope: { key: 'suppress.errors.scope' } } };
  const reason = (parsed.data.reason ?? '').trim();
  const length = [...reason].length;
  if (length < policy.minReasonLength) {
    errors.reason = { key: 'suppress.errors.reasonShort', params: { min: policy.minReasonLength } };
  } else if (length > (policy.maxReasonLength ?? maxReasonLength)) {
    errors.reason = {
      key: 'suppress.errors.reasonLong',
      params: { max: policy.maxReasonLength ?? maxReasonLength },
    };
  }
  let expiresAt: string | null = null;
  const latest = now + policy.maxDays * dayMs;
  if (parsed.data.date) {
    // A date suppresses through the end of that day (UTC).
    const end = Date.parse(`${parsed.data.date}T23:59:59.999Z`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(parsed.data.date) || Number.isNaN(end) || end <= now) {
      errors.date = { key: 'suppress.errors.datePast' };
    } else if (end > latest + dayMs) {
      errors.date = { key: 'suppress.errors.dateFar', params: { max: policy.maxDays } };
    } else {
      expiresAt = new Date(Math.min(end, latest)).toISOString();
    }
  } else {
    const days = Number(parsed.data.days);
    if (!expiryChoices(policy).includes(days)) errors.expiry = { key: 'suppress.errors.expiry' };
    else expiresAt = new Date(now + days * dayMs).toISOString();
  }
  if (Object.keys(errors).length > 0 || expiresAt === null) return { ok: false, errors };
  return { ok: true, value: { reason, expiresAt, scope: parsed.data.scope ?? 'resource' } };
}

export interface SuppressDeps {
  config: Config;
  accounts: AccountDirectory;
  catalog: Catalog;
  store: Store;
  aws: AwsPort;
  now?: () => number;
}

export interface SuppressRequest extends SuppressChoice {
  /** The button's key: a digest reply or a failing control of a check result. */
  key: string;
  /** The channel the button was clicked in: it must be the target's own. */
  channel: string;
  userId: string;
  userName: string;
  /** A link to the button's message, so later digests can point to it; asked only for a new record. */
  permalinkOf?: (target: SuppressTarget) => Promise<string | null>;
}

export interface SuppressOutcome extends ApplyOutcome {
  target: SuppressTarget;
  /** Resource of each finding, to name the ones AWS refused. */
  resourceOf: Map<string, string>;
}

/**
 * What a button points at, or a typed error when it is unknown (an old or foreign key). A control ID
 * that came from a finding is untrusted: one not shaped like `S3.1` is never used as a key.
 */
export async function suppressTargetFor(store: Store, key: string): Promise<SuppressTarget> {
  const target = await store.suppressTarget(key);
  if (!target || !controlIdPattern.test(target.controlId)) {
    throw new AppError('suppression_target_gone', `no usable suppress target ${key}`, { params: { key } });
  }
  return target;
}

/**
 * A button acts only in the channel it was posted to, and only for an account that channel still has
 * in the current config and directory (an operator may have moved the account since, or discovery
 * moved it to another OU). Checked at the click and again at the submit, before any AWS call.
 */
export function assertTargetInChannel(
  config: Config,
  accounts: AccountView,
  target: Pick<SuppressTarget, 'key' | 'channel' | 'accountId'>,
  channel: string,
): void {
  const own = target.channel === channel ? findChannel(config, channel) : undefined;
  if (!own || !accounts.forChannel(own).some((a) => a.id === target.accountId)) {
    throw new AppError(
      'suppress_target_elsewhere',
      `target ${target.key} (channel ${target.channel}, account ${target.accountId}) clicked in ${channel}`,
    );
  }
}

/** Security Hub's findings name a control by its security control ID (ELBv2.1 is ELB.1). */
function securityControlIdOf(catalog: Catalog, controlId: string): string {
  return catalog.find(controlId)?.securityControlId ?? controlId;
}

/** One button makes at most one suppression: its request key. */
export function requestKeyOf(target: Pick<SuppressTarget, 'kind' | 'key'>): string {
  return `${target.kind === 'digest' ? 'digest-item' : 'check'}:${target.key}`;
}

/**
 * Suppresses the findings behind one button (scope `resource`) or every failing finding of its
 * control in that account and Region (scope `control`). A second submit returns the first.
 */
export async function suppressTarget(
  deps: SuppressDeps,
  request: SuppressRequest,
  holder: string,
): Promise<SuppressOutcome> {
  const item = await suppressTargetFor(deps.store, request.key);
  assertTargetInChannel(deps.config, await deps.accounts.view(), item, request.channel);
  const requestKey = requestKeyOf(item);
  const existing = await deps.store.suppressionForRequest(requestKey);
  const access = await regionAccessFor(deps, item.accountId, item.region, request.userId);
  let findings: SuppressedFinding[] = existing?.findings ?? [];
  let approval: { expiresAt: string } | null = null;
  const now = (deps.now ?? Date.now)();
  if (!existing) {
    // Read now: the product ARN is needed, and a finding may have been resolved since the digest.
    const wanted = new Set(item.findingIds);
    // Only what still fails and is not suppressed already (someone else's note is left alone).
    const failing = (
      await access.findings.controlFindings([securityControlIdOf(deps.catalog, item.controlId)])
    ).filter(
      (f) =>
        (request.scope === 'control' || wanted.has(f.id)) &&
        f.complianceStatus === 'FAILED' &&
        f.workflowStatus !== 'SUPPRESSED' &&
        f.workflowStatus !== 'RESOLVED',
    );
    findings = failing.map((f) => ({ id: f.id, productArn: f.productArn, resourceId: f.resourceId }));
    if (findings.length === 0) {
      throw new AppError('nothing_to_suppress', `nothing failing behind ${item.key}`, {
        params: { control: item.controlId },
      });
    }
    // At an approval severity, the request waits for a second person and nothing is sent now.
    const severity = requestSeverity(
      deps.catalog.find(item.controlId)?.severity,
      failing.map((f) => f.severity),
    );
    approval = approvalRequest(deps.config, item.channel, severity, now);
  }
  const permalink = existing ? existing.permalink : ((await request.permalinkOf?.(item)) ?? null);
  const outcome = await applySuppression(
    deps.store,
    access.workflow,
    {
      requestKey,
      controlId: item.controlId,
      accountId: item.accountId,
      region: item.region,
      scope: request.scope,
      reason: request.reason,
      userId: request.userId,
      userName: request.userName,
      createdAt: new Date(now).toISOString(),
      expiresAt: request.expiresAt,
      findings,
      channel: item.channel,
      messageTs: item.ts,
      permalink,
      approval,
    },
    holder,
  );
  return {
    ...outcome,
    target: item,
    resourceOf: new Map(outcome.suppression.findings.map((f) => [f.id, f.resourceId])),
  };
}
