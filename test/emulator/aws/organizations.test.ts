import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import { assume, CALLER, type Creds, clients, expectAwsError } from './test-helpers.ts';

const MGMT = '100000000000';
const DELEGATED = '100000000001';
const OUTSIDER = '300000000000';
const ORG = 'o-a1b2c3d4e5';
const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-aaaaaaa1';
const PROD_OU = 'ou-ab12-aaaaaaa2';
const SANDBOX = 'ou-ab12-aaaaaaa3';
const member = (i: number) => String(200000000000 + i);
const TAGGED = member(0);

function orgState(overrides: Partial<EmulatorState> = {}): EmulatorState {
  const role = { roles: { FsbpBotRole: {} } };
  const teams = Array.from({ length: 22 }, (_, i) => ({
    Id: `ou-ab12-team${String(i).padStart(4, '0')}`,
    Name: `team-${i}`,
    parentId: SANDBOX,
  }));
  return {
    caller: { accountId: '000000000000', ...CALLER },
    rateLimits: false,
    accounts: { [MGMT]: role, [DELEGATED]: role, [member(1)]: role, [OUTSIDER]: role },
    organization: {
      id: ORG,
      managementAccountId: MGMT,
      delegatedAdministrators: [DELEGATED],
      root: { id: ROOT, tags: { scope: 'root' } },
      organizationalUnits: [
        { Id: WORKLOADS, Name: 'Workloads', parentId: ROOT, tags: { tier: 'workloads' } },
        { Id: PROD_OU, Name: 'Prod', parentId: WORKLOADS },
        { Id: SANDBOX, Name: 'Sandbox', parentId: ROOT },
        ...teams,
      ],
      accounts: [
        { Id: MGMT, Name: 'management', Email: 'mgmt@example.com', parentId: ROOT, JoinedMethod: 'INVITED' },
        { Id: DELEGATED, Name: 'security', Email: 'sec@example.com', parentId: ROOT },
        ...Array.from({ length: 45 }, (_, i) => ({
          Id: member(i),
          Name: `member-${i}`,
          Email: `m${i}@example.com`,
          parentId: i < 30 ? PROD_OU : WORKLOADS,
          ...(i === 44 ? { State: 'SUSPENDED' as const } : {}),
          tags:
            i === 0
              ? Object.fromEntries(Array.from({ length: 25 }, (_, t) => [`k${t}`, `v${t}`]))
              : { team: i % 2 ? 'payments' : 'search' },
        })),
      ],
    },
    ...overrides,
  };
}

let em: AwsEmulator;
let mgmt: OrganizationsClient;
const orgs = (creds: Creds) => clients(em, creds).organizations;

beforeAll(async () => {
  em = await startAwsEmulator({ state: orgState(), port: 0 });
});
afterAll(async () => {
  await em.close();
});
beforeEach(async () => {
  em.setState(orgState());
  mgmt = orgs(await assume(em, MGMT));
});

/** Every page of a list call, with the number of calls it took. */
async function all<T>(fetch: (token?: string) => Promise<{ items: T[]; next?: string | undefined }>) {
  const items: T[] = [];
  let token: string | undefined;
  let calls = 0;
  do {
    const page = await fetch(token);
    calls += 1;
    items.push(...page.items);
    token = page.next;
  } while (token);
  return { items, calls };
}

