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
