import {
  type AwsSecurityFinding,
  BatchUpdateFindingsCommand,
  GetFindingAggregatorCommand,
  GetFindingsCommand,
  ListFindingAggregatorsCommand,
  ListMembersCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState, Finding } from './state.ts';
import { asff, assume, CALLER, clients, expectAwsError } from './test-helpers.ts';

const ADMIN = '500000000000';
const A = '600000000001';
const B = '600000000002';
const REMOVED = '600000000003';
const HOME = 'us-east-1';
const LINKED = ['us-west-2', 'eu-west-1'];
const UNLINKED = 'ap-northeast-1';
const REGIONS = [HOME, ...LINKED, UNLINKED];
const AGGREGATOR_ID = '123e4567-e89b-12d3-a456-426652340000';
const AGGREGATOR_ARN = `arn:aws:securityhub:${HOME}:${ADMIN}:finding-aggregator/${AGGREGATOR_ID}`;

/** Two findings per account and Region, numbered so each is unique. */
function state(): EmulatorState {
  const account = (index: number) => ({
    roles: { FsbpBotRole: {} },
    regions: Object.fromEntries(
      REGIONS.map((region, r) => [
        region,
        {
          findings: [0, 1].map(
            (k) => asff(ACCOUNTS[index] ?? '', region, index * 100 + r * 10 + k) as unknown as Finding,
          ),
        },
      ]),
    ),
  });
  return {
    caller: { accountId: '000000000000', ...CALLER },
    rateLimits: false,
    accounts: Object.fromEntries(ACCOUNTS.map((id, i) => [id, account(i)])),
    securityHubAdmin: {
      administratorAccountId: ADMIN,
      members: [
        {
          AccountId: A,
          Email: 'a@example.com',
          InvitedAt: '2025-01-01T00:00:00Z',
          UpdatedAt: '2025-01-02T00:00:00Z',
        },
        { AccountId: B, MemberStatus: 'Enabled' },
        { AccountId: REMOVED, MemberStatus: 'Removed' },
      ],
      findingAggregator: {
        id: AGGREGATOR_ID,
        region: HOME,
        regionLinkingMode: 'SPECIFIED_REGIONS',
        regions: LINKED,
      },
    },
  };
}
const ACCOUNTS = [ADMIN, A, B, REMOVED];

let em: AwsEmulator;
beforeAll(async () => {
  em = await startAwsEmulator({ state: state(), port: 0 });
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.setState(state());
});

const hub = async (account: string, region: string) =>
  clients(em, await assume(em, account, { region }), region).sh;

async function everything(sh: SecurityHubClient, MaxResults = 100) {
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await sh.send(new GetFindingsCommand({ MaxResults, NextToken: token }));
    pages += 1;
    out.push(...(page.Findings ?? []));
    token = page.NextToken;
  } while (token);
  return { findings: out, pages };
}

const scopes = (findings: AwsSecurityFinding[]) =>
  [...new Set(findings.map((f) => `${f.AwsAccountId} ${f.Region}`))].sort();
const expected = (accounts: string[], regions: string[]) =>
  accounts.flatMap((a) => regions.map((r) => `${a} ${r}`)).sort();

