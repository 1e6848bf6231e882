import type { Control } from '../catalog/schema.ts';
import type { Compliance, ControlFinding, RuleEvaluation } from './ports.ts';
import { lastSuccessfulRun, type RuleOutcome } from './reevaluate.ts';
import { indexByResource, resourceKey } from './resource-match.ts';
import type {
  CheckErrorInfo,
  ControlResult,
  ControlStatus,
  ResourceResult,
  ResourceStatus,
} from './types.ts';

const fromCompliance: Record<Compliance, ResourceStatus> = {
  NON_COMPLIANT: 'FAILED',
  COMPLIANT: 'PASSED',
  NOT_APPLICABLE: 'NOT_APPLICABLE',
};

const fromFindingCompliance: Record<string, ResourceStatus> = {
  FAILED: 'FAILED',
  PASSED: 'PASSED',
  WARNING: 'WARNING',
  NOT_AVAILABLE: 'NOT_APPLICABLE',
};

const statusRank: Record<ResourceStatus, number> = { FAILED: 3, WARNING: 2, PASSED: 1, NOT_APPLICABLE: 0 };

export interface RuleData {
  name: string;
  outcome: RuleOutcome;
  evaluations: RuleEvaluation[] | null;
  error: CheckErrorInfo | null;
}

function resourceFromFinding(finding: ControlFinding): ResourceResult {
  return {
    resourceType: finding.resourceType,
    resourceId: finding.resourceId,
    status: fromFindingCompliance[finding.complianceStatus ?? ''] ?? 'NOT_APPLICABLE',
    suppressed: finding.workflowStatus === 'SUPPRESSED',
    findingId: finding.id,
    workflowStatus: finding.workflowStatus,
    note: finding.noteText,
    annotation: null,
  };
}

/** The verdict over resources: "could not evaluate" never becomes PASSED or FAILED. */
export function controlStatusOf(resources: readonly ResourceResult[]): ControlStatus {
  const failing = resources.filter((r) => r.status === 'FAILED');
  if (failing.some((r) => !r.suppressed)) return 'FAILED';
  if (failing.length > 0) return 'SUPPRESSED';
  if (resources.some((r) => r.status === 'PASSED' || r.status === 'WARNING')) return 'PASSED';
  return 'NOT_EVALUATED';
}

function sortResources(resources: ResourceResult[]): ResourceResult[] {
  return resources.sort(
    (a, b) => statusRank[b.status] - statusRank[a.status] || a.resourceId.localeCompare(b.resourceId),
  );
}

function base(control: Control): Omit<ControlResult, 'status' | 'fresh' | 'resources'> {
  return { controlId: control.id, severity: control.severity, evaluatedAt: null, reason: null, error: null };
}

/** A control without a Config rule (Config.1, ...): its status is what Security Hub says. */
export function fromFindingsOnly(control: Control, findings: readonly ControlFinding[]): ControlResult {
  const resources = sortResources(findings.map(resourceFromFinding));
  const status = controlStatusOf(resources);
  const updated = findings
    .map((f) => f.updatedAt)
    .filter((d): d is string => Boolean(d))
    .sort();
  return {
    ...base(control),
    status,
    fresh: false,
    evaluatedAt: updated.at(-1) ?? null,
    reason: status === 'NOT_EVALUATED' ? 'no_findings' : null,
    resources,
  };
}

/** A control backed by Config rules: resources from the rules' results, joined with findings. */
export function fromRules(
  control: Control,
  rules: readonly RuleData[],
  findings: readonly ControlFinding[],
): ControlResult {
  if (rules.length === 0) {
    return {
      ...base(control),
      status: 'NOT_EVALUATED',
      fresh: false,
      reason: 'rule_not_found',
      resources: [],
    };
  }
  const broken = rules.find((r) => r.error || r.outcome.failed);
  if (broken) {
    const error = broken.error ?? {
      code: broken.outcome.status?.lastErrorCode ?? 'EvaluationFailed',
      message: broken.outcome.status?.lastErrorMessage ?? `evaluation of ${broken.name} failed`,
    };
    return { ...base(control), status: 'ERROR', fresh: broken.outcome.fresh, error, resources: [] };
  }
  const findingsByResource = indexByResource(findings, (f) => f.resourceId);
  const byResource = new Map<string, ResourceResult>();
  let evaluatedAt = 0;
  for (const rule of rules) {
    if (rule.outcome.status) evaluatedAt = Math.max(evaluatedAt, lastSuccessfulRun(rule.outcome.status));
    for (const evaluation of rule.evaluations ?? []) {
      evaluatedAt = Math.max(evaluatedAt, evaluation.recordedAt?.getTime() ?? 0);
      const key = `${evaluation.resourceType}|${evaluation.resourceId}`;
      const finding = findingsByResource.get(resourceKey(evaluation.resourceId))?.[0];
      const resource: ResourceResult = {
        resourceType: evaluation.resourceType,
        resourceId: evaluation.resourceId,
        status: fromCompliance[evaluation.compliance],
        suppressed: finding?.workflowStatus === 'SUPPRESSED',
        findingId: finding?.id ?? null,
        workflowStatus: finding?.workflowStatus ?? null,
        note: finding?.noteText ?? null,
        annotation: evaluation.annotation,
      };
      const known = byResource.get(key);
      if (!known || statusRank[resource.status] > statusRank[known.status]) byResource.set(key, resource);
    }
  }
  const resources = sortResources([...byResource.values()]);
  const status = controlStatusOf(resources);
  return {
    ...base(control),
    status,
    fresh: rules.every((r) => r.outcome.fresh),
    ...(rules.every((r) => r.outcome.recent) ? { reused: true } : {}),
    evaluatedAt: evaluatedAt ? new Date(evaluatedAt).toISOString() : null,
    reason: status === 'NOT_EVALUATED' ? 'no_results' : null,
    resources,
  };
}

export function errorResult(control: Control, error: CheckErrorInfo): ControlResult {
  return { ...base(control), status: 'ERROR', fresh: false, error, resources: [] };
}
