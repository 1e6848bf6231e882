// One healthy account and one account per broken setup that `fsbp doctor` must find, for tests and the demo.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EmulatorState } from '../emulator/aws/state.ts';

export const REGION = 'ap-northeast-1';
export const EXTERNAL_ID = 'doctor-external-id';

/** Each broken kind in its own account, so a test can say "this check fails, and only this one". */
export const doctorAccounts = {
  healthy: '310000000001',
  trustRefused: '310000000002',
  hubDisabled: '310000000003',
  fsbpNotEnabled: '310000000004',
  fsbpPending: '310000000005',
  configNotRecording: '310000000006',
  noRules: '310000000007',
  writeDenied: '310000000008',
  simulateDenied: '310000000009',
  controlsReadDenied: '310000000010',
} as const;

export type DoctorAccount = keyof typeof doctorAccounts;

type SampleState = EmulatorState & { accounts: Record<string, unknown> };

/**
 * The demo's sample state holds these accounts, each broken in one way (a stopped recorder, a role policy
 * without BatchUpdateFindings, FSBP PENDING...), so `npm run demo` and the tests see the same setups.
 */
export function doctorState(): EmulatorState {
  const path = fileURLToPath(new URL('../emulator/aws/sample-state.json', import.meta.url));
  const sample = JSON.parse(readFileSync(path, 'utf8')) as SampleState;
  const ids: string[] = Object.values(doctorAccounts);
  return {
    caller: sample.caller,
    evaluationDelayMs: 50,
    accounts: Object.fromEntries(Object.entries(sample.accounts).filter(([id]) => ids.includes(id))),
  } as EmulatorState;
}

/** The config an operator would write for these accounts; the trust-refused one carries a stale external ID. */
export function doctorConfig(channel: string) {
  return {
    accounts: Object.entries(doctorAccounts).map(([name, id]) => ({
      id,
      name,
      roleArn: `arn:aws:iam::${id}:role/FsbpBotRole`,
      externalId: name === 'trustRefused' ? 'stale-external-id' : EXTERNAL_ID,
      regions: [REGION],
    })),
    channels: [{ id: channel, accounts: Object.keys(doctorAccounts) }],
    suppression: { allowedUsers: ['U0JA00001'] },
  };
}
