import { groupBy } from './group.ts';

/**
 * AWS Config names a resource `AWS::S3::Bucket` + `my-bucket`; Security Hub names the same one
 * `AwsS3Bucket` + `arn:aws:s3:::my-bucket`. Within one control the resource types agree, so the
 * join key is the last segment of the ID: the bucket name, `sg-0123`, the account ID.
 */
export function resourceKey(id: string): string {
  const cut = Math.max(id.lastIndexOf('/'), id.lastIndexOf(':'));
  return cut === -1 ? id : id.slice(cut + 1);
}

/** Indexes items by resource key, so evaluations find their findings without a scan. */
export function indexByResource<T>(items: readonly T[], id: (item: T) => string): Map<string, T[]> {
  return groupBy(items, (item) => resourceKey(id(item)));
}