describe('Organizations paging (MaxResults 1-20, NextToken)', () => {
  it('ListAccounts: 47 accounts in pages of 20 by default, each with its ARN, Paths, State and Status', async () => {
    const { items, calls } = await all(async (NextToken) => {
      const out = await mgmt.send(new ListAccountsCommand({ NextToken }));
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    expect(calls).toBe(3);
    expect(items).toHaveLength(47);
    expect(new Set(items.map((a) => a.Id)).size).toBe(47);
    expect(items[0]).toEqual({
      Id: MGMT,
      Arn: `arn:aws:organizations::${MGMT}:account/${ORG}/${MGMT}`,
      Name: 'management',
      Email: 'mgmt@example.com',
      State: 'ACTIVE',
      Status: 'ACTIVE',
      JoinedMethod: 'INVITED',
      JoinedTimestamp: new Date('2024-01-01T00:00:00Z'),
      Paths: [`${ORG}/${ROOT}/${MGMT}/`],
    });
    expect(items.find((a) => a.Id === member(3))?.Paths).toEqual([
      `${ORG}/${ROOT}/${WORKLOADS}/${PROD_OU}/${member(3)}/`,
    ]);
    expect(items.find((a) => a.Id === member(44))).toMatchObject({ State: 'SUSPENDED', Status: 'SUSPENDED' });
  });

  it('MaxResults sets the page size; outside 1-20 it is InvalidInputException with the reason', async () => {
    const { calls } = await all(async (NextToken) => {
      const out = await mgmt.send(new ListAccountsCommand({ NextToken, MaxResults: 7 }));
      expect((out.Accounts ?? []).length).toBeLessThanOrEqual(7);
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    expect(calls).toBe(7);
    const high = await expectAwsError(
      mgmt.send(new ListAccountsCommand({ MaxResults: 21 })),
      'InvalidInputException',
      400,
    );
    expect((high as Error & { Reason?: string }).Reason).toBe('MAX_VALUE_EXCEEDED');
    const low = await expectAwsError(
      mgmt.send(new ListAccountsCommand({ MaxResults: 0 })),
      'InvalidInputException',
      400,
    );
    expect((low as Error & { Reason?: string }).Reason).toBe('MIN_VALUE_EXCEEDED');
  });

  it('a NextToken only continues the request that produced it', async () => {
    const first = await mgmt.send(new ListAccountsForParentCommand({ ParentId: PROD_OU }));
    expect(first.NextToken).toBeTruthy();
    const err = await expectAwsError(
      mgmt.send(new ListAccountsForParentCommand({ ParentId: WORKLOADS, NextToken: first.NextToken })),
      'InvalidInputException',
      400,
    );
    expect((err as Error & { Reason?: string }).Reason).toBe('INVALID_NEXT_TOKEN');
    await expectAwsError(
      mgmt.send(new ListAccountsCommand({ NextToken: first.NextToken })),
      'InvalidInputException',
    );
    await expectAwsError(
      mgmt.send(new ListAccountsCommand({ NextToken: 'garbage' })),
      'InvalidInputException',
    );
  });

  it('ListAccountsForParent lists the direct children only; ListOrganizationalUnitsForParent pages OUs', async () => {
    const prod = await all(async (NextToken) => {
      const out = await mgmt.send(new ListAccountsForParentCommand({ ParentId: PROD_OU, NextToken }));
      return { items: out.Accounts ?? [], next: out.NextToken };
    });
    expect(prod.items).toHaveLength(30);
    expect(prod.calls).toBe(2);
    const workloads = await mgmt.send(new ListAccountsForParentCommand({ ParentId: WORKLOADS }));
    expect(workloads.Accounts?.map((a) => a.Id)).toEqual(
      Array.from({ length: 15 }, (_, i) => member(30 + i)),
    );
    const root = await mgmt.send(new ListAccountsForParentCommand({ ParentId: ROOT }));
    expect(root.Accounts?.map((a) => a.Id)).toEqual([MGMT, DELEGATED]);

    const top = await mgmt.send(new ListOrganizationalUnitsForParentCommand({ ParentId: ROOT }));
    expect(top.OrganizationalUnits).toEqual([
      {
        Id: WORKLOADS,
        Name: 'Workloads',
        Arn: `arn:aws:organizations::${MGMT}:ou/${ORG}/${WORKLOADS}`,
        Path: `${ORG}/${ROOT}/${WORKLOADS}/`,
      },
      expect.objectContaining({ Id: SANDBOX }),
    ]);
    const nested = await mgmt.send(new ListOrganizationalUnitsForParentCommand({ ParentId: WORKLOADS }));
    expect(nested.OrganizationalUnits?.map((o) => [o.Id, o.Path])).toEqual([
      [PROD_OU, `${ORG}/${ROOT}/${WORKLOADS}/${PROD_OU}/`],
    ]);
    const teams = await all(async (NextToken) => {
      const out = await mgmt.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: SANDBOX, NextToken }),
      );
      return { items: out.OrganizationalUnits ?? [], next: out.NextToken };
    });
    expect(teams).toMatchObject({ calls: 2 });
    expect(teams.items).toHaveLength(22);
    expect(
      (await mgmt.send(new ListOrganizationalUnitsForParentCommand({ ParentId: PROD_OU })))
        .OrganizationalUnits,
    ).toEqual([]);
  });

  it('ListRoots, ListParents and ListTagsForResource (pages of 20 tags)', async () => {
    const roots = await mgmt.send(new ListRootsCommand({}));
    expect(roots.Roots).toEqual([
      { Id: ROOT, Arn: `arn:aws:organizations::${MGMT}:root/${ORG}/${ROOT}`, Name: 'Root', PolicyTypes: [] },
    ]);
    expect((await mgmt.send(new ListParentsCommand({ ChildId: member(3) }))).Parents).toEqual([
      { Id: PROD_OU, Type: 'ORGANIZATIONAL_UNIT' },
    ]);
    expect((await mgmt.send(new ListParentsCommand({ ChildId: WORKLOADS }))).Parents).toEqual([
      { Id: ROOT, Type: 'ROOT' },
    ]);
    const tags = await all(async (NextToken) => {
      const out = await mgmt.send(new ListTagsForResourceCommand({ ResourceId: TAGGED, NextToken }));
      return { items: out.Tags ?? [], next: out.NextToken };
    });
    expect(tags.calls).toBe(2);
    expect(tags.items).toHaveLength(25);
    expect((await mgmt.send(new ListTagsForResourceCommand({ ResourceId: member(1) }))).Tags).toEqual([
      { Key: 'team', Value: 'payments' },
    ]);
    expect((await mgmt.send(new ListTagsForResourceCommand({ ResourceId: WORKLOADS }))).Tags).toEqual([
      { Key: 'tier', Value: 'workloads' },
    ]);
    expect((await mgmt.send(new ListTagsForResourceCommand({ ResourceId: ROOT }))).Tags).toEqual([
      { Key: 'scope', Value: 'root' },
    ]);
    expect((await mgmt.send(new ListTagsForResourceCommand({ ResourceId: PROD_OU }))).Tags).toEqual([]);
  });

  it('DescribeOrganization names the management account', async () => {
    const out = await mgmt.send(new DescribeOrganizationCommand({}));
    expect(out.Organization).toEqual({
      Id: ORG,
      Arn: `arn:aws:organizations::${MGMT}:organization/${ORG}`,
      FeatureSet: 'ALL',
      MasterAccountArn: `arn:aws:organizations::${MGMT}:account/${ORG}/${MGMT}`,
      MasterAccountId: MGMT,
      MasterAccountEmail: 'mgmt@example.com',
      AvailablePolicyTypes: [],
    });
  });
});

describe('Organizations errors', () => {
  it('unknown parents, children and targets; IDs of the wrong shape', async () => {
    await expectAwsError(
      mgmt.send(new ListAccountsForParentCommand({ ParentId: 'ou-ab12-zzzzzzzz' })),
      'ParentNotFoundException',
      400,
    );
    await expectAwsError(
      mgmt.send(new ListOrganizationalUnitsForParentCommand({ ParentId: 'r-zz99' })),
      'ParentNotFoundException',
    );
    const bad = await expectAwsError(
      mgmt.send(new ListAccountsForParentCommand({ ParentId: 'prod' })),
      'InvalidInputException',
    );
    expect((bad as Error & { Reason?: string }).Reason).toBe('INVALID_PATTERN');
    await expectAwsError(
      mgmt.send(new ListParentsCommand({ ChildId: '999999999999' })),
      'ChildNotFoundException',
    );
    await expectAwsError(
      mgmt.send(new ListTagsForResourceCommand({ ResourceId: '999999999999' })),
      'TargetNotFoundException',
    );
  });

  it('a member may describe the organization but not list it; the delegated administrator may list it', async () => {
    const memberClient = orgs(await assume(em, member(1)));
    expect((await memberClient.send(new DescribeOrganizationCommand({}))).Organization?.Id).toBe(ORG);
    const denied = await expectAwsError(
      memberClient.send(new ListAccountsCommand({})),
      'AccessDeniedException',
      400,
    );
    expect(denied.message).toBe("You don't have permissions to access this resource.");
    await expectAwsError(memberClient.send(new ListRootsCommand({})), 'AccessDeniedException');
    const delegated = orgs(await assume(em, DELEGATED));
    expect((await delegated.send(new ListAccountsCommand({ MaxResults: 20 }))).Accounts).toHaveLength(20);
    expect((await delegated.send(new ListRootsCommand({}))).Roots?.[0]?.Id).toBe(ROOT);
  });

  it('an account outside any organization gets AWSOrganizationsNotInUseException, so does everyone without one', async () => {
    const outsider = orgs(await assume(em, OUTSIDER));
    await expectAwsError(
      outsider.send(new DescribeOrganizationCommand({})),
      'AWSOrganizationsNotInUseException',
      400,
    );
    await expectAwsError(outsider.send(new ListAccountsCommand({})), 'AWSOrganizationsNotInUseException');
    const { organization: _gone, ...without } = orgState();
    em.setState(without);
    await expectAwsError(mgmt.send(new ListAccountsCommand({})), 'AWSOrganizationsNotInUseException');
  });

  it('throttling is TooManyRequestsException; a signature for another Region than us-east-1 is refused', async () => {
    em.setState(orgState({ rateLimits: { 'organizations:*': { rate: 1, burst: 2 } } }));
    const client = orgs(await assume(em, MGMT));
    await client.send(new ListRootsCommand({}));
    await client.send(new ListRootsCommand({}));
    await expectAwsError(client.send(new ListRootsCommand({})), 'TooManyRequestsException', 400);
    const tokyo = new OrganizationsClient({
      endpoint: em.url,
      region: 'ap-northeast-1',
      credentials: await assume(em, MGMT),
      maxAttempts: 1,
    });
    const err = await expectAwsError(tokyo.send(new ListRootsCommand({})), 'InvalidSignatureException', 400);
    expect(err.message).toContain("not 'ap-northeast-1'");
  });

  it('the SDK reaches it through AWS_ENDPOINT_URL_ORGANIZATIONS, calls logged as organizations/us-east-1', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;
    process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = em.url;
    try {
      const client = new OrganizationsClient({ region: 'us-east-1', credentials: await assume(em, MGMT) });
      em.resetCalls();
      expect((await client.send(new ListRootsCommand({}))).Roots).toHaveLength(1);
      expect(em.calls()).toEqual([
        expect.objectContaining({
          service: 'organizations',
          operation: 'ListRoots',
          region: 'us-east-1',
          accountId: MGMT,
        }),
      ]);
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_ORGANIZATIONS;
      else process.env.AWS_ENDPOINT_URL_ORGANIZATIONS = saved;
    }
  });

  it('the state is validated: unknown parents, cycles and a management account outside the accounts', async () => {
    const state = orgState();
    const org = state.organization;
    if (!org) throw new Error('no organization');
    org.organizationalUnits = [
      { Id: 'ou-ab12-cccccccc', Name: 'a', parentId: 'ou-ab12-dddddddd' },
      { Id: 'ou-ab12-dddddddd', Name: 'b', parentId: 'ou-ab12-cccccccc' },
    ];
    org.managementAccountId = '555555555555';
    expect(() => em.setState(state)).toThrow(
      /cycle of OUs[\s\S]*managementAccountId[\s\S]*|managementAccountId[\s\S]*cycle/,
    );
  });
});
