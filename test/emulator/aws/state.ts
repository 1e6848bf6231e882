// State file schema for the AWS emulator. AWS shapes are kept as they are (loose objects), so real
// API responses and ASFF findings can be pasted in; dates are ISO-8601 strings.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkOrganization, OrganizationSchema, SecurityHubAdminSchema } from './org-state.ts';
import { AccountId, IsoDate, RegionName } from './state-primitives.ts';

export const ComplianceTypeSchema = z.enum([
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
]);

const ConfigRuleSchema = z.looseObject({
  ConfigRuleName: z.string().min(1).max(128),
  ConfigRuleArn: z.string().optional(),
  ConfigRuleId: z.string().optional(),
  Source: z.looseObject({ Owner: z.string(), SourceIdentifier: z.string().optional() }),
  ConfigRuleState: z.enum(['ACTIVE', 'DELETING', 'DELETING_RESULTS', 'EVALUATING']).optional(),
  CreatedBy: z.string().optional(),
  /** Emulator-only: the next evaluation of this rule fails with this error. Not returned by the API. */
  evaluationFails: z.object({ code: z.string().min(1), message: z.string() }).optional(),
});

const EvaluationResultSchema = z.looseObject({
  EvaluationResultIdentifier: z.looseObject({
    EvaluationResultQualifier: z.looseObject({
      ConfigRuleName: z.string().optional(),
      ResourceType: z.string().min(1),
      ResourceId: z.string().min(1).max(768),
      EvaluationMode: z.enum(['DETECTIVE', 'PROACTIVE']).optional(),
    }),
    OrderingTimestamp: IsoDate.optional(),
    ResourceEvaluationId: z.string().optional(),
  }),
  ComplianceType: z.enum(['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE']),
  ResultRecordedTime: IsoDate.optional(),
  ConfigRuleInvokedTime: IsoDate.optional(),
  Annotation: z.string().max(256).optional(),
  ResultToken: z.string().optional(),
});

const EvaluationStatusSchema = z.looseObject({
  LastSuccessfulInvocationTime: IsoDate.optional(),
  LastFailedInvocationTime: IsoDate.optional(),
  LastSuccessfulEvaluationTime: IsoDate.optional(),
  LastFailedEvaluationTime: IsoDate.optional(),
  FirstActivatedTime: IsoDate.optional(),
  LastDeactivatedTime: IsoDate.optional(),
  LastErrorCode: z.string().optional(),
  LastErrorMessage: z.string().optional(),
  FirstEvaluationStarted: z.boolean().optional(),
});

/**
 * A control's association with a standard, as ListStandardsControlAssociations and
 * BatchGetStandardsControlAssociations return it. Listed ones replace the emulator's default (every
 * defined control ENABLED in FSBP); other standards exist only through these.
 */
const StandardsControlAssociationSchema = z.looseObject({
  StandardsArn: z.string().min(1),
  SecurityControlId: z.string().min(1),
  AssociationStatus: z.enum(['ENABLED', 'DISABLED']),
  UpdatedAt: IsoDate.optional(),
  UpdatedReason: z.string().optional(),
  RelatedRequirements: z.array(z.string()).optional(),
  StandardsControlTitle: z.string().optional(),
  StandardsControlDescription: z.string().optional(),
  StandardsControlArns: z.array(z.string()).optional(),
});

/** A ParameterConfiguration: `ValueType` and a one-key union value such as `{"Integer": 15}`. */
const ParameterConfigurationSchema = z.object({
  ValueType: z.enum(['DEFAULT', 'CUSTOM']),
  Value: z.record(z.string(), z.unknown()).optional(),
});

/** What BatchGetSecurityControls says beyond the definition: custom parameters, the last update's reason. */
const SecurityControlSettingsSchema = z.looseObject({
  Parameters: z.record(z.string(), ParameterConfigurationSchema).optional(),
  LastUpdateReason: z.string().optional(),
});

