import type { AwsControlDefinition } from '../catalog/aws-controls.ts';

/**
 * What the check engine needs from AWS, in domain terms. `src/aws` implements these with the SDK;
 * the engine never sees a client, a command or an SDK error.
 */

export interface RuleInfo {
  name: string;
  /** ACTIVE, EVALUATING, DELETING, DELETING_RESULTS. */
  state: string;
}

export interface RuleStatus {
  name: string;
  lastSuccessfulEvaluation: Date | null;
  /** When AWS last ran the rule successfully (its own schedule or a start), results recorded or not. */
  lastSuccessfulInvocation?: Date | null;
  lastFailedEvaluation: Date | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
}

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

export interface RuleEvaluation {
  resourceType: string;
  resourceId: string;
  compliance: Compliance;
  recordedAt: Date | null;
  annotation: string | null;
}

export interface StartOutcome {
  started: string[];
  /** Already evaluating: the engine waits for that run instead. */
  busy: string[];
  /** AWS would not start them (asked again too soon); their last results are reported as not fresh. */
  refused: string[];
}

export interface ConfigRulesPort {
  /** Every rule in the account and region (all pages). */
  listRules(): Promise<RuleInfo[]>;
  describeRules(names: readonly string[]): Promise<RuleInfo[]>;
  statuses(names: readonly string[]): Promise<RuleStatus[]>;
  startEvaluation(names: readonly string[]): Promise<StartOutcome>;
  evaluations(ruleName: string): Promise<RuleEvaluation[]>;
}

export interface ControlFinding {
  id: string;
  productArn: string;
  controlId: string;
  /** A control ID the finding carried that is not shaped like one (then `controlId` is UNKNOWN). */
  rejectedControlId?: string;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  complianceStatus: string | null;
  workflowStatus: string | null;
  noteText: string | null;
  updatedAt: string | null;
  title: string | null;
  severity: string | null;
  /** Security Hub's FirstObservedAt: when the finding was first seen (failing or not). */
  firstObservedAt?: string | null;
}

export interface FindingsPort {
  /** Active FSBP control findings of the given controls in this account and region, either format. */
  controlFindings(controlIds: readonly string[]): Promise<ControlFinding[]>;
  /**
   * FSBP control findings failing now (FAILED, ACTIVE, workflow NEW or NOTIFIED) at the given
   * severities, filtered by Security Hub itself, all pages.
   */
  failingFindings(severities: readonly string[]): Promise<ControlFinding[]>;
  /**
   * Organization mode, through the administrator in the home Region: the same failing findings of
   * every account and linked Region it reads (optionally only `accountIds`, only `regions`), one
   * page at a time.
   */
  failingPages(
    severities: readonly string[],
    scope?: { accountIds?: readonly string[] | undefined; regions?: readonly string[] | undefined },
  ): AsyncIterable<ControlFinding[]>;
}

export interface FindingRef {
  id: string;
  productArn: string;
}

export interface WorkflowUpdate {
  status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED';
  /** At most 512 characters (Security Hub's limit). */
  note: string;
  updatedBy: string;
}

export interface WorkflowUpdateResult {
  processed: string[];
  /** Still refused after one retry, with AWS's reason. */
  unprocessed: (FindingRef & { code: string; message: string })[];
}

export interface WorkflowPort {
  updateWorkflow(findings: readonly FindingRef[], change: WorkflowUpdate): Promise<WorkflowUpdateResult>;
}

/** Whether a control is enabled in a standard, and why it was disabled (AWS's or a person's text). */
export interface ControlAssociation {
  controlId: string;
  /** `standards/...` or `ruleset/...`: the standard without partition and Region. */
  standard: string;
  enabled: boolean;
  reason: string | null;
  updatedAt: string | null;
}

/** A parameter of a security control as it is in force in one account and Region. */
export interface ControlParameter {
  name: string;
  /** The value as text (lists joined with ", "); null when the parameter has no value. */
  value: string | null;
  /** True when someone set it (ValueType CUSTOM), false for Security Hub's default. */
  custom: boolean;
}

export interface SecurityControlSettings {
  controlId: string;
  enabled: boolean;
  parameters: ControlParameter[];
  lastUpdateReason: string | null;
}

/** Security Hub's controls as this account and Region have them. */
export interface SecurityControlsPort {
  /** ListSecurityControlDefinitions for FSBP, every page. */
  fsbpDefinitions(): Promise<AwsControlDefinition[]>;
  /**
   * BatchGetStandardsControlAssociations for these controls in FSBP; controls AWS could not answer
   * for (not in the standard) are left out.
   */
  fsbpAssociations(controlIds: readonly string[]): Promise<ControlAssociation[]>;
  /** ListStandardsControlAssociations: one control in every standard enabled here. */
  controlAssociations(controlId: string): Promise<ControlAssociation[]>;
  /** DescribeStandardsControls of the FSBP subscription, every page: the older way to ask. */
  fsbpStandardsControls(): Promise<ControlAssociation[]>;
  /** BatchGetSecurityControls: status and parameters in force; unknown IDs are left out. */
  securityControls(controlIds: readonly string[]): Promise<SecurityControlSettings[]>;
}

export interface RegionAccess {
  accountId: string;
  region: string;
  config: ConfigRulesPort;
  findings: FindingsPort;
  workflow: WorkflowPort;
  /** Left out by ports that cannot ask (then every control counts as enabled, with its defaults). */
  controls?: SecurityControlsPort;
}

export interface AccountRef {
  id: string;
  name?: string | undefined;
  roleArn?: string | undefined;
  externalId?: string | undefined;
}

/** One member account's findings in one Region, read and updated through the administrator. */
export type AdministeredAccess = Pick<RegionAccess, 'accountId' | 'region' | 'findings' | 'workflow'>;

export interface AwsPort {
  /** Credentials and clients for one account and region; throws an AppError when that is refused. */
  region(account: AccountRef, region: string, requester: string): Promise<RegionAccess>;
  /**
   * Organization mode: the findings of `member` (an account and the Region of its findings), read and
   * updated with the delegated administrator's credentials in the home Region, where Security Hub
   * aggregates them and an update replicates back to the finding's own Region.
   */
  administered(
    admin: AccountRef,
    homeRegion: string,
    member: { accountId: string; region: string },
    requester: string,
  ): Promise<AdministeredAccess>;
}
