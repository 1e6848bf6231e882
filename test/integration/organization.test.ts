import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/engine/types.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { runWithConfig, useAwsEndpoint } from '../helpers/cli.ts';
import {
  ADMIN,
  ADMIN_ROLE_ARN,
  FILLERS,
  fillers,
  HOME,
  LINKED,
  MEMBER_ROLE,
  MGMT,
  ORG_READER_ARN,
  organizationConfig,
  orgState,
  PAY_DEV,
  PAY_PROD,
  PAYMENTS,
  PLAY,
  SANDBOX,
  SUSPENDED,
  WEB,
  WORKLOADS,
} from '../helpers/org-state.ts';

const OUTSIDER = '700000000000';

let emulator: AwsEmulator;
beforeAll(async () => {
  emulator = await startAwsEmulator({ state: orgState() });
  useAwsEndpoint(emulator.url);
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.setState(orgState());
  emulator.resetCalls();
});

/** A fresh store per test: what one discovery saved is read by the next run. */
const freshStore = () => join(mkdtempSync(join(tmpdir(), 'fsbp-org-')), 'fsbp.db');

interface AccountsJson {
  mode: string;
  organization: { source: string; homeRegion: string; regions: string[]; discoveredAt: string | null };
  refresh?: { status: string; calls: Record<string, number> };
  channels: {
    channel: string;
    accounts: { id: string; name: string | null; regions: string[]; matchedBy: string[] }[];
    excluded?: { id: string; excludedBy: string[] }[];
    unmatched: string[];
  }[];
  unrouted?: { id: string }[];
}

async function accounts(config: unknown, store: string, argv: string[] = []) {
  const run = await runWithConfig(config, ['accounts', ...argv, '--json'], { FSBP_STORE: store });
  return { ...run, json: JSON.parse(run.stdout || 'null') as AccountsJson };
}

const callsTo = (service: string) => emulator.calls().filter((c) => c.service === service);
const countByOperation = (service: string) => {
  const counts: Record<string, number> = {};
  for (const c of callsTo(service)) counts[c.operation] = (counts[c.operation] ?? 0) + 1;
  return counts;
};
const idsOf = (channel: AccountsJson['channels'][number] | undefined) =>
  channel?.accounts.map((a) => a.id) ?? [];

describe('discovery through the administrator (securityhub)', () => {
  const config = {
    organization: organizationConfig('securityhub'),
    accounts: [{ id: PAY_PROD, name: 'pay-prod', regions: [HOME] }],
    channels: [{ id: 'C0EVERYONE1', accounts: ['*'] }],
  };

  it('finds the administrator and its enabled members, in the linked Regions, with one page each', async () => {
    const store = freshStore();
    const { code, json } = await accounts(config, store);
    expect(code).toBe(0);
    expect(json.mode).toBe('organization');
    expect(json.organization).toMatchObject({
      source: 'securityhub',
      homeRegion: HOME,
      regions: [HOME, LINKED],
    });
    const everyone = json.channels[0];
    expect(idsOf(everyone).sort()).toEqual([ADMIN, PAY_DEV, PAY_PROD, PLAY, WEB].sort());
    expect(idsOf(everyone)).not.toContain(SUSPENDED);
    // A name from the config; its own Regions as written there.
    expect(everyone?.accounts.find((a) => a.id === PAY_PROD)).toMatchObject({
      name: 'pay-prod',
      regions: [HOME],
    });
    expect(everyone?.accounts.find((a) => a.id === WEB)).toMatchObject({
      regions: [HOME, LINKED],
      matchedBy: ['*'],
    });
    expect(countByOperation('securityhub')).toEqual({
      ListMembers: 1,
      ListFindingAggregators: 1,
      GetFindingAggregator: 1,
    });
    expect(callsTo('organizations')).toEqual([]);
    // As the administrator, through its role (a session named for discovery).
    expect(callsTo('securityhub').every((c) => c.accountId === ADMIN)).toBe(true);
    expect(emulator.calls().find((c) => c.operation === 'AssumeRole')?.roleSessionName).toBe(
      'fsbp-discovery',
    );
  });
});

