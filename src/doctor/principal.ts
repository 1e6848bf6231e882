/** `arn:aws:sts::1:assumed-role/Name/session` -> `arn:aws:iam::1:role/Name`, the principal IAM knows. */
export function principalOf(arn: string): string {
  const assumed = /^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(arn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : arn;
}
