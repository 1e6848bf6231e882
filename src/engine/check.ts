import type { Control } from '../catalog/schema.ts';
import { errorResult, fromFindingsOnly, fromRules, type RuleData } from './assemble.ts';
import { createEnablement, type DisabledControl, type Enablement } from './enablement.ts';
import { errorInfo } from './errors.ts';
import { groupBy } from './group.ts';
import type { AccountRef, AwsPort, ControlFinding, RegionAccess, RuleInfo } from './ports.ts';
import { type RuleOutcome, reevaluateRules } from './reevaluate.ts';
import {
  type CheckReport,
  type ControlResult,
  type ControlStatus,
  controlStatuses,
  type RegionResult,
} from './types.ts';

/** GetComplianceDetailsByConfigRule accepts rule names up to 64 characters; longer ones are read from findings. */
export const maxDetailsRuleNameLength = 64;

export interface CheckAccount extends AccountRef {
  regions: readonly string[];
}

export interface CheckProgress {
  done: number;
  total: number;
  label: string;
}

export interface CheckRequest {
  targets: readonly string[];
  controls: readonly Control[];
  accounts: readonly CheckAccount[];
  /** Who asked, for the STS session name (`fsbp-<requester>`). */
  requester: string;
  reevaluate: boolean;
  /** Rules evaluated more recently than this are not started again (the cost guard); 0 starts all. */
  reevaluateAfterMs?: number;
  timeoutMs: number;
  onProgress?: (progress: CheckProgress) => void;
}

export interface CheckEngineOptions {
  /** The adapter bounds how many AWS calls run at once; the engine asks for everything it needs at once. */
  aws: AwsPort;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Where an account-Region that could not be checked is reported in full (the log). */
  onError?: (where: { accountId: string; region: string }, error: unknown) => void;
  /** Which controls each account-Region has disabled (shared with the digest); one of its own when left out. */
  enablement?: Enablement;
}

