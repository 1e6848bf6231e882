import { BatchUpdateFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { FindingRef, WorkflowUpdate, WorkflowUpdateResult } from '../engine/ports.ts';
import { chunk } from './config-rules.ts';
import type { AwsCaller } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';

/** BatchUpdateFindings takes at most 100 finding identifiers a call. */
export const findingsPerUpdate = 100;

export interface WorkflowAdapterOptions {
  client: Pick<SecurityHubClient, 'send'>;
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

  function send(batch: readonly FindingRef[], change: WorkflowUpdate) {
    return options.rateLimit('BatchUpdateFindings', accountId, region, () =>
      options.call({ operation: 'BatchUpdateFindings', accountId, region }, () =>
        client.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: batch.map((f) => ({ Id: f.id, ProductArn: f.productArn })),
            Workflow: { Status: change.status },
            Note: { Text: change.note, UpdatedBy: change.updatedBy },
          }),
        ),
      ),
    );
  }

  /** Every batch is sent; a batch AWS refused as a whole comes back with its findings unprocessed. */
  async function update(findings: readonly FindingRef[], change: WorkflowUpdate) {
    const batches = chunk(findings, findingsPerUpdate);
    const settled = await Promise.allSettled(batches.map((batch) => send(batch, change)));
    const processed: string[] = [];
    const unprocessed: WorkflowUpdateResult['unprocessed'] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        const error = outcome.reason as { code?: string; message?: string };
        for (const f of batches[i] ?? []) {
          unprocessed.push({
            ...f,
            code: error.code ?? 'aws_error',
            message: error.message ?? String(outcome.reason),
          });
        }
        return;
      }
      processed.push(...(outcome.value.ProcessedFindings ?? []).map((f) => f.Id ?? ''));
      for (const u of outcome.value.UnprocessedFindings ?? []) {
        unprocessed.push({
          id: u.FindingIdentifier?.Id ?? '',
          productArn: u.FindingIdentifier?.ProductArn ?? '',
          code: u.ErrorCode ?? 'Unknown',
          message: u.ErrorMessage ?? '',
        });
      }
    });
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