describe('administrator and members (ListMembers)', () => {
  it('lists the associated members by default, all with OnlyAssociated=false, pages of MaxResults 1-50', async () => {
    const sh = await hub(ADMIN, HOME);
    const associated = await sh.send(new ListMembersCommand({}));
    expect(associated.Members).toEqual([
      {
        AccountId: A,
        Email: 'a@example.com',
        MemberStatus: 'ENABLED',
        InvitedAt: new Date('2025-01-01T00:00:00Z'),
        UpdatedAt: new Date('2025-01-02T00:00:00Z'),
        AdministratorId: ADMIN,
        MasterId: ADMIN,
      },
      { AccountId: B, MemberStatus: 'Enabled', AdministratorId: ADMIN, MasterId: ADMIN },
    ]);
    expect(associated.NextToken).toBeUndefined();
    const all = await sh.send(new ListMembersCommand({ OnlyAssociated: false }));
    expect(all.Members?.map((m) => m.AccountId)).toEqual([A, B, REMOVED]);
    const first = await sh.send(new ListMembersCommand({ OnlyAssociated: false, MaxResults: 2 }));
    expect(first.Members).toHaveLength(2);
    const second = await sh.send(
      new ListMembersCommand({ OnlyAssociated: false, MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.Members?.map((m) => m.AccountId)).toEqual([REMOVED]);
    expect(second.NextToken).toBeUndefined();
    await expectAwsError(
      sh.send(new ListMembersCommand({ MaxResults: 2, NextToken: first.NextToken })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(sh.send(new ListMembersCommand({ MaxResults: 51 })), 'InvalidInputException', 400);
  });

  it('a member has no members', async () => {
    expect((await (await hub(A, HOME)).send(new ListMembersCommand({}))).Members).toEqual([]);
  });
});

describe('cross-Region aggregation (ListFindingAggregators, GetFindingAggregator)', () => {
  it('the administrator sees its aggregator from any Region; the Regions come back as a list', async () => {
    for (const region of [HOME, UNLINKED]) {
      const out = await (await hub(ADMIN, region)).send(new ListFindingAggregatorsCommand({}));
      expect(out.FindingAggregators).toEqual([{ FindingAggregatorArn: AGGREGATOR_ARN }]);
    }
    const sh = await hub(ADMIN, HOME);
    expect(
      await sh.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: AGGREGATOR_ARN })),
    ).toMatchObject({
      FindingAggregatorArn: AGGREGATOR_ARN,
      FindingAggregationRegion: HOME,
      RegionLinkingMode: 'SPECIFIED_REGIONS',
      Regions: LINKED,
    });
    await expectAwsError(
      sh.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: `${AGGREGATOR_ARN}0` })),
      'ResourceNotFoundException',
      404,
    );
    await expectAwsError(
      sh.send(new ListFindingAggregatorsCommand({ MaxResults: 101 })),
      'InvalidInputException',
    );
  });

  it('a member has none', async () => {
    const sh = await hub(A, HOME);
    expect((await sh.send(new ListFindingAggregatorsCommand({}))).FindingAggregators).toEqual([]);
    await expectAwsError(
      sh.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: AGGREGATOR_ARN })),
      'ResourceNotFoundException',
    );
  });
});

describe('GetFindings through the administrator', () => {
  it('in the home Region: the administrator and its associated members, home and linked Regions, each finding with its own Region', async () => {
    const { findings, pages } = await everything(await hub(ADMIN, HOME), 5);
    expect(scopes(findings)).toEqual(expected([ADMIN, A, B], [HOME, ...LINKED]));
    expect(findings).toHaveLength(3 * 3 * 2);
    expect(pages).toBe(4);
    for (const f of findings) expect(f.Id).toContain(`:${f.Region}:${f.AwsAccountId}:`);
    // A filter on the account reads one member only, across the Regions.
    const sh = await hub(ADMIN, HOME);
    const onlyA = await sh.send(
      new GetFindingsCommand({ Filters: { AwsAccountId: [{ Value: A, Comparison: 'EQUALS' }] } }),
    );
    expect(scopes(onlyA.Findings ?? [])).toEqual(expected([A], [HOME, ...LINKED]));
  });

  it('in another Region: the administrator reads its members there, nothing aggregated', async () => {
    const { findings } = await everything(await hub(ADMIN, UNLINKED));
    expect(scopes(findings)).toEqual(expected([ADMIN, A, B], [UNLINKED]));
  });

  it('a member sees only its own findings: aggregated in the home Region, one Region elsewhere', async () => {
    expect(scopes((await everything(await hub(A, HOME))).findings)).toEqual(expected([A], [HOME, ...LINKED]));
    expect(scopes((await everything(await hub(A, 'us-west-2'))).findings)).toEqual(
      expected([A], ['us-west-2']),
    );
    // A member that is not associated takes no part in the aggregation.
    expect(scopes((await everything(await hub(REMOVED, HOME))).findings)).toEqual(
      expected([REMOVED], [HOME]),
    );
  });
});