/** `securityhub-<managed rule>-<hex suffix>`: the rules Security Hub creates for its controls. */
export function securityHubRulesFor(configRule: string, rules: readonly RuleInfo[]): RuleInfo[] {
  const prefix = `securityhub-${configRule}-`;
  return rules.filter((r) => r.name.startsWith(prefix) && /^[0-9a-f]+$/i.test(r.name.slice(prefix.length)));
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function summarise(results: readonly RegionResult[]): Record<ControlStatus, number> {
  const summary = Object.fromEntries(controlStatuses.map((s) => [s, 0])) as Record<ControlStatus, number>;
  for (const region of results) for (const control of region.controls) summary[control.status] += 1;
  return summary;
}

export function createCheckEngine(options: CheckEngineOptions) {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;

  const enablement = options.enablement ?? createEnablement();

  /**
   * One account and Region. A control disabled there is neither started nor read: it is only named,
   * with the reason it was disabled.
   */
  async function checkRegion(
    access: RegionAccess,
    request: CheckRequest,
  ): Promise<{ controls: ControlResult[]; disabled: DisabledControl[] }> {
    // Both reads at once: the rule list is not worth waiting for the enablement answer.
    const rulesRead = access.config.listRules();
    rulesRead.catch(() => {});
    const disabled = await enablement.disabled(access, request.controls);
    const off = new Set(disabled.map((d) => d.controlId));
    const controls = request.controls.filter((c) => !off.has(c.id));
    if (controls.length === 0) return { controls: [], disabled };
    return { controls: await checkControls(access, request, controls, await rulesRead), disabled };
  }

  async function checkControls(
    access: RegionAccess,
    request: CheckRequest,
    controls: readonly Control[],
    allRules: readonly RuleInfo[],
  ): Promise<ControlResult[]> {
    const ruleControls = controls.filter((c) => c.configRule);
    const rulesOf = new Map(
      ruleControls.map((c) => [c.id, securityHubRulesFor(c.configRule as string, allRules)]),
    );
    const wanted = [...new Map([...rulesOf.values()].flat().map((r) => [r.name, r])).values()];
    const readable = wanted.filter((r) => r.name.length <= maxDetailsRuleNameLength);

    // Each rule's results are read as soon as its run is over, while other rules still run.
    const details = new Map<string, Promise<RuleData>>();
    const outcomes = new Map<string, RuleOutcome>();
    function readDetails(name: string, outcome: RuleOutcome) {
      outcomes.set(name, outcome);
      if (name.length > maxDetailsRuleNameLength || details.has(name)) return;
      details.set(
        name,
        access.config.evaluations(name).then(
          (evaluations) => ({ name, outcome, evaluations, error: null }),
          (error: unknown) => ({ name, outcome, evaluations: null, error: errorInfo(error) }),
        ),
      );
    }
    if (request.reevaluate) {
      await reevaluateRules(access.config, wanted, {
        timeoutMs: request.timeoutMs,
        reevaluateAfterMs: request.reevaluateAfterMs ?? 0,
        now,
        sleep,
        onDone: readDetails,
      });
    } else {
      for (const rule of readable) readDetails(rule.name, { status: null, fresh: false, failed: false });
    }
    // Every run is over, so findings are current: read them while rule results are still coming in.
    const findingsRead = access.findings.controlFindings(controls.map((c) => c.securityControlId)).then(
      (found) => ({ found, error: null }),
      (error: unknown) => ({ found: [] as ControlFinding[], error: errorInfo(error) }),
    );
    const ruleData = new Map((await Promise.all(details.values())).map((d) => [d.name, d]));
    const { found: findings, error: findingsError } = await findingsRead;
    if (findingsError) return controls.map((c) => errorResult(c, findingsError));
    const findingsOf = groupBy(findings, (f) => f.controlId);

    return controls.map((control) => {
      const controlFindings = findingsOf.get(control.securityControlId) ?? [];
      if (!control.configRule) return fromFindingsOnly(control, controlFindings);
      const rules = rulesOf.get(control.id) ?? [];
      if (rules.length > 0 && rules.every((r) => r.name.length > maxDetailsRuleNameLength)) {
        const result = fromFindingsOnly(control, controlFindings);
        return { ...result, fresh: rules.every((r) => outcomes.get(r.name)?.fresh ?? false) };
      }
      const data = rules
        .filter((r) => r.name.length <= maxDetailsRuleNameLength)
        .map(
          (r) =>
            ruleData.get(r.name) ?? {
              name: r.name,
              outcome: outcomes.get(r.name) ?? { status: null, fresh: false, failed: false },
              evaluations: [],
              error: null,
            },
        );
      return fromRules(control, data, controlFindings);
    });
  }

  async function run(request: CheckRequest): Promise<CheckReport> {
    const startedAt = new Date(now()).toISOString();
    const jobs = request.accounts.flatMap((account) =>
      account.regions.map((region) => ({ account, region })),
    );
    let done = 0;
    const results = await Promise.all(
      jobs.map(async ({ account, region }): Promise<RegionResult> => {
        const result: RegionResult = {
          accountId: account.id,
          accountName: account.name ?? null,
          region,
          error: null,
          controls: [],
        };
        try {
          const access = await options.aws.region(account, region, request.requester);
          const checked = await checkRegion(access, request);
          result.controls = checked.controls;
          if (checked.disabled.length > 0) result.disabled = checked.disabled;
        } catch (error) {
          result.error = errorInfo(error);
          options.onError?.({ accountId: account.id, region }, error);
        }
        done += 1;
        request.onProgress?.({ done, total: jobs.length, label: `${account.name ?? account.id} ${region}` });
        return result;
      }),
    );
    return {
      targets: [...request.targets],
      startedAt,
      finishedAt: new Date(now()).toISOString(),
      results,
      summary: summarise(results),
    };
  }

  return { run };
}

export type CheckEngine = ReturnType<typeof createCheckEngine>;
