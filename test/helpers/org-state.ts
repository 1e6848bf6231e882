import type { EmulatorState } from '../emulator/aws/state.ts';
import { buildState, type RegionSpec } from './aws-state.ts';

/**
 * An organization for the emulator: a management account, a delegated Security Hub CSPM
 * administrator aggregating in Tokyo with us-west-2 linked, OUs Workloads > Payments (nested) and
 * Sandbox, tagged accounts, a suspended one, and filler accounts enough to need a second page.
 */
export const MGMT = '100000000000';
export const ADMIN = '200000000000';
export const PAY_PROD = '300000000001';
export const PAY_DEV = '300000000002';
export const WEB = '300000000003';
export const PLAY = '300000000004';
export const SUSPENDED = '300000000005';
export const HOME = 'ap-northeast-1';
export const LINKED = 'us-west-2';

export const ROOT = 'r-root';
export const WORKLOADS = 'ou-root-workload1';
export const PAYMENTS = 'ou-root-payments1';
export const SANDBOX = 'ou-root-sandbox01';

export const MEMBER_ROLE = 'FsbpMember';
export const MEMBER_EXTERNAL_ID = 'member-ext-1';
export const ADMIN_ROLE_ARN = `arn:aws:iam::${ADMIN}:role/FsbpAdmin`;
export const ORG_READER_ARN = `arn:aws:iam::${MGMT}:role/FsbpOrgReader`;

/** Sandbox holds this many filler accounts besides Playground: two pages of ListAccountsForParent. */
export const FILLERS = 22;
export const fillers = Array.from({ length: FILLERS }, (_, i) => `4000000000${String(i).padStart(2, '0')}`);

const failingS3 = (account: string): RegionSpec => ({
  controls: { 'S3.8': [{ id: `${account}-bucket`, compliance: 'NON_COMPLIANT' }] },
});

/**
 * `brokenRole`: that member has no member role (role missing), so checks there are refused.
 */
export function orgState(options: { brokenRole?: string } = {}): EmulatorState {
  const checked = [PAY_PROD, PAY_DEV, WEB, PLAY];
  const base = buildState(
    [
      { id: ADMIN, role: { name: 'FsbpAdmin' }, regions: { [HOME]: { controls: {} } } },
      { id: MGMT, role: { name: 'FsbpOrgReader' }, regions: {} },
      ...checked.map((id) => ({
        id,
        ...(id === options.brokenRole ? {} : { role: { name: MEMBER_ROLE, externalId: MEMBER_EXTERNAL_ID } }),
        regions: { [HOME]: failingS3(id), [LINKED]: failingS3(id) },
      })),
    ],
    { rateLimits: false },
  );
  const account = (Id: string, Name: string, parentId: string, tags: Record<string, string> = {}) => ({
    Id,
    Name,
    Email: `${Id}@example.com`,
    parentId,
    tags,
  });
  return {
    ...base,
    startEvaluationMinIntervalMs: 0,
    organization: {
      id: 'o-exampleorg1',
      managementAccountId: MGMT,
      root: { id: ROOT, name: 'Root', tags: {} },
      organizationalUnits: [
        { Id: WORKLOADS, Name: 'Workloads', parentId: ROOT, tags: {} },
        { Id: PAYMENTS, Name: 'Payments', parentId: WORKLOADS, tags: {} },
        { Id: SANDBOX, Name: 'Sandbox', parentId: ROOT, tags: {} },
      ],
      accounts: [
        account(MGMT, 'Management', ROOT),
        account(ADMIN, 'Security Tooling', ROOT, { team: 'security' }),
        account(PAY_PROD, 'Payments Prod', PAYMENTS, { team: 'payments', env: 'prod' }),
        account(PAY_DEV, 'Payments Dev', PAYMENTS, { team: 'payments', env: 'dev' }),
        account(WEB, 'Web <Prod>', WORKLOADS, { team: 'web', env: 'prod' }),
        account(PLAY, 'Playground', SANDBOX, { env: 'sandbox' }),
        { ...account(SUSPENDED, 'Closed', SANDBOX, { team: 'payments' }), State: 'SUSPENDED' },
        ...fillers.map((id, i) => account(id, `Filler ${i}`, SANDBOX)),
      ],
    },
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: [
        ...checked.map((AccountId) => ({ AccountId, MemberStatus: 'ENABLED' })),
        { AccountId: SUSPENDED, MemberStatus: 'REMOVED' },
      ],
      findingAggregator: { region: HOME, regionLinkingMode: 'SPECIFIED_REGIONS', regions: [LINKED] },
    },
  } as EmulatorState;
}

/** The organization block of the bot's config, discovering one way or the other. */
export function organizationConfig(source: 'securityhub' | 'organizations') {
  return {
    adminAccount: { id: ADMIN, roleArn: ADMIN_ROLE_ARN },
    homeRegion: HOME,
    memberRole: { name: MEMBER_ROLE, externalId: MEMBER_EXTERNAL_ID },
    discover: { source, ...(source === 'organizations' ? { organizationsRoleArn: ORG_READER_ARN } : {}) },
  };
}