describe('BatchUpdateFindings through the administrator', () => {
  const idOf = (account: string, region: string, k = 0) =>
    asff(account, region, ACCOUNTS.indexOf(account) * 100 + REGIONS.indexOf(region) * 10 + k);

  it("the administrator updates a member's finding of a linked Region from the home Region; the member sees it in that Region", async () => {
    const target = idOf(A, 'us-west-2');
    const out = await (await hub(ADMIN, HOME)).send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: target.Id, ProductArn: target.ProductArn }],
        Workflow: { Status: 'SUPPRESSED' },
        Note: { Text: 'accepted risk', UpdatedBy: 'fsbp-bot/U1' },
      }),
    );
    expect(out.ProcessedFindings).toEqual([{ Id: target.Id, ProductArn: target.ProductArn }]);
    expect(out.UnprocessedFindings).toEqual([]);
    const seen = await (await hub(A, 'us-west-2')).send(
      new GetFindingsCommand({ Filters: { Id: [{ Value: target.Id, Comparison: 'EQUALS' }] } }),
    );
    expect(seen.Findings?.[0]).toMatchObject({
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'accepted risk', UpdatedBy: 'fsbp-bot/U1' },
      Region: 'us-west-2',
    });
  });

  it("a member may not update another account's finding: it comes back unprocessed and stays unchanged", async () => {
    const other = idOf(B, HOME);
    const own = idOf(A, HOME);
    const out = await (await hub(A, HOME)).send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [
          { Id: other.Id, ProductArn: other.ProductArn },
          { Id: own.Id, ProductArn: own.ProductArn },
        ],
        Workflow: { Status: 'SUPPRESSED' },
      }),
    );
    expect(out.ProcessedFindings).toEqual([{ Id: own.Id, ProductArn: own.ProductArn }]);
    expect(out.UnprocessedFindings).toEqual([
      {
        FindingIdentifier: { Id: other.Id, ProductArn: other.ProductArn },
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      },
    ]);
    const stored = em
      .getState()
      .accounts?.[B]?.regions?.[HOME]?.findings?.find(
        (f) => f.Id === other.Id,
      ) as unknown as AwsSecurityFinding;
    expect(stored.Workflow?.Status).toBe('NEW');
  });

  it('outside the home Region the administrator reaches only that Region', async () => {
    const linked = idOf(A, 'us-west-2');
    const out = await (await hub(ADMIN, UNLINKED)).send(
      new BatchUpdateFindingsCommand({
        FindingIdentifiers: [{ Id: linked.Id, ProductArn: linked.ProductArn }],
        Workflow: { Status: 'NOTIFIED' },
      }),
    );
    expect(out.UnprocessedFindings?.map((u) => u.ErrorCode)).toEqual(['FindingNotFound']);
  });
});

describe('POST /_emulator/findings (bulk findings for benchmarks)', () => {
  const post = (body: unknown) =>
    fetch(`${em.url}/_emulator/findings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("appends findings to an account's Region; the administrator reads them in the home Region", async () => {
    const findings = Array.from({ length: 250 }, (_, i) => asff(B, 'eu-west-1', 10_000 + i));
    const res = await post({ accountId: B, region: 'eu-west-1', findings });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ added: 250, total: 252 });
    const { findings: read } = await everything(await hub(ADMIN, HOME));
    expect(read).toHaveLength(18 + 250);
  });

  it('refuses duplicates, findings of another account and unknown Regions, adding nothing', async () => {
    const one = asff(B, 'eu-west-1', 20_000);
    expect((await post({ accountId: B, region: 'eu-west-1', findings: [one, one] })).status).toBe(400);
    expect((await post({ accountId: A, region: 'eu-west-1', findings: [one] })).status).toBe(400);
    expect((await post({ accountId: B, region: 'sa-east-1', findings: [one] })).status).toBe(400);
    expect(em.getState().accounts?.[B]?.regions?.['eu-west-1']?.findings).toHaveLength(2);
  });
});
