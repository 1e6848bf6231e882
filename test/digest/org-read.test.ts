import { describe, expect, it } from 'vitest';
import { chooseAccountFilter } from '../../src/digest/org-run.ts';
import { ChannelTally } from '../../src/digest/tally.ts';
import type { ControlFinding } from '../../src/engine/ports.ts';

const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(100000000000 + from + i));

describe('one read or account filters', () => {
  it('no filter when the channels cover every account', () => {
    expect(chooseAccountFilter(new Set(ids(30)), ids(30))).toBeUndefined();
  });

  it('without counts: filters only when they leave out at least half of the accounts', () => {
    expect(chooseAccountFilter(new Set(ids(10)), ids(30))).toEqual(ids(10));
    expect(chooseAccountFilter(new Set(ids(20)), ids(30))).toBeUndefined();
  });

  it('with last known counts: the read of fewer pages (each batch of 20 costs at least one)', () => {
    const counts = new Map(ids(300).map((id, i) => [id, i < 40 ? 1000 : 10]));
    // 40 big accounts routed: 2 batches x 200 pages = 400 < (40,000 + 2,600) / 100 = 426.
    expect(chooseAccountFilter(new Set(ids(40)), ids(300), counts)).toHaveLength(40);
    // One finding per account: the whole view is 3 pages, 15 batches of 20 would be 15.
    const few = new Map(ids(300).map((id) => [id, 1]));
    expect(chooseAccountFilter(new Set(ids(290)), ids(300), few)).toBeUndefined();
  });
});

function finding(id: string, severity: string): ControlFinding {
  return {
    id,
    productArn: 'arn:aws:securityhub:us-east-1::product/aws/securityhub',
    controlId: 'S3.8',
    accountId: '100000000000',
    region: 'us-east-1',
    resourceType: 'AwsS3Bucket',
    resourceId: `arn:aws:s3:::${id}`,
    complianceStatus: 'FAILED',
    workflowStatus: 'NEW',
    noteText: null,
    updatedAt: null,
    title: null,
    severity,
  };
}

describe('a channel tally', () => {
  it('counts what the channel reports and keeps only the findings it was not told about', () => {
    const tally = new ChannelTally('HIGH');
    const told = new Set(['old-1', 'low-1']);
    for (const f of [finding('old-1', 'HIGH'), finding('new-1', 'CRITICAL'), finding('low-1', 'LOW')])
      tally.add(f, told.has(f.id));
    expect(tally.failingBySeverity).toEqual({ CRITICAL: 1, HIGH: 1, MEDIUM: 0, LOW: 0 });
    expect(tally.fresh.map((f) => f.id)).toEqual(['new-1']);
    expect(tally.severities).toEqual(['CRITICAL', 'HIGH']);
    expect(() => tally.unseenIds(new Set())).toThrow();
  });

  it('in a dry run, leaves the told findings it did not see as resolved, except suppressed ones', () => {
    const tally = new ChannelTally('HIGH', new Set(['old-1', 'old-2', 'held']));
    for (const f of [finding('old-1', 'HIGH'), finding('new-1', 'CRITICAL'), finding('low-1', 'LOW')])
      tally.add(f, f.id === 'old-1');
    expect(tally.fresh.map((f) => f.id)).toEqual(['new-1']);
    expect(tally.unseenIds(new Set(['held']))).toEqual(['old-2']);
  });
});
