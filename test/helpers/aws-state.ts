import { randomUUID } from 'node:crypto';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { Control } from '../../src/catalog/schema.ts';
import { type Compliance, evaluation } from '../emulator/aws/evaluations.ts';
import { asffResource } from '../emulator/aws/resources.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';

/** Builds emulator states from short descriptions, with Security Hub's real rule names and finding shapes. */

export type { Compliance };

export interface ResourceSpec {
  id: string;
  compliance: Compliance;
  /** What the next evaluation finds (a fix, or a new failure). */
  next?: Compliance;
  suppressed?: boolean;
  /** Leave Security Hub without a finding for it. */
  noFinding?: boolean;
}

export interface RegionSpec {
  /** Control ID -> resources. Controls listed here get Security Hub's rule. */
  controls: Record<string, ResourceSpec[]>;
}

export interface AccountSpec {
  id: string;
  role?: { name: string; externalId?: string };
  format?: 'SECURITY_CONTROL' | 'STANDARD_CONTROL';
  regions: Record<string, RegionSpec>;
}

export const catalog = loadCatalog();
const caller = { accountId: '000000000000', accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };
export const callerCredentials = { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey };
const long = '2026-11-01T00:00:00.000Z';

function control(id: string): Control {
  const found = catalog.find(id);
  if (!found) throw new Error(`no control ${id}`);
  return found;
}

/** A stable 8-hex suffix per rule, like Security Hub's. */
export function ruleName(configRule: string): string {
  let hash = 0;
  for (const ch of configRule) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `securityhub-${configRule}-${hash.toString(16).padStart(8, '0').slice(0, 8)}`;
}

function resourceType(c: Control): string {
  return c.resourceTypes?.[0] ?? 'AWS::::Account';
}

export function finding(
  c: Control,
  opts: {
    account: string;
    region: string;
    format: string;
    type: string;
    id: string;
    compliance: Compliance;
    suppressed?: boolean;
  },
) {
  const consolidated = opts.format === 'SECURITY_CONTROL';
  const uuid = randomUUID();
  const status =
    opts.compliance === 'NON_COMPLIANT'
      ? 'FAILED'
      : opts.compliance === 'COMPLIANT'
        ? 'PASSED'
        : 'NOT_AVAILABLE';
  const workflow = opts.suppressed ? 'SUPPRESSED' : status === 'PASSED' ? 'RESOLVED' : 'NEW';
  const sid = c.securityControlId;
  return {
    SchemaVersion: '2018-10-08',
    Id: consolidated
      ? `arn:aws:securityhub:${opts.region}:${opts.account}:security-control/${sid}/finding/${uuid}`
      : `arn:aws:securityhub:${opts.region}:${opts.account}:subscription/aws-foundational-security-best-practices/v/1.0.0/${c.id}/finding/${uuid}`,
    ProductArn: `arn:aws:securityhub:${opts.region}::product/aws/securityhub`,
    GeneratorId: consolidated
      ? `security-control/${sid}`
      : `aws-foundational-security-best-practices/v/1.0.0/${c.id}`,
    AwsAccountId: opts.account,
    Region: opts.region,
    Types: [
      'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
    ],
    CreatedAt: long,
    UpdatedAt: long,
    FirstObservedAt: long,
    LastObservedAt: long,
    Severity: { Label: c.severity, Original: c.severity },
    Title: c.title.en,
    Description: c.title.en,
    ProductFields: {
      ...(c.configRule
        ? {
            'RelatedAWSResources:0/name': ruleName(c.configRule),
            'RelatedAWSResources:0/type': 'AWS::Config::ConfigRule',
          }
        : {}),
      ...(consolidated
        ? {}
        : {
            ControlId: c.id,
            StandardsArn: 'arn:aws:securityhub:::standards/aws-foundational-security-best-practices/v/1.0.0',
          }),
    },
    // Built the way the emulator's Security Hub builds them, so later evaluations update these findings.
    Resources: [asffResource(opts.type, opts.id, opts.account, opts.region, undefined)],
    Compliance: {
      Status: status,
      SecurityControlId: sid,
      AssociatedStandards: [{ StandardsId: 'standards/aws-foundational-security-best-practices/v/1.0.0' }],
    },
    Workflow: { Status: workflow },
    WorkflowState: workflow === 'SUPPRESSED' ? 'SUPPRESSED' : 'NEW',
    RecordState: 'ACTIVE',
    ...(opts.suppressed ? { Note: { Text: 'accepted risk', UpdatedBy: 'someone', UpdatedAt: long } } : {}),
  };
}

