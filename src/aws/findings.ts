import {
  type AwsSecurityFinding,
  type AwsSecurityFindingFilters,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { checkedControlId } from '../catalog/control-id.ts';
import type { ControlFinding, FindingsPort } from '../engine/ports.ts';
import { chunk } from './config-rules.ts';
import type { AwsCaller } from './errors.ts';
import type { Inflight } from './inflight.ts';
import type { RateLimiter } from './rate-limit.ts';

/** GetFindings takes at most 20 values per filter attribute and 100 findings per page. */
export const filterValuesPerCall = 20;
export const findingsPageSize = 100;

/** Both finding formats: consolidated (`security-control/S3.1`) and FSBP standard-specific. */
export const fsbpGeneratorPrefixes = [
  'security-control/',
  'aws-foundational-security-best-practices/v/1.0.0/',
];

/** The control ID of a control finding in either format. */
export function findingControlId(finding: AwsSecurityFinding): string | null {
  return (
    finding.Compliance?.SecurityControlId ??
    finding.ProductFields?.ControlId ??
    finding.GeneratorId?.split('/').at(-1) ??
    null
  );
}

export function toControlFinding(finding: AwsSecurityFinding): ControlFinding | null {
  const raw = findingControlId(finding);
  const resource = finding.Resources?.[0];
  if (!raw || !finding.Id || !finding.ProductArn || !resource?.Id) return null;
  return {
    id: finding.Id,
    productArn: finding.ProductArn,
    ...checkedControlId(raw),
    accountId: finding.AwsAccountId ?? '',
    region: finding.Region ?? resource.Region ?? '',
    resourceType: resource.Type ?? '',
    resourceId: resource.Id,
    complianceStatus: finding.Compliance?.Status ?? null,
    workflowStatus: finding.Workflow?.Status ?? finding.WorkflowState ?? null,
    noteText: finding.Note?.Text ?? null,
    updatedAt: finding.UpdatedAt ?? null,
    title: finding.Title ?? null,
    severity: finding.Severity?.Label ?? null,
    firstObservedAt: finding.FirstObservedAt ?? null,
  };
}

export interface FindingsAdapterOptions {
  client: Pick<SecurityHubClient, 'send'>;
  accountId: string;
  region: string;
  rateLimit: RateLimiter;
  call: AwsCaller;
  share: Inflight;
  identity: string;
  /**
   * Whose findings and which Region's, when not the caller's own (the administrator reading a member
   * in the home Region); the rate limit stays the caller's.
   */
  scope?: { accountId: string; region: string };
}

export function createFindingsAdapter(options: FindingsAdapterOptions): FindingsPort {
  const { client, accountId, region, call } = options;

  const scope = options.scope ?? { accountId, region };
  const scopeFilters = {
    AwsAccountId: [{ Value: scope.accountId, Comparison: 'EQUALS' as const }],
    // With cross-Region aggregation the home Region answers for all; keep this Region's.
    Region: [{ Value: scope.region, Comparison: 'EQUALS' as const }],
    RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' as const }],
    GeneratorId: fsbpGeneratorPrefixes.map((Value) => ({ Value, Comparison: 'PREFIX' as const })),
  };

  /** Every page of one filtered query, each page under the GetFindings rate. */
  async function query(filters: AwsSecurityFindingFilters): Promise<ControlFinding[]> {
    const out: ControlFinding[] = [];
    let token: string | undefined;
    do {
      const page = await options.rateLimit('GetFindings', accountId, region, () =>
        call({ operation: 'GetFindings', accountId, region }, () =>
          client.send(
            new GetFindingsCommand({
              Filters: { ...scopeFilters, ...filters },
              MaxResults: findingsPageSize,
              NextToken: token,
            }),
          ),
        ),
      );
      for (const finding of page.Findings ?? []) {
        const parsed = toControlFinding(finding);
        if (parsed) out.push(parsed);
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  /**
   * Organization mode, called as the administrator in the home Region: the failing findings of every
   * account and linked Region it reads, page by page, never more than one page held. `accountIds`
   * (batched 20 to a query, GetFindings' limit) and `regions` narrow the read on the server's side.
   */
  async function* failingPages(
    severities: readonly string[],
    scope: { accountIds?: readonly string[] | undefined; regions?: readonly string[] | undefined } = {},
  ): AsyncGenerator<ControlFinding[]> {
    const base: AwsSecurityFindingFilters = {
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      GeneratorId: fsbpGeneratorPrefixes.map((Value) => ({ Value, Comparison: 'PREFIX' as const })),
      ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
      WorkflowStatus: ['NEW', 'NOTIFIED'].map((Value) => ({ Value, Comparison: 'EQUALS' as const })),
      SeverityLabel: severities.map((Value) => ({ Value, Comparison: 'EQUALS' as const })),
      ...(scope.regions?.length
        ? { Region: scope.regions.map((Value) => ({ Value, Comparison: 'EQUALS' as const })) }
        : {}),
    };
    const batches = scope.accountIds ? chunk([...new Set(scope.accountIds)], filterValuesPerCall) : [null];
    for (const batch of batches) {
      const filters: AwsSecurityFindingFilters = batch
        ? { ...base, AwsAccountId: batch.map((Value) => ({ Value, Comparison: 'EQUALS' as const })) }
        : base;
      let token: string | undefined;
      do {
        const page = await options.rateLimit('GetFindings', accountId, region, () =>
          call({ operation: 'GetFindings', accountId, region }, () =>
            client.send(
              new GetFindingsCommand({ Filters: filters, MaxResults: findingsPageSize, NextToken: token }),
            ),
          ),
        );
        const parsed: ControlFinding[] = [];
        for (const finding of page.Findings ?? []) {
          const f = toControlFinding(finding);
          if (f) parsed.push(f);
        }
        token = page.NextToken || undefined;
        yield parsed;
      } while (token);
    }
  }

  return {
    failingPages,
    async controlFindings(controlIds) {
      const ids = [...new Set(controlIds)];
      const batches = await Promise.all(
        chunk(ids, filterValuesPerCall).map((group) =>
          options.share(`${options.identity}|GetFindings|${group.join(',')}`, () =>
            query({ ComplianceSecurityControlId: group.map((Value) => ({ Value, Comparison: 'EQUALS' })) }),
          ),
        ),
      );
      return batches.flat();
    },
    failingFindings(severities) {
      return query({
        ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
        WorkflowStatus: ['NEW', 'NOTIFIED'].map((Value) => ({ Value, Comparison: 'EQUALS' })),
        SeverityLabel: severities.map((Value) => ({ Value, Comparison: 'EQUALS' })),
      });
    },
  };
}