describe('discovery through AWS Organizations', () => {
  const config = {
    organization: organizationConfig('organizations'),
    channels: [
      { id: 'C0PAYMENTS1', accounts: [PAYMENTS] },
      { id: 'C0WORKLOAD1', accounts: [WORKLOADS], exclude: ['tag:env=dev'] },
      { id: 'C0PRODONLY1', accounts: ['tag:env=prod', 'Playground', ADMIN] },
      {
        id: 'C0SANDBOX01',
        accounts: [SANDBOX],
        exclude: ['Filler 0', fillers[1] as string, 'ou-root-nothing01'],
      },
    ],
  };

  it('routes by ID, name, nested OU and tag with exclude, and says which selector matched', async () => {
    const { code, json } = await accounts(config, freshStore());
    expect(code).toBe(0);
    const [payments, workloads, prod, sandbox] = json.channels;
    expect(idsOf(payments).sort()).toEqual([PAY_PROD, PAY_DEV].sort());
    // Workloads holds Payments: its accounts come too, less the one tagged env=dev.
    expect(idsOf(workloads).sort()).toEqual([PAY_PROD, WEB]);
    expect(workloads?.excluded).toEqual([
      expect.objectContaining({ id: PAY_DEV, excludedBy: ['tag:env=dev'] }),
    ]);
    expect(prod?.accounts.map((a) => [a.id, a.matchedBy]).sort()).toEqual(
      [
        [ADMIN, [ADMIN]],
        [PAY_PROD, ['tag:env=prod']],
        [PLAY, ['Playground']],
        [WEB, ['tag:env=prod']],
      ].sort(),
    );
    expect(idsOf(sandbox)).toHaveLength(FILLERS - 2 + 1);
    expect(idsOf(sandbox)).not.toContain(SUSPENDED);
    expect(sandbox?.unmatched).toEqual(['ou-root-nothing01']);
    expect(json.unrouted?.map((a) => a.id).sort()).toEqual([MGMT, fillers[0], fillers[1]].sort());
  });

  it('makes the fewest calls the page sizes allow, and a restart reads the saved list instead', async () => {
    const store = freshStore();
    await accounts(config, store);
    // One ListRoots; per parent (root and 3 OUs) one page of OUs and ceil(accounts/20) of accounts;
    // one ListTagsForResource per active account.
    const active = 2 + 2 + 1 + 1 + FILLERS;
    expect(countByOperation('organizations')).toEqual({
      ListRoots: 1,
      ListOrganizationalUnitsForParent: 4,
      ListAccountsForParent: 1 + 1 + 1 + Math.ceil((FILLERS + 2) / 20),
      ListTagsForResource: active,
    });
    expect(callsTo('organizations').every((c) => c.accountId === MGMT)).toBe(true);
    emulator.resetCalls();
    const again = await accounts(config, store);
    expect(idsOf(again.json.channels[0]).sort()).toEqual([PAY_PROD, PAY_DEV].sort());
    expect(callsTo('organizations')).toEqual([]);
    expect(callsTo('securityhub')).toEqual([]);
  });

  it('discovers again on demand (--refresh) and reports the calls it made', async () => {
    const store = freshStore();
    await accounts(config, store);
    const state = orgState();
    const org = state.organization as { accounts: { Id: string; tags: Record<string, string> }[] };
    const web = org.accounts.find((a) => a.Id === WEB);
    if (web) web.tags = { team: 'web', env: 'dev' };
    emulator.setState(state);
    const { json } = await accounts(config, store, ['--refresh']);
    expect(json.refresh?.status).toBe('discovered');
    expect(json.refresh?.calls.ListRoots).toBe(1);
    expect(idsOf(json.channels[1])).toEqual([PAY_PROD]);
    const text = await runWithConfig(config, ['accounts', '--channel', 'C0PAYMENTS1'], {
      FSBP_STORE: store,
      LANG: 'C',
    });
    expect(text.stdout).toContain('Payments Prod');
    expect(text.stdout).toContain(`${PAYMENTS} (Payments)`);
    expect(text.stdout).not.toContain('Web');
  });

  it('says why when the Organizations role may not read the organization, and nothing was ever discovered', async () => {
    // A member account may not list the organization: AWS's refusal names the action to allow.
    const member = {
      ...config,
      organization: {
        ...config.organization,
        discover: {
          source: 'organizations',
          organizationsRoleArn: `arn:aws:iam::${WEB}:role/${MEMBER_ROLE}`,
          externalId: 'member-ext-1',
        },
      },
    };
    const denied = await runWithConfig(member, ['accounts', '--lang', 'en'], { FSBP_STORE: freshStore() });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('organizations:ListRoots');
    // An account outside the organization is told Organizations is not in use there.
    const state = orgState();
    emulator.setState({
      ...state,
      accounts: { ...state.accounts, [OUTSIDER]: { roles: { Reader: {} }, regions: {} } },
    });
    const outsider = {
      ...config,
      organization: {
        ...config.organization,
        discover: { source: 'organizations', organizationsRoleArn: `arn:aws:iam::${OUTSIDER}:role/Reader` },
      },
    };
    const run = await runWithConfig(outsider, ['accounts', '--lang', 'en'], { FSBP_STORE: freshStore() });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('AWS Organizations is not in use');
  });
});

