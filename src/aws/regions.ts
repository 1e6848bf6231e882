import { partition } from '@aws-sdk/core/client';

const regionShape = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/**
 * Whether the SDK's own partition data (the one endpoint resolution uses) lists this Region.
 * `partition()` only returns a description for Regions it lists; a code that merely fits a
 * partition's pattern (`aa-a-1`, `us-fake-9`) gets none. Pseudo-Regions (`aws-global`) fail the shape.
 */
export function isKnownRegion(code: string): boolean {
  // The result spreads the Region's own entry (`description`) over the partition's outputs.
  return regionShape.test(code) && typeof Reflect.get(partition(code), 'description') === 'string';
}

/** The partition a Region belongs to (`aws`, `aws-cn`, `aws-us-gov`...), as ARNs spell it. */
export function partitionOf(region: string): string {
  return partition(region).name;
}

/** Where a global service (Organizations) is called from for this Region's partition. */
export function globalRegionOf(region: string): string {
  const global = Reflect.get(partition(region), 'implicitGlobalRegion');
  return typeof global === 'string' ? global : region;
}

/**
 * Regions every account of a partition has enabled without opting in. The SDK's partition data
 * lists opt-in Regions too, and a Region an account has not enabled answers every call with an
 * error; opt-in Regions are covered when `organization.regions` names them.
 */
const enabledByDefault: Record<string, readonly string[]> = {
  aws: [
    'ap-northeast-1',
    'ap-northeast-2',
    'ap-northeast-3',
    'ap-south-1',
    'ap-southeast-1',
    'ap-southeast-2',
    'ca-central-1',
    'eu-central-1',
    'eu-north-1',
    'eu-west-1',
    'eu-west-2',
    'eu-west-3',
    'sa-east-1',
    'us-east-1',
    'us-east-2',
    'us-west-1',
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
};

/** The Regions of `region`'s partition that need no opt-in (the Region itself when unknown). */
export function defaultRegionsOf(region: string): string[] {
  return [...(enabledByDefault[partitionOf(region)] ?? [region])];
}
