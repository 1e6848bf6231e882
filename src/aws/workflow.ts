import { BatchUpdateFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { FindingRef, WorkflowUpdate, WorkflowUpdateResult } from '../engine/ports.ts';
import { chunk } from './config-rules.ts';
import type { AwsCaller } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';

/** BatchUpdateFindings takes at most 100 finding identifiers a call. */
export const findingsPerUpdate = 100;

export interface WorkflowAdapterOptions {
  client: SecurityHubClient;
  accountId: string;
  region: string;
  call: AwsCaller;
  rateLimit: RateLimiter;
}

/**
 * Sets workflow status and note on findings, 100 per call under Security Hub's rate. A 200 answer can
 * still leave findings unprocessed (ConcurrentUpdateError, ...): those are tried once more, then
 * reported with AWS's reason.
 */
export function createWorkflowAdapter(options: WorkflowAdapterOptions) {
  const { client, accountId, region } = options;

  async function update(findings: readonly FindingRef[], change: WorkflowUpdate) {
    const results = await Promise.all(
      chunk(findings, findingsPerUpdate).map((batch) =>
        options.rateLimit('BatchUpdateFindings', accountId, region, () =>
          options.call({ operation: 'BatchUpdateFindings', accountId, region }, () =>
            client.send(
              new BatchUpdateFindingsCommand({
                FindingIdentifiers: batch.map((f) => ({ Id: f.id, ProductArn: f.productArn })),
                Workflow: { Status: change.status },
                Note: { Text: change.note, UpdatedBy: change.updatedBy },
              }),
            ),
          ),
        ),
      ),
    );
    const processed = results.flatMap((r) => (r.ProcessedFindings ?? []).map((f) => f.Id ?? ''));
    const unprocessed = results.flatMap((r) =>
      (r.UnprocessedFindings ?? []).map((u) => ({
        id: u.FindingIdentifier?.Id ?? '',
        productArn: u.FindingIdentifier?.ProductArn ?? '',
        code: u.ErrorCode ?? 'Unknown',
        message: u.ErrorMessage ?? '',
      })),
    );
    return { processed, unprocessed };
  }

  return {
    async updateWorkflow(
      findings: readonly FindingRef[],
      change: WorkflowUpdate,
    ): Promise<WorkflowUpdateResult> {
      const first = await update(findings, change);
      if (first.unprocessed.length === 0) return { processed: first.processed, unprocessed: [] };
      const retry = await update(first.unprocessed, change);
      return { processed: [...first.processed, ...retry.processed], unprocessed: retry.unprocessed };
    },
  };
}
