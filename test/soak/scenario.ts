import { Config } from '../../src/config/schema.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import { ownAccountState } from '../helpers/aws-state.ts';

export const PROD = '111111111111';
export const TOKYO = 'ap-northeast-1';
export const CHANNEL = 'C0123456789';
/** May suppress and lift (the config's allowedUsers). */
export const TARO = 'U0JA00001';

/** The control whose 250 failing findings are suppressed (scope: the whole control), then lifted. */
export const suppressedControl = 'S3.8';
export const suppressedCount = 250;
/** 200 findings that become new between the first digest and the soaked one: 8 replies of 25. */
export const newControls = ['EC2.19', 'Lambda.1', 'EC2.2', 'IAM.3', 'S3.5', 'S3.1', 'RDS.3', 'EC2.18'];
export const newPerControl = 25;

const failing = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, compliance: 'NON_COMPLIANT' as const }));

interface RegionFindings {
  findings: { Compliance?: { SecurityControlId?: string } }[];
}

/** The full state (everything failing) and the state before the 200 new findings appeared. */
export function soakStates(): { before: EmulatorState; after: EmulatorState } {
  const controls: Record<string, ReturnType<typeof failing>> = {
    [suppressedControl]: failing('bucket', suppressedCount),
  };
  for (const id of newControls) controls[id] = failing(id.toLowerCase().replace('.', '-'), newPerControl);
  const after = { ...ownAccountState(PROD, TOKYO, controls), startEvaluationMinIntervalMs: 0 };
  const before = structuredClone(after) as unknown as {
    accounts: Record<string, { regions: Record<string, RegionFindings> }>;
  };
  const region = before.accounts[PROD]?.regions[TOKYO] as RegionFindings;
  region.findings = region.findings.filter((f) => f.Compliance?.SecurityControlId === suppressedControl);
  return { before: before as unknown as EmulatorState, after };
}

const baseConfig = {
  defaultLanguage: 'en',
  accounts: [{ id: PROD, name: 'prod', regions: [TOKYO] }],
  // The schedule never fires during a soak: the soak drives the digest with `/fsbp digest now`.
  channels: [
    {
      id: CHANNEL,
      accounts: ['prod'],
      digest: { schedule: '0 3 1 1 *', language: 'en', minSeverity: 'LOW' },
    },
  ],
  suppression: { allowedUsers: [TARO], maxDays: 90, minReasonLength: 10 },
};
const withoutCooldown = { ...baseConfig, digest: { nowCooldownMinutes: 0 } };

/** `digest now` again after a crash must not wait for a cooldown, where the config has one. */
export const soakConfig = Config.safeParse(withoutCooldown).success ? withoutCooldown : baseConfig;