/** A SecurityControlDefinition as ListSecurityControlDefinitions returns it. */
const SecurityControlDefinitionSchema = z.looseObject({
  SecurityControlId: z.string().regex(/^[A-Za-z0-9]+\.\d+$/, 'must look like S3.1'),
  Title: z.string().min(1),
  Description: z.string(),
  RemediationUrl: z.string(),
  SeverityRating: z.enum(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL']),
  CurrentRegionAvailability: z.enum(['AVAILABLE', 'UNAVAILABLE']).optional(),
  CustomizableProperties: z.array(z.string()).optional(),
  ParameterDefinitions: z.record(z.string(), z.looseObject({})).optional(),
});

export const FindingSchema = z.looseObject({
  Id: z.string().min(1),
  ProductArn: z.string().min(1),
  AwsAccountId: z.string().optional(),
});

const RegionStateSchema = z.object({
  /** Security Hub hub settings; `enabled: false` makes Security Hub answer "not subscribed". */
  hub: z
    .object({
      enabled: z.boolean().optional(),
      SubscribedAt: IsoDate.optional(),
      AutoEnableControls: z.boolean().optional(),
    })
    .optional(),
  /** StandardsSubscription objects returned by GetEnabledStandards; default: FSBP v1.0.0 READY. */
  enabledStandards: z.array(z.looseObject({ StandardsSubscriptionArn: z.string() })).optional(),
  /**
   * The AWS Config recorder: absent = one recorder, recording; `null` = no recorder in this Region;
   * `recording: false` = a recorder that was stopped.
   */
  configRecorder: z
    .object({
      name: z.string().min(1).default('default'),
      recording: z.boolean(),
      lastStatus: z.enum(['Pending', 'Success', 'Failure']).default('Success'),
    })
    .nullable()
    .optional(),
  configRules: z.array(ConfigRuleSchema).default([]),
  evaluations: z.record(z.string(), z.array(EvaluationResultSchema)).default({}),
  nextEvaluations: z.record(z.string(), z.array(EvaluationResultSchema)).default({}),
  evaluationStatus: z.record(z.string(), EvaluationStatusSchema).default({}),
  /** Config resource id -> ARN, for types whose Config id is not the name (IAM AIDA..., RDS db-...). */
  resourceArns: z.record(z.string(), z.string()).optional(),
  findings: z.array(FindingSchema).default([]),
  /** Associations that differ from the default (a control DISABLED in FSBP, other standards). */
  standardsControlAssociations: z.array(StandardsControlAssociationSchema).optional(),
  /** Security control ID -> custom parameters and LastUpdateReason (the BatchGetSecurityControls shape). */
  securityControls: z.record(z.string(), SecurityControlSettingsSchema).optional(),
});

/**
 * What a principal may do, for iam:SimulatePrincipalPolicy: action patterns (`*` wildcards) allowed and
 * explicitly denied. Absent: everything is allowed (the emulator's default is a permissive principal).
 */
const PolicySchema = z.object({
  allow: z.array(z.string().min(1)).default([]),
  deny: z.array(z.string().min(1)).default([]),
});

const RoleSchema = z.object({
  externalId: z.string().optional(),
  policy: PolicySchema.optional(),
  /** IAM MaxSessionDuration of the role, 3600-43200; AWS's default is 3600. */
  maxSessionDuration: z.number().int().min(3600).max(43200).optional(),
});

const AccountSchema = z.object({
  name: z.string().optional(),
  roles: z.record(z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'), RoleSchema).default({}),
  controlFindingGenerator: z.enum(['SECURITY_CONTROL', 'STANDARD_CONTROL']).default('SECURITY_CONTROL'),
  /** Opt-in regions not enabled for this account: its credentials are rejected there. */
  disabledRegions: z.array(RegionName).optional(),
  regions: z.record(z.string(), RegionStateSchema).default({}),
});

const RateLimitSchema = z.object({ rate: z.number().positive(), burst: z.number().int().min(1) });

export const EmulatorStateSchema = z
  .object({
    caller: z.object({
      accountId: AccountId,
      accessKeyId: z.string().min(1),
      secretAccessKey: z.string().min(1),
      arn: z.string().optional(),
      userId: z.string().optional(),
      policy: PolicySchema.optional(),
    }),
    evaluationDelayMs: z.number().int().min(0).default(500),
    /** Config's "at most once per minute" rule for StartConfigRulesEvaluation, per rule. 0 disables it. */
    startEvaluationMinIntervalMs: z.number().int().min(0).default(60_000),
    /** false disables throttling; otherwise "service:Operation" / "service:*" -> limit (null = unlimited). */
    rateLimits: z.union([z.literal(false), z.record(z.string(), RateLimitSchema.nullable())]).optional(),
    accounts: z.record(z.string(), AccountSchema).default({}),
    /**
     * The controls AWS defines (ListSecurityControlDefinitions): the repository's catalog (unless
     * `fromCatalog` is false), without `remove`, plus `add` (controls the catalog lacks).
     */
    controlDefinitions: z
      .object({
        fromCatalog: z.boolean().default(true),
        add: z.array(SecurityControlDefinitionSchema).default([]),
        remove: z.array(z.string()).default([]),
      })
      .prefault({}),
    /** An AWS organization (Organizations API); absent: every account is standalone. */
    organization: OrganizationSchema.optional(),
    /** A Security Hub CSPM administrator with its members and cross-Region aggregation. */
    securityHubAdmin: SecurityHubAdminSchema.optional(),
  })
  .superRefine((state, ctx) => {
    for (const issue of state.organization ? checkOrganization(state.organization) : []) {
      ctx.addIssue({ code: 'custom', path: ['organization', ...issue.path], message: issue.message });
    }
    for (const [acct, account] of Object.entries(state.accounts)) {
      if (!AccountId.safeParse(acct).success) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', acct],
          message: `key "${acct}" must be a 12-digit AWS account ID`,
        });
      }
      for (const [region, rs] of Object.entries(account.regions)) {
        const base = ['accounts', acct, 'regions', region];
        if (!RegionName.safeParse(region).success) {
          ctx.addIssue({
            code: 'custom',
            path: base,
            message: `key "${region}" must be an AWS Region code such as ap-northeast-1`,
          });
        }
        const names = new Set<string>();
        rs.configRules.forEach((r, i) => {
          if (names.has(r.ConfigRuleName)) {
            ctx.addIssue({
              code: 'custom',
              path: [...base, 'configRules', i],
              message: 'duplicate rule name',
            });
          }
          names.add(r.ConfigRuleName);
        });
        for (const key of ['evaluations', 'nextEvaluations', 'evaluationStatus'] as const) {
          for (const rule of Object.keys(rs[key])) {
            if (!names.has(rule)) {
              ctx.addIssue({
                code: 'custom',
                path: [...base, key, rule],
                message: 'rule is not in configRules',
              });
            }
          }
        }
        const ids = new Set<string>();
        rs.findings.forEach((f, i) => {
          const key = `${f.Id}|${f.ProductArn}`;
          if (ids.has(key)) {
            ctx.addIssue({ code: 'custom', path: [...base, 'findings', i], message: 'duplicate finding Id' });
          }
          ids.add(key);
          if (f.AwsAccountId !== undefined && f.AwsAccountId !== acct) {
            ctx.addIssue({
              code: 'custom',
              path: [...base, 'findings', i, 'AwsAccountId'],
              message: `is ${f.AwsAccountId} but the finding is stored under account ${acct}`,
            });
          }
        });
      }
    }
  });

