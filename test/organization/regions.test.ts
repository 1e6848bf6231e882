import { describe, expect, it } from 'vitest';
import { defaultRegionsOf, globalRegionOf, partitionOf } from '../../src/aws/regions.ts';
import { linkedRegions } from '../../src/organization/regions.ts';

describe('linked Regions', () => {
  it('reads only the home Region without an aggregator or with NO_REGIONS', () => {
    expect(linkedRegions('ap-northeast-1', null)).toEqual(['ap-northeast-1']);
    expect(linkedRegions('ap-northeast-1', { mode: 'NO_REGIONS', regions: [] })).toEqual(['ap-northeast-1']);
  });

  it('adds the specified Regions to the home Region, home first', () => {
    expect(
      linkedRegions('us-east-1', {
        mode: 'SPECIFIED_REGIONS',
        regions: ['us-west-2', 'us-west-1', 'us-east-1'],
      }),
    ).toEqual(['us-east-1', 'us-west-1', 'us-west-2']);
  });

  it('takes every Region that needs no opt-in for ALL_REGIONS, less the excepted ones', () => {
    const all = linkedRegions('ap-northeast-1', { mode: 'ALL_REGIONS', regions: [] });
    expect(all[0]).toBe('ap-northeast-1');
    expect(all).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-northeast-3']));
    expect(all).not.toContain('af-south-1');
    const except = linkedRegions('ap-northeast-1', {
      mode: 'ALL_REGIONS_EXCEPT_SPECIFIED',
      regions: ['us-east-1', 'eu-west-1'],
    });
    expect(except).toHaveLength(all.length - 2);
    expect(except).not.toContain('us-east-1');
  });

  it('narrows to organization.regions and never widens: an opt-in Region counts only where linked', () => {
    const narrow = ['ap-northeast-1', 'us-west-2', 'af-south-1'];
    expect(
      linkedRegions(
        'ap-northeast-1',
        { mode: 'SPECIFIED_REGIONS', regions: ['us-west-2', 'eu-west-1'] },
        narrow,
      ),
    ).toEqual(['ap-northeast-1', 'us-west-2']);
    expect(linkedRegions('ap-northeast-1', { mode: 'ALL_REGIONS', regions: [] }, narrow)).toEqual([
      'ap-northeast-1',
      'af-south-1',
      'us-west-2',
    ]);
    expect(linkedRegions('ap-northeast-1', null, ['us-west-2'])).toEqual([]);
  });

  it('knows the partition of a Region for role ARNs and Organizations', () => {
    expect([partitionOf('ap-northeast-1'), globalRegionOf('ap-northeast-1')]).toEqual(['aws', 'us-east-1']);
    expect([partitionOf('cn-north-1'), globalRegionOf('cn-north-1')]).toEqual(['aws-cn', 'cn-northwest-1']);
    expect(partitionOf('us-gov-east-1')).toBe('aws-us-gov');
    expect(defaultRegionsOf('cn-north-1')).toEqual(['cn-north-1', 'cn-northwest-1']);
  });
});
