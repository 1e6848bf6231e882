import { describe, expect, it } from 'vitest';
import { createStreamEnablement } from '../../src/digest/org-enablement.ts';
import { createEnablement } from '../../src/engine/enablement.ts';
import type {
  ControlAssociation,
  ControlFinding,
  RegionAccess,
  SecurityControlsPort,
} from '../../src/engine/ports.ts';
import { AppError } from '../../src/errors.ts';

const fsbp = 'standards/aws-foundational-security-best-practices/v/1.0.0';

function finding(n: number, accountId: string, region: string, controlId: string): ControlFinding {
  return {
    id: `f-${n}`,
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    controlId,
    accountId,
    region,
    resourceType: 'AwsS3Bucket',
    resourceId: `bucket-${n}`,
    complianceStatus: 'FAILED',
    workflowStatus: 'NEW',
    noteText: null,
    updatedAt: null,
    title: null,
    severity: 'HIGH',
  };
}

/**
 * A fake of the adapter's port (a unit test of what the stream asks, not of AWS): each account-Region
 * answers for the controls it is asked, `disabled` off; `refused` account-Regions fail to be reached.
 */
function world(disabled: Record<string, string[]>, refused: string[] = []) {
  const asked: { where: string; ids: string[] }[] = [];
  let inFlight = 0;
  let mostInFlight = 0;
  async function access({ accountId, region }: { accountId: string; region: string }) {
    const where = `${accountId} ${region}`;
    inFlight += 1;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2));
    inFlight -= 1;
    if (refused.includes(where)) throw new AppError('aws_assume_role_failed', 'refused');
    const controls = {
      async fsbpAssociations(ids: readonly string[]): Promise<ControlAssociation[]> {
        asked.push({ where, ids: [...ids] });
        return ids.map((id) => ({
          controlId: id,
          standard: fsbp,
          enabled: !(disabled[where] ?? []).includes(id),
          reason: null,
          updatedAt: null,
        }));
      },
    } as unknown as SecurityControlsPort;
    return { accountId, region, controls } as unknown as RegionAccess;
  }
  return { access, asked, mostInFlight: () => mostInFlight };
}

describe('controls disabled where the organization stream’s findings are', () => {
  it('asks each account-Region once about the controls the stream brought, and again only for new ones', async () => {
    const w = world({ 'A us-east-1': ['S3.8'] });
    const stream = createStreamEnablement({ enablement: createEnablement(), access: w.access });
    // Page 1: A us-east-1 brings S3.8 and S3.5.
    const one = await stream.disabledIn([
      finding(1, 'A', 'us-east-1', 'S3.8'),
      finding(2, 'A', 'us-east-1', 'S3.5'),
    ]);
    expect(one).toEqual(new Set(['f-1']));
    // Page 2: B is new (asked about all three the stream has seen); A brings nothing new (not asked).
    const two = await stream.disabledIn([
      finding(3, 'B', 'us-east-1', 'EC2.19'),
      finding(4, 'A', 'us-east-1', 'S3.8'),
      finding(5, 'A', 'us-east-1', 's3.5'),
    ]);
    expect(two).toEqual(new Set(['f-4']));
    // Page 3: A brings EC2.19, added by page 2: asked about it alone.
    await stream.disabledIn([finding(6, 'A', 'us-east-1', 'EC2.19')]);
    expect(w.asked).toEqual([
      { where: 'A us-east-1', ids: ['S3.8', 'S3.5'] },
      { where: 'B us-east-1', ids: ['S3.8', 'S3.5', 'EC2.19'] },
      { where: 'A us-east-1', ids: ['EC2.19'] },
    ]);
  });

  it('asks a few account-Regions at a time, however many a page brings', async () => {
    const w = world({});
    const stream = createStreamEnablement({
      enablement: createEnablement(),
      access: w.access,
      concurrency: 3,
    });
    const page = Array.from({ length: 100 }, (_, i) => finding(i, `A${i}`, 'us-east-1', 'S3.8'));
    expect(await stream.disabledIn(page)).toEqual(new Set());
    expect(w.asked).toHaveLength(100);
    expect(w.mostInFlight()).toBe(3);
  });

  it('counts an account-Region it cannot reach as all enabled, tells why once, and does not ask it again', async () => {
    const w = world({ 'B us-east-1': ['S3.8'] }, ['B us-east-1']);
    const heard: string[] = [];
    const stream = createStreamEnablement({
      enablement: createEnablement(),
      access: w.access,
      onError: (where, error) => heard.push(`${where.accountId} ${where.region} ${(error as AppError).code}`),
    });
    expect(await stream.disabledIn([finding(1, 'B', 'us-east-1', 'S3.8')])).toEqual(new Set());
    expect(await stream.disabledIn([finding(2, 'B', 'us-east-1', 'S3.5')])).toEqual(new Set());
    expect(heard).toEqual(['B us-east-1 aws_assume_role_failed']);
    expect(w.asked).toEqual([]);
  });
});
