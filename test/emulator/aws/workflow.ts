// Security Hub following Config: evaluation results of a `securityhub-*` rule -> control findings,
// with the workflow reset rules of the Security Hub user guide.
import { randomUUID } from 'node:crypto';
import {
  type AsffResource,
  asffResource,
  type Control,
  controlsForRule,
  SEVERITY_NORMALIZED,
  securityHubRuleBase,
} from './resources.ts';
import type { AccountState, ConfigRule, EvaluationResult, Finding, RegionState } from './state.ts';

export const FSBP_STANDARDS_ID = 'standards/aws-foundational-security-best-practices/v/1.0.0';
const FSBP_PATH = 'aws-foundational-security-best-practices/v/1.0.0';
const SH_SERVICE_PRINCIPAL = 'securityhub.amazonaws.com';

type ComplianceStatus = 'PASSED' | 'FAILED' | 'NOT_AVAILABLE';

const STATUS_OF: Record<string, ComplianceStatus | undefined> = {
  COMPLIANT: 'PASSED',
  NON_COMPLIANT: 'FAILED',
  NOT_APPLICABLE: 'NOT_AVAILABLE',
};

export interface FollowContext {
  accountId: string;
  region: string;
  account: AccountState;
  regionState: RegionState;
  now: string;
}

/** Applies a finished evaluation of `rule` to the findings of the account/region. */
export function followEvaluation(ctx: FollowContext, rule: ConfigRule, results: EvaluationResult[]): void {
  if (rule.CreatedBy !== SH_SERVICE_PRINCIPAL) return;
  if (ctx.regionState.hub?.enabled === false) return;
  const base = securityHubRuleBase(rule.ConfigRuleName);
  if (!base) return;
  for (const control of controlsForRule(base)) followControl(ctx, rule, control, results);
}

function generatorId(ctx: FollowContext, control: Control): string {
  return ctx.account.controlFindingGenerator === 'SECURITY_CONTROL'
    ? `security-control/${control.securityControlId}`
    : `${FSBP_PATH}/${control.id}`;
}

function resourceIdOf(f: Finding): string | undefined {
  const resources = f.Resources as Array<{ Id?: string }> | undefined;
  return resources?.[0]?.Id;
}

function followControl(
  ctx: FollowContext,
  rule: ConfigRule,
  control: Control,
  results: EvaluationResult[],
): void {
  const productArn = `arn:aws:securityhub:${ctx.region}::product/aws/securityhub`;
  const generator = generatorId(ctx, control);
  const mine = ctx.regionState.findings.filter(
    (f) => f.ProductArn === productArn && f.GeneratorId === generator,
  );
  const seen = new Set<string>();
  for (const result of results) {
    const status = STATUS_OF[result.ComplianceType];
    if (!status) continue;
    const q = result.EvaluationResultIdentifier.EvaluationResultQualifier;
    const resource = asffResource(
      q.ResourceType,
      q.ResourceId,
      ctx.accountId,
      ctx.region,
      ctx.regionState.resourceArns,
    );
    seen.add(resource.Id);
    const candidates = mine.filter((f) => resourceIdOf(f) === resource.Id);
    const existing =
      candidates.find((f) => f.RecordState !== 'ARCHIVED') ??
      candidates.sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)))[0];
    if (existing) {
      updateFinding(existing, status, result.Annotation, ctx.now);
    } else {
      const created = newFinding(ctx, rule, control, resource, status, result.Annotation);
      ctx.regionState.findings.push(created);
      mine.push(created);
    }
  }
  for (const f of mine) {
    const id = resourceIdOf(f);
    if (f.RecordState !== 'ARCHIVED' && id !== undefined && !seen.has(id)) {
      f.RecordState = 'ARCHIVED';
      f.UpdatedAt = ctx.now;
    }
  }
}

/** The automatic workflow changes of https://docs.aws.amazon.com/securityhub/latest/userguide/findings-workflow-status.html */
export function nextWorkflowStatus(
  workflow: string,
  previousCompliance: string | undefined,
  compliance: ComplianceStatus,
  wasArchived: boolean,
): string {
  if (compliance === 'PASSED') {
    // "becomes PASSED" -> RESOLVED; a status set by hand persists while the compliance stays the same.
    return previousCompliance === 'PASSED' && !wasArchived ? workflow : 'RESOLVED';
  }
  const reopened = previousCompliance === 'PASSED' || wasArchived;
  if (reopened && (workflow === 'NOTIFIED' || workflow === 'RESOLVED')) return 'NEW';
  return workflow;
}

