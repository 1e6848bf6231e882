// One healthy account and one account per broken setup that `fsbp doctor` must find, for tests and the demo.
import type { EmulatorState } from '../emulator/aws/state.ts';
import { buildState, catalog } from './aws-state.ts';

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
} as const;

export type DoctorAccount = keyof typeof doctorAccounts;

/** Enough Security Hub rules to look like a real FSBP setup (doctor warns below ten). */
const someControls = Object.fromEntries(
  catalog.controls
    .filter((c) => c.configRule && !c.deprecated)
    .slice(0, 12)
    .map((c) => [c.id, []]),
);

const fsbp = (account: string, status: string) => ({
  StandardsSubscriptionArn: `arn:aws:securityhub:${REGION}:${account}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
  StandardsArn: `arn:aws:securityhub:${REGION}::standards/aws-foundational-security-best-practices/v/1.0.0`,
  StandardsInput: {},
  StandardsStatus: status,
});

type AccountState = {
  roles: Record<string, Record<string, unknown>>;
  regions: Record<string, Record<string, unknown>>;
};

const breakages: Record<DoctorAccount, (id: string, account: AccountState) => void> = {
  healthy: () => {},
  // The role trusts the bot only with another external ID than the config's (see doctorConfig).
  trustRefused: () => {},
  hubDisabled: (_id, a) => {
    Object.assign(region(a), { hub: { enabled: false } });
  },
  fsbpNotEnabled: (_id, a) => {
    Object.assign(region(a), { enabledStandards: [] });
  },
  fsbpPending: (id, a) => {
    Object.assign(region(a), { enabledStandards: [fsbp(id, 'PENDING')] });
  },
  configNotRecording: (_id, a) => {
    Object.assign(region(a), { configRecorder: { name: 'default', recording: false } });
  },
  noRules: (_id, a) => {
    Object.assign(region(a), { configRules: [], evaluations: {}, nextEvaluations: {} });
  },
  writeDenied: (_id, a) => {
    role(a).policy = {
      allow: ['securityhub:Get*', 'securityhub:Describe*', 'config:*', 'iam:SimulatePrincipalPolicy'],
      deny: [],
    };
  },
  simulateDenied: (_id, a) => {
    role(a).policy = { allow: ['securityhub:*', 'config:*'], deny: [] };
  },
};

function region(a: AccountState): Record<string, unknown> {
  const r = a.regions[REGION];
  if (!r) throw new Error('doctor state has no region');
  return r;
}

function role(a: AccountState): Record<string, unknown> {
  const r = a.roles.FsbpBotRole;
  if (!r) throw new Error('doctor state has no role');
  return r;
}

export function doctorState(): EmulatorState {
  const state = buildState(
    Object.values(doctorAccounts).map((id) => ({
      id,
      role: { name: 'FsbpBotRole', externalId: EXTERNAL_ID },
      regions: { [REGION]: { controls: someControls } },
    })),
  );
  const accounts = state.accounts as Record<string, AccountState>;
  for (const [kind, id] of Object.entries(doctorAccounts) as [DoctorAccount, string][]) {
    const account = accounts[id];
    if (account) breakages[kind](id, account);
  }
  return state;
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
