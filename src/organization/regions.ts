import { defaultRegionsOf } from '../aws/regions.ts';

export const regionLinkingModes = [
  'ALL_REGIONS',
  'ALL_REGIONS_EXCEPT_SPECIFIED',
  'SPECIFIED_REGIONS',
  'NO_REGIONS',
] as const;
export type RegionLinkingMode = (typeof regionLinkingModes)[number];

/** What `GetFindingAggregator` says: how Regions are linked to the home Region, and which. */
export interface FindingAggregation {
  mode: RegionLinkingMode;
  /** The Regions included (SPECIFIED_REGIONS) or left out (ALL_REGIONS_EXCEPT_SPECIFIED). */
  regions: string[];
}

/**
 * The Regions of the organization's findings: the home Region and the linked ones, narrowed by
 * `organization.regions` (never widened). Without an aggregator only the home Region is read.
 * `ALL_REGIONS` links every Region Security Hub CSPM is enabled in, which no call lists: the Regions
 * named in `organization.regions`, else the partition's Regions that need no opt-in, stand for it.
 */
export function linkedRegions(
  homeRegion: string,
  aggregation: FindingAggregation | null,
  narrowTo?: readonly string[],
): string[] {
  const all = () => [...(narrowTo ?? defaultRegionsOf(homeRegion))];
  let linked: string[];
  switch (aggregation?.mode ?? 'NO_REGIONS') {
    case 'NO_REGIONS':
      linked = [];
      break;
    case 'SPECIFIED_REGIONS':
      linked = aggregation?.regions ?? [];
      break;
    case 'ALL_REGIONS':
      linked = all();
      break;
    case 'ALL_REGIONS_EXCEPT_SPECIFIED':
      linked = all().filter((r) => !aggregation?.regions.includes(r));
      break;
  }
  const others = [...new Set(linked)].filter((r) => r !== homeRegion).sort();
  return [homeRegion, ...others].filter((r) => !narrowTo || narrowTo.includes(r));
}
