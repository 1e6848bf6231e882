import type { Severity } from '../catalog/schema.ts';

export const controlStatuses = ['PASSED', 'FAILED', 'SUPPRESSED', 'NOT_EVALUATED', 'ERROR'] as const;
export type ControlStatus = (typeof controlStatuses)[number];

export type ResourceStatus = 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_APPLICABLE';

export interface ResourceResult {
  resourceType: string;
  resourceId: string;
  status: ResourceStatus;
  suppressed: boolean;
  findingId: string | null;
  workflowStatus: string | null;
  note: string | null;
  annotation: string | null;
}

/** Why a control has no verdict; `NOT_EVALUATED` and `ERROR` always say. */
export type NotEvaluatedReason = 'rule_not_found' | 'no_results' | 'no_findings';

export interface ControlResult {
  controlId: string;
  severity: Severity;
  status: ControlStatus;
  /** True when the results come from an evaluation this check started (or waited for). */
  fresh: boolean;
  /**
   * True when the rules were evaluated within `check.reevaluateAfter` (by the bot or AWS's schedule)
   * and so were not started again: the results are that evaluation's, from `evaluatedAt`.
   */
  reused?: boolean;
  evaluatedAt: string | null;
  reason: NotEvaluatedReason | null;
  error: CheckErrorInfo | null;
  resources: ResourceResult[];
}

export interface CheckErrorInfo {
  code: string;
  /** The full message, AWS's text included: for the log and the terminal, never shown in Slack. */
  message: string;
  /** AWS's error code (AccessDenied, ThrottlingException, ...). */
  awsCode?: string;
  /** The IAM action that was refused, when AWS said so. */
  action?: string;
  /** AWS's request ID of the failed call. */
  requestId?: string;
  /** The configured role that could not be assumed. */
  role?: string;
}

export interface RegionResult {
  accountId: string;
  accountName: string | null;
  region: string;
  error: CheckErrorInfo | null;
  controls: ControlResult[];
  /** Controls asked for that are disabled in FSBP here: neither evaluated nor reported, only named. */
  disabled?: { controlId: string; reason: string | null }[];
}

export interface CheckReport {
  targets: string[];
  startedAt: string;
  finishedAt: string;
  results: RegionResult[];
  summary: Record<ControlStatus, number>;
}
