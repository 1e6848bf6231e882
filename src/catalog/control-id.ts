/**
 * The shape every FSBP control ID has (`S3.1`, `ELBv2.1`, `SecretsManager.4`): a service name, a dot
 * and a number. Control IDs in findings are written by whoever may call BatchImportFindings in a
 * monitored account, so one that does not have this shape is never used as a key nor shown.
 */
const controlIdPattern = /^[A-Za-z][A-Za-z0-9]{0,31}\.[0-9]{1,4}$/;

/** Where a finding's control ID was unusable; never a valid control ID, so it never meets the catalog. */
export const unknownControlId = 'UNKNOWN';

export function isControlId(value: string): boolean {
  return controlIdPattern.test(value);
}

/**
 * A finding's control ID if it has the shape, else `unknownControlId` with the rejected value cut to
 * 100 characters (for the log only).
 */
export function checkedControlId(raw: string): { controlId: string; rejectedControlId?: string } {
  return isControlId(raw)
    ? { controlId: raw }
    : { controlId: unknownControlId, rejectedControlId: raw.slice(0, 100) };
}