describe('check in organization mode', () => {
  const config = {
    organization: organizationConfig('organizations'),
    channels: [{ id: 'C0PAYMENTS1', accounts: [WORKLOADS] }],
  };

  it('re-evaluates in each member and linked Region; a member whose role is missing is reported, the others finish', async () => {
    emulator.setState(orgState({ brokenRole: PAY_DEV }));
    const run = await runWithConfig(
      config,
      ['check', 'S3.8', '--account', PAYMENTS, '--account', WEB, '--json'],
      {
        FSBP_STORE: freshStore(),
      },
    );
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(run.code).toBe(3);
    const where = report.results.map((r) => `${r.accountId} ${r.region}`).sort();
    expect(where).toEqual([PAY_PROD, PAY_DEV, WEB].flatMap((a) => [`${a} ${HOME}`, `${a} ${LINKED}`]).sort());
    for (const result of report.results.filter((r) => r.accountId === PAY_DEV)) {
      expect(result.error).toMatchObject({ code: 'aws_assume_role_failed', awsCode: 'AccessDenied' });
      expect(result.controls).toEqual([]);
    }
    for (const result of report.results.filter((r) => r.accountId !== PAY_DEV)) {
      expect(result.error).toBeNull();
      expect(result.controls[0]).toMatchObject({ controlId: 'S3.8', status: 'FAILED' });
    }
    expect(report.summary.PASSED).toBe(0);
  });

  it('tells of a member whose role is refused in every Region once, naming how many Regions', async () => {
    emulator.setState(orgState({ brokenRole: PAY_DEV }));
    const run = await runWithConfig(config, ['check', 'S3.8', '--account', PAYMENTS, '--lang', 'en'], {
      FSBP_STORE: freshStore(),
    });
    expect(run.code).toBe(3);
    const told = run.stdout.split('\n').filter((line) => line.includes(PAY_DEV));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain('Payments Dev');
    expect(told[0]).toContain('could not be checked in any of its 2 Regions');
    expect(told[0]).toContain(`arn:aws:iam::${PAY_DEV}:role/${MEMBER_ROLE}`);
    expect(told[0]).not.toContain('passed');
    // The account that was reached still has a line per Region with its counts.
    const reached = run.stdout.split('\n').filter((line) => line.includes(PAY_PROD));
    expect(reached.filter((line) => line.includes('1 failed'))).toHaveLength(2);
  });

  it('keeps selectors within the caps: an OU too large for check.maxTargets is refused before any AWS call', async () => {
    const capped = { ...config, check: { maxTargets: 3 } };
    const run = await runWithConfig(capped, ['check', 'S3.8', '--account', WORKLOADS], {
      FSBP_STORE: freshStore(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('check.maxTargets');
    expect(emulator.calls().filter((c) => c.service === 'config')).toEqual([]);
  });
});

describe('doctor in organization mode', () => {
  interface DoctorJson {
    checks: {
      id: string;
      status: string;
      scope: { account?: string; region?: string; as?: string };
      message: string;
      fix?: string;
      snippet?: string;
    }[];
  }
  const doctor = async (config: unknown) => {
    const run = await runWithConfig(config, ['doctor', '--json', '--lang', 'en'], {
      FSBP_STORE: freshStore(),
    });
    return JSON.parse(run.stdout) as DoctorJson;
  };
  const base = {
    organization: { ...organizationConfig('securityhub'), regions: [HOME] },
    channels: [{ id: 'C0EVERYONE1', accounts: ['*'] }],
  };

  it('says what discovery found and checks every discovered account', async () => {
    const { checks } = await doctor(base);
    const discovery = checks.find((c) => c.id === 'aws.discovery');
    expect(discovery).toMatchObject({ status: 'pass' });
    expect(discovery?.message).toContain('5 accounts');
    const checkedAccounts = new Set(
      checks.filter((c) => c.id === 'aws.role').map((c) => c.scope.account ?? ''),
    );
    expect([...checkedAccounts].join(' ')).toContain(PLAY);
  });

  /** The README's member policy, less what `without` names. */
  interface Policy {
    allow: string[];
    deny: string[];
  }
  const memberPolicy = (without: string[] = []): Policy => ({
    allow: [
      'config:DescribeConfigRules',
      'config:DescribeConfigRuleEvaluationStatus',
      'config:StartConfigRulesEvaluation',
      'config:GetComplianceDetailsByConfigRule',
      'config:DescribeConfigurationRecorderStatus',
      'securityhub:GetFindings',
      'securityhub:DescribeHub',
      'securityhub:GetEnabledStandards',
      'securityhub:BatchGetStandardsControlAssociations',
      'securityhub:DescribeStandardsControls',
      'securityhub:ListStandardsControlAssociations',
      'securityhub:BatchGetSecurityControls',
      'iam:SimulatePrincipalPolicy',
    ].filter((a) => !without.includes(a)),
    deny: [],
  });
  const withPolicies = (policies: Record<string, { role: string; policy: Policy }>) => {
    const state = orgState() as unknown as {
      accounts: Record<string, { roles: Record<string, { policy?: unknown }> }>;
    };
    for (const [account, { role, policy }] of Object.entries(policies)) {
      const found = state.accounts[account]?.roles[role];
      if (found) found.policy = policy;
    }
    return state as unknown as ReturnType<typeof orgState>;
  };

  it('simulates the write and the list of controls for the administrator, the control reads for members', async () => {
    emulator.setState(
      withPolicies({
        [PAY_PROD]: { role: MEMBER_ROLE, policy: memberPolicy() },
        [PAY_DEV]: {
          role: MEMBER_ROLE,
          policy: memberPolicy([
            'securityhub:BatchGetStandardsControlAssociations',
            'securityhub:DescribeStandardsControls',
          ]),
        },
        // The administrator may suppress but not list the controls.
        [ADMIN]: {
          role: 'FsbpAdmin',
          policy: {
            allow: ['securityhub:*', 'iam:SimulatePrincipalPolicy'],
            deny: ['securityhub:ListSecurityControlDefinitions'],
          },
        },
      }),
    );
    const { checks } = await doctor(base);
    const asAdmin = checks.filter((c) => c.scope.as === 'administrator');
    expect(asAdmin.map((c) => [c.id, c.status, c.scope.region ?? ''])).toEqual([
      ['aws.role', 'pass', ''],
      ['aws.suppressWrite', 'pass', HOME],
      ['aws.controlsRead', 'warn', HOME],
    ]);
    expect(asAdmin[2]?.message).toContain('securityhub:ListSecurityControlDefinitions');
    const members = checks.filter((c) => c.scope.as === undefined && c.scope.account);
    // Suppressions go through the administrator: a member role without BatchUpdateFindings is right.
    expect(members.filter((c) => c.id === 'aws.suppressWrite')).toEqual([]);
    const reads = (account: string) =>
      members.filter((c) => c.id === 'aws.controlsRead' && c.scope.account?.includes(account));
    expect(reads(PAY_PROD).map((c) => c.status)).toEqual(['pass']);
    expect(reads(PAY_DEV)).toEqual([
      expect.objectContaining({
        status: 'warn',
        message: expect.stringContaining(
          'securityhub:BatchGetStandardsControlAssociations (nor securityhub:DescribeStandardsControls)',
        ),
      }),
    ]);
    // Nothing fails for the members (the administrator's own account has no member role here).
    expect(members.filter((c) => c.status === 'fail' && c.scope.account !== ADMIN)).toEqual([]);
  });

  it('shows a refused administrator role with the trust statement to add', async () => {
    const state = orgState() as unknown as {
      accounts: Record<string, { roles: Record<string, { externalId?: string }> }>;
    };
    const admin = state.accounts[ADMIN]?.roles.FsbpAdmin;
    if (admin) admin.externalId = 'another-external-id';
    emulator.setState(state as unknown as ReturnType<typeof orgState>);
    const { checks } = await doctor({
      ...base,
      organization: {
        ...base.organization,
        discover: { source: 'organizations', organizationsRoleArn: ORG_READER_ARN },
      },
    });
    expect(checks.find((c) => c.scope.as === 'administrator')).toMatchObject({
      id: 'aws.role',
      status: 'fail',
      message: expect.stringContaining(ADMIN_ROLE_ARN),
      snippet: expect.stringContaining('sts:AssumeRole'),
    });
  });

  it('reports a discovery AWS refuses as a failing check with its fix, not as a crash', async () => {
    const denied = {
      ...base,
      organization: {
        ...base.organization,
        discover: {
          source: 'organizations',
          organizationsRoleArn: `arn:aws:iam::${WEB}:role/${MEMBER_ROLE}`,
          externalId: 'member-ext-1',
        },
      },
    };
    const { checks } = await doctor(denied);
    expect(checks.find((c) => c.id === 'aws.discovery')).toMatchObject({
      status: 'fail',
      message: expect.stringContaining('organizations:ListRoots'),
      fix: expect.stringContaining('Organization mode'),
    });
  });
});
