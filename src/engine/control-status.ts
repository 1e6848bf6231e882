import { fsbpStandard } from '../catalog/aws-controls.ts';
import type { Control } from '../catalog/schema.ts';
import { mayFallBack } from './enablement.ts';
import { errorInfo } from './errors.ts';
import type { AccountRef, AwsPort, ControlAssociation, ControlParameter, RegionAccess } from './ports.ts';
import type { CheckErrorInfo } from './types.ts';

/** One control as one account and Region have it: enabled or not (and why), and its parameters in force. */
export interface ControlInAccount {
  accountId: string;
  accountName: string | null;
  region: string;
  /** Enabled in FSBP there; null when it could not be read. */
  enabled: boolean | null;
  /** Why it was disabled: AWS's or a person's text. */
  reason: string | null;
  /** The parameters in force, each custom or default; null when they could not be read. */
  parameters: ControlParameter[] | null;
  lastUpdateReason: string | null;
  error: CheckErrorInfo | null;
}

/** The FSBP association among those of every standard, matched by any name the control goes by. */
function fsbpAssociation(
  control: Control,
  found: readonly ControlAssociation[],
): ControlAssociation | undefined {
  const names = new Set(
    [control.securityControlId, control.id, ...control.aliases].map((n) => n.toLowerCase()),
  );
  return found.find((a) => a.standard === fsbpStandard && names.has(a.controlId.toLowerCase()));
}

/** ListStandardsControlAssociations, or DescribeStandardsControls where that is refused. */
async function association(access: RegionAccess, control: Control) {
  const controls = access.controls;
  if (!controls) return undefined;
  try {
    return fsbpAssociation(control, await controls.controlAssociations(control.securityControlId));
  } catch (error) {
    if (!mayFallBack(error)) throw error;
    return fsbpAssociation(control, await controls.fsbpStandardsControls());
  }
}

/** Reads one control's enablement and parameters in one account and Region; failures are reported, not thrown. */
export async function controlInAccount(
  aws: AwsPort,
  account: AccountRef,
  region: string,
  control: Control,
  requester: string,
): Promise<ControlInAccount> {
  const result: ControlInAccount = {
    accountId: account.id,
    accountName: account.name ?? null,
    region,
    enabled: null,
    reason: null,
    parameters: null,
    lastUpdateReason: null,
    error: null,
  };
  let access: RegionAccess;
  try {
    access = await aws.region(account, region, requester);
  } catch (error) {
    return { ...result, error: errorInfo(error) };
  }
  const [status, settings] = await Promise.allSettled([
    association(access, control),
    access.controls?.securityControls([control.securityControlId]),
  ]);
  if (status.status === 'fulfilled' && status.value) {
    result.enabled = status.value.enabled;
    result.reason = status.value.enabled ? null : status.value.reason;
  } else if (status.status === 'rejected') {
    result.error = errorInfo(status.reason);
  }
  if (settings.status === 'fulfilled') {
    const own = settings.value?.find(
      (s) => s.controlId.toLowerCase() === control.securityControlId.toLowerCase(),
    );
    if (own) {
      result.parameters = own.parameters;
      result.lastUpdateReason = own.lastUpdateReason;
    }
  } else {
    result.error ??= errorInfo(settings.reason);
  }
  return result;
}