export function buildState(
  accounts: AccountSpec[],
  options: { evaluationDelayMs?: number; rateLimits?: false } = {},
): EmulatorState {
  const state = {
    caller,
    evaluationDelayMs: options.evaluationDelayMs ?? 50,
    ...(options.rateLimits === false ? { rateLimits: false as const } : {}),
    accounts: {} as Record<string, unknown>,
  };
  for (const account of accounts) {
    const format = account.format ?? 'SECURITY_CONTROL';
    const regions: Record<string, unknown> = {};
    for (const [region, spec] of Object.entries(account.regions)) {
      const configRules: unknown[] = [];
      const evaluations: Record<string, unknown[]> = {};
      const nextEvaluations: Record<string, unknown[]> = {};
      const findings: unknown[] = [];
      for (const [controlId, resources] of Object.entries(spec.controls)) {
        const c = control(controlId);
        const type = resourceType(c);
        if (c.configRule) {
          const name = ruleName(c.configRule);
          if (!configRules.some((r) => (r as { ConfigRuleName: string }).ConfigRuleName === name)) {
            configRules.push({
              ConfigRuleName: name,
              Source: { Owner: 'AWS', SourceIdentifier: c.configRule.toUpperCase().replaceAll('-', '_') },
              CreatedBy: 'securityhub.amazonaws.com',
              ConfigRuleState: 'ACTIVE',
            });
          }
          evaluations[name] = [
            ...(evaluations[name] ?? []),
            ...resources.map((r) => evaluation(name, type, r.id, r.compliance, long)),
          ];
          if (resources.some((r) => r.next)) {
            nextEvaluations[name] = resources.map((r) =>
              evaluation(name, type, r.id, r.next ?? r.compliance, long),
            );
          }
        }
        for (const r of resources) {
          if (r.noFinding) continue;
          findings.push(
            finding(c, {
              account: account.id,
              region,
              format,
              type,
              id: r.id,
              compliance: r.compliance,
              suppressed: r.suppressed,
            }),
          );
        }
      }
      regions[region] = { configRules, evaluations, nextEvaluations, findings };
    }
    state.accounts[account.id] = {
      roles: account.role
        ? { [account.role.name]: account.role.externalId ? { externalId: account.role.externalId } : {} }
        : {},
      controlFindingGenerator: format,
      regions,
    };
  }
  return state as EmulatorState;
}

/**
 * The next Config evaluation of a control's rule in one account and Region reports every resource it
 * last evaluated as `compliance` (applied when the rule is next evaluated, e.g. by `/fsbp check`).
 */
export function setNextEvaluation(
  emulator: { getState(): EmulatorState; setState(state: EmulatorState): void },
  where: { accountId: string; region: string; controlId: string },
  compliance: 'COMPLIANT' | 'NON_COMPLIANT',
): void {
  const state = emulator.getState() as unknown as {
    accounts: Record<
      string,
      {
        regions: Record<
          string,
          { nextEvaluations: Record<string, unknown[]>; evaluations: Record<string, unknown[]> }
        >;
      }
    >;
  };
  const region = state.accounts[where.accountId]?.regions[where.region];
  const configRule = control(where.controlId).configRule;
  if (!region || !configRule) throw new Error(`no rule state for ${where.controlId}`);
  const rule = ruleName(configRule);
  region.nextEvaluations[rule] = (region.evaluations[rule] ?? []).map((e) => ({
    ...(e as object),
    ComplianceType: compliance,
  }));
  emulator.setState(state as unknown as EmulatorState);
}

/** One account and Region, read with the bot's own credentials (the caller is that account; no role). */
export function ownAccountState(
  accountId: string,
  region: string,
  controls: RegionSpec['controls'],
): EmulatorState {
  const built = buildState([{ id: accountId, regions: { [region]: { controls } } }]);
  return { ...built, caller: { ...built.caller, accountId } };
}