export type EmulatorState = z.input<typeof EmulatorStateSchema>;
export type NormalizedState = z.output<typeof EmulatorStateSchema>;
export type AccountState = NormalizedState['accounts'][string];
export type RegionState = AccountState['regions'][string];
export type ConfigRule = RegionState['configRules'][number];
export type EvaluationResult = RegionState['evaluations'][string][number];
export type EvaluationStatus = RegionState['evaluationStatus'][string];
export type StandardsControlAssociation = z.output<typeof StandardsControlAssociationSchema>;
export type SecurityControlDefinition = z.output<typeof SecurityControlDefinitionSchema>;
export type PrincipalPolicy = z.output<typeof PolicySchema>;
/** An ASFF finding, kept as a plain JSON object. */
export type Finding = Record<string, unknown> & { Id: string; ProductArn: string };

export class StateError extends Error {
  override name = 'StateError';
}

/** Validates and normalizes a state object (fills ConfigRuleArn/ConfigRuleId, rule names in results). */
export function parseState(input: unknown, source = 'state'): NormalizedState {
  const parsed = EmulatorStateSchema.safeParse(input);
  if (!parsed.success) {
    throw new StateError(`invalid emulator ${source}:\n${z.prettifyError(parsed.error)}`);
  }
  const state = structuredClone(parsed.data);
  for (const [acct, account] of Object.entries(state.accounts)) {
    for (const [region, rs] of Object.entries(account.regions)) {
      for (const rule of rs.configRules) fillRuleIds(rule, acct, region);
      for (const map of [rs.evaluations, rs.nextEvaluations]) {
        for (const [name, results] of Object.entries(map)) {
          for (const r of results) {
            r.EvaluationResultIdentifier.EvaluationResultQualifier.ConfigRuleName ??= name;
          }
        }
      }
    }
  }
  return state;
}

function fillRuleIds(rule: ConfigRule, acct: string, region: string): void {
  if (!rule.ConfigRuleId) {
    const digest = createHash('sha256').update(`${acct}/${region}/${rule.ConfigRuleName}`).digest();
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
    let id = '';
    for (let i = 0; i < 6; i++) id += alphabet[(digest[i] ?? 0) % alphabet.length];
    rule.ConfigRuleId = `config-rule-${id}`;
  }
  if (!rule.ConfigRuleArn) {
    const service = rule.CreatedBy ? `aws-service-rule/${rule.CreatedBy}/` : '';
    rule.ConfigRuleArn = `arn:${partitionOf(region)}:config:${region}:${acct}:config-rule/${service}${rule.ConfigRuleId}`;
  }
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** Copy of the state as plain JSON (what GET /_emulator/state returns). */
export function exportState(state: NormalizedState): EmulatorState {
  return structuredClone(state);
}
