import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { ownAccountState } from '../helpers/aws-state.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

const PROD = '111111111111';
const TOKYO = 'ap-northeast-1';

let emulator: AwsEmulator;
beforeAll(async () => {
  const built = ownAccountState(PROD, TOKYO, {
    'S3.8': Array.from({ length: 250 }, (_, i) => ({
      id: `bucket-${i}`,
      compliance: 'NON_COMPLIANT' as const,
    })),
  });
  emulator = await startAwsEmulator({ state: built });
  useAwsEndpoint(emulator.url);
});
afterAll(() => emulator.close());

describe('setting the workflow of findings (BatchUpdateFindings)', () => {
  it('updates 250 findings in 3 calls, retries the unprocessed once, and names what was refused', async () => {
    const aws = createAwsPort();
    const access = await aws.region({ id: PROD }, TOKYO, 'U0TEST0001');
    const failing = await access.findings.failingFindings(['HIGH']);
    expect(failing).toHaveLength(250);
    emulator.resetCalls();
    const ghost = {
      id: `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3.8/finding/gone`,
      productArn: failing[0]?.productArn ?? '',
    };
    const result = await access.workflow.updateWorkflow([...failing, ghost], {
      status: 'SUPPRESSED',
      note: 'public website bucket, accepted — taro until 2026-12-30 (fsbp-bot)',
      updatedBy: 'fsbp-bot/U0TEST0001',
    });
    expect(result.processed).toHaveLength(250);
    expect(result.unprocessed).toEqual([{ ...ghost, code: 'FindingNotFound', message: expect.any(String) }]);
    const calls = emulator.calls().filter((c) => c.operation === 'BatchUpdateFindings');
    // ceil(251 / 100) = 3 calls, then one retry of the single unprocessed finding.
    expect(calls).toHaveLength(4);
    const after = await access.findings.failingFindings(['HIGH']);
    expect(after).toEqual([]);
    const state = emulator.getState() as {
      accounts: Record<string, { regions: Record<string, { findings: Record<string, unknown>[] }> }>;
    };
    const findings = state.accounts[PROD]?.regions[TOKYO]?.findings ?? [];
    expect(findings.filter((f) => (f.Workflow as { Status: string }).Status === 'SUPPRESSED')).toHaveLength(
      250,
    );
    expect(findings[0]?.Note).toMatchObject({
      UpdatedBy: 'fsbp-bot/U0TEST0001',
      Text: expect.stringContaining('accepted'),
    });
    aws.close();
  });
});