function updateFinding(
  f: Finding,
  status: ComplianceStatus,
  annotation: string | undefined,
  now: string,
): void {
  const compliance = (f.Compliance ?? {}) as Record<string, unknown>;
  const previous = compliance.Status as string | undefined;
  const workflow = ((f.Workflow ?? {}) as { Status?: string }).Status ?? 'NEW';
  const wasArchived = f.RecordState === 'ARCHIVED';
  const nextWorkflow = nextWorkflowStatus(workflow, previous, status, wasArchived);
  if (previous !== status) delete compliance.StatusReasons;
  compliance.Status = status;
  f.Compliance = compliance;
  f.Workflow = { ...(f.Workflow as object | undefined), Status: nextWorkflow };
  f.RecordState = 'ACTIVE';
  f.UpdatedAt = now;
  f.LastObservedAt = now;
  const productFields = (f.ProductFields ?? {}) as Record<string, string>;
  if (annotation) productFields['aws/securityhub/annotation'] = annotation;
  else delete productFields['aws/securityhub/annotation'];
  f.ProductFields = productFields;
}

function newFinding(
  ctx: FollowContext,
  rule: ConfigRule,
  control: Control,
  resource: AsffResource,
  status: ComplianceStatus,
  annotation: string | undefined,
): Finding {
  const { accountId: acct, region, now } = ctx;
  const consolidated = ctx.account.controlFindingGenerator === 'SECURITY_CONTROL';
  const uuid = randomUUID();
  const id = consolidated
    ? `arn:aws:securityhub:${region}:${acct}:security-control/${control.securityControlId}/finding/${uuid}`
    : `arn:aws:securityhub:${region}:${acct}:subscription/${FSBP_PATH}/${control.id}/finding/${uuid}`;
  const productArn = `arn:aws:securityhub:${region}::product/aws/securityhub`;
  const types = consolidated
    ? ['Software and Configuration Checks/Industry and Regulatory Standards']
    : [
        'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
      ];
  const remediationUrl = `https://docs.aws.amazon.com/console/securityhub/${control.securityControlId}/remediation`;
  const productFields: Record<string, string> = {};
  if (!consolidated) {
    Object.assign(productFields, {
      StandardsArn: `arn:aws:securityhub:::${FSBP_STANDARDS_ID}`,
      StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${acct}:subscription/${FSBP_PATH}`,
      ControlId: control.id,
      RecommendationUrl: remediationUrl,
    });
  }
  productFields['RelatedAWSResources:0/name'] = rule.ConfigRuleName;
  productFields['RelatedAWSResources:0/type'] = 'AWS::Config::ConfigRule';
  if (!consolidated) {
    productFields.StandardsControlArn = `arn:aws:securityhub:${region}:${acct}:control/${FSBP_PATH}/${control.id}`;
  }
  productFields['aws/securityhub/ProductName'] = 'Security Hub';
  productFields['aws/securityhub/CompanyName'] = 'AWS';
  if (annotation) productFields['aws/securityhub/annotation'] = annotation;
  productFields['Resources:0/Id'] =
    resource.Type === 'AwsAccount' ? `arn:aws:iam::${acct}:root` : resource.Id;
  productFields['aws/securityhub/FindingId'] = `${productArn}/${id}`;
  const normalized = SEVERITY_NORMALIZED[control.severity] ?? 0;
  const description = control.summary?.en || `This control checks that: ${control.title.en}.`;
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: productArn,
    ProductName: 'Security Hub',
    CompanyName: 'AWS',
    Region: region,
    GeneratorId: generatorId(ctx, control),
    AwsAccountId: acct,
    Types: types,
    FirstObservedAt: now,
    LastObservedAt: now,
    CreatedAt: now,
    UpdatedAt: now,
    Severity: consolidated
      ? { Label: control.severity, Normalized: normalized, Original: control.severity }
      : { Product: normalized, Label: control.severity, Normalized: normalized, Original: control.severity },
    Title: consolidated ? control.title.en : `${control.id} ${control.title.en}`,
    Description: description,
    Remediation: {
      Recommendation: {
        Text: 'For information on how to correct this issue, consult the AWS Security Hub controls documentation.',
        Url: remediationUrl,
      },
    },
    ProductFields: productFields,
    Resources: [resource],
    Compliance: {
      Status: status,
      SecurityControlId: control.securityControlId,
      AssociatedStandards: [{ StandardsId: FSBP_STANDARDS_ID }],
    },
    WorkflowState: 'NEW',
    Workflow: { Status: status === 'PASSED' ? 'RESOLVED' : 'NEW' },
    RecordState: 'ACTIVE',
    FindingProviderFields: {
      Severity: { Label: control.severity, Original: control.severity },
      Types: types,
    },
  };
}
