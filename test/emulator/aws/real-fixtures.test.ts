// Real AWS payloads (shared/fixtures/real, beside the repository) through the emulator and the real SDK clients.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
} from '@aws-sdk/client-organizations';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingAggregatorCommand,
  GetFindingsCommand,
  ListFindingAggregatorsCommand,
  ListMembersCommand,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import { assume, CALLER, clients } from './test-helpers.ts';

const FIXTURES = new URL('../../../../shared/fixtures/real/', import.meta.url);
const exists = existsSync(FIXTURES);
if (!exists) {
  console.warn(
    `[aws-emulator] real fixtures not found at ${FIXTURES.pathname}: skipping the real-fixture tests` +
      (process.env.CI === 'true' ? ' (but not the organization and administrator ones: CI=true)' : ''),
  );
}

type Json = Record<string, unknown>;
const readJson = (rel: string) => JSON.parse(readFileSync(new URL(rel, FIXTURES), 'utf8')) as unknown;

/** placebo {"__class__":"datetime", year, month, ...} (UTC) -> ISO string, recursively. */
function isoDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(isoDates);
  if (value && typeof value === 'object') {
    const o = value as Json;
    if (o.__class__ === 'datetime') {
      const n = (k: string) => Number(o[k] ?? 0);
      return new Date(
        Date.UTC(
          n('year'),
          n('month') - 1,
          n('day'),
          n('hour'),
          n('minute'),
          n('second'),
          Math.round(n('microsecond') / 1000),
        ),
      ).toISOString();
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isoDates(v)]));
  }
  return value;
}

/** ISO strings of the given keys -> Date, recursively (what the SDK returns for JSON 1.1 timestamps). */
function asDates(value: unknown, keys: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => asDates(v, keys));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Json).map(([k, v]) => [
        k,
        keys.has(k) && typeof v === 'string' ? new Date(v) : asDates(v, keys),
      ]),
    );
  }
  return value;
}

const emptyState = (): EmulatorState => ({
  caller: { accountId: '000000000000', ...CALLER },
  rateLimits: false,
  accounts: {},
});

describe.skipIf(!exists)('real Security Hub findings (shared/fixtures/real/securityhub)', () => {
  let em: AwsEmulator;
  const files = exists
    ? readdirSync(new URL('securityhub/', FIXTURES)).filter((f) => f.endsWith('.json'))
    : [];
  const findings = files.flatMap((f) => readJson(`securityhub/${f}`) as Json[]);
  const MASKED = 'XXXXXXXXXXX';
  const STAND_IN = '333333333333';
  // The masked 11-character account of one fixture is not a valid account ID; a 12-digit stand-in replaces it.
  const importable = findings.map((f) =>
    f.AwsAccountId === MASKED ? (JSON.parse(JSON.stringify(f).replaceAll(MASKED, STAND_IN)) as Json) : f,
  );
  const scope = (f: Json) => ({
    account: String(f.AwsAccountId),
    region: String(f.ProductArn).split(':')[3] ?? '',
  });

  beforeAll(async () => {
    const accounts: NonNullable<EmulatorState['accounts']> = {};
    for (const f of importable) {
      const { account, region } = scope(f);
      const acct = accounts[account] ?? { roles: { FsbpBotRole: {} }, regions: {} };
      acct.regions = { ...acct.regions, [region]: {} };
      accounts[account] = acct;
    }
    const state = { ...emptyState(), accounts };
    em = await startAwsEmulator({ state, port: 0 });
  });
  afterAll(async () => {
    await em.close();
  });

  it(`imports all ${findings.length} findings with BatchImportFindings and GetFindings returns each unchanged`, async () => {
    expect(findings.length).toBeGreaterThanOrEqual(28);
    const groups = new Map<string, Json[]>();
    for (const f of importable) {
      const { account, region } = scope(f);
      groups.set(`${account}/${region}`, [...(groups.get(`${account}/${region}`) ?? []), f]);
    }
    for (const [key, group] of groups) {
      const [account = '', region = ''] = key.split('/');
      const { sh } = clients(em, await assume(em, account, { region }), region);
      const out = await sh.send(
        new BatchImportFindingsCommand({ Findings: group as unknown as AwsSecurityFinding[] }),
      );
      expect(out.FailedFindings).toEqual([]);
      expect(out.SuccessCount).toBe(group.length);
      for (const f of group) {
        const got = await sh.send(
          new GetFindingsCommand({ Filters: { Id: [{ Value: String(f.Id), Comparison: 'EQUALS' }] } }),
        );
        expect(got.Findings).toHaveLength(1);
        expect(got.Findings?.[0]).toEqual(withoutUnmodeledMembers(f));
        // The emulator stores exactly what the SDK sent.
        const stored = em
          .getState()
          .accounts?.[account]?.regions?.[region]?.findings?.find((x) => x.Id === f.Id);
        expect(got.Findings?.[0]).toEqual(stored);
      }
    }
  });

  it('refuses the masked 11-character account ID (real AWS requires 12 digits)', async () => {
    const masked = findings.filter((f) => f.AwsAccountId === MASKED);
    expect(masked.length).toBeGreaterThan(0);
    const { sh } = clients(em, await assume(em, STAND_IN, { region: 'us-east-1' }), 'us-east-1');
    const out = await sh.send(
      new BatchImportFindingsCommand({ Findings: masked as unknown as AwsSecurityFinding[] }),
    );
    expect(out.FailedCount).toBe(masked.length);
    expect(out.FailedFindings?.map((f) => f.ErrorCode)).toEqual(masked.map(() => 'InvalidInput'));
  });
});

/**
 * The SDK serializes only members of its model. One AWS docs sample carries
 * FindingProviderFields.Severity.Normalized, which the model does not have, so it never reaches AWS.
 */
function withoutUnmodeledMembers(f: Json): Json {
  const copy = structuredClone(f);
  const sev = (copy.FindingProviderFields as Json | undefined)?.Severity as Json | undefined;
  if (sev) delete sev.Normalized;
  return copy;
}

describe.skipIf(!exists)('real Config responses (shared/fixtures/real/config, c7n placebo)', () => {
  let em: AwsEmulator;
  const dir = 'config/describe_config_rules__paginated__c7n-placebo/';
  const pages = exists
    ? readdirSync(new URL(dir, FIXTURES))
        .filter((f) => f.endsWith('.json'))
        .sort((a, b) => Number(/_(\d+)\.json$/.exec(a)?.[1]) - Number(/_(\d+)\.json$/.exec(b)?.[1]))
        .map(
          (f) =>
            isoDates((readJson(dir + f) as { data: Json }).data) as {
              ConfigRules: Json[];
              NextToken?: string;
            },
        )
    : [];
  const rules = pages.flatMap((p) => p.ConfigRules);
  const ACCOUNT = '644160558196';
  const compliance = exists
    ? (isoDates(
        (
          readJson(
            'config/get_compliance_details_by_config_rule__securityhub-cloud-trail-encryption-enabled__c7n-placebo.json',
          ) as {
            data: Json;
          }
        ).data,
      ) as { EvaluationResults: Json[] })
    : { EvaluationResults: [] };
  const statuses = exists
    ? (isoDates(
        (
          readJson('config/describe_config_rule_evaluation_status__custodian-rules__c7n-placebo.json') as {
            data: Json;
          }
        ).data,
      ) as { ConfigRulesEvaluationStatus: Json[] })
    : { ConfigRulesEvaluationStatus: [] };
  const TRAIL_RULE = 'securityhub-cloud-trail-encryption-enabled-dadfg6';

  beforeAll(async () => {
    const state = emptyState();
    const useast2Rules = statuses.ConfigRulesEvaluationStatus.map((s) => ({
      ConfigRuleName: String(s.ConfigRuleName),
      ConfigRuleArn: String(s.ConfigRuleArn),
      ConfigRuleId: String(s.ConfigRuleId),
      Source: {
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: `arn:aws:lambda:us-east-2:${ACCOUNT}:function:custodian`,
      },
    }));
    const evaluationStatus = Object.fromEntries(
      statuses.ConfigRulesEvaluationStatus.map(
        ({ ConfigRuleName, ConfigRuleArn: _a, ConfigRuleId: _i, ...rest }) => [String(ConfigRuleName), rest],
      ),
    );
    state.accounts = {
      [ACCOUNT]: {
        roles: { FsbpBotRole: {} },
        regions: {
          'us-east-1': {
            configRules: [
              ...(rules as never[]),
              {
                ConfigRuleName: TRAIL_RULE,
                Source: { Owner: 'AWS', SourceIdentifier: 'CLOUD_TRAIL_ENCRYPTION_ENABLED' },
              },
            ],
            evaluations: { [TRAIL_RULE]: compliance.EvaluationResults as never[] },
          },
          'us-east-2': { configRules: useast2Rules, evaluationStatus: evaluationStatus as never },
        },
      },
    };
    em = await startAwsEmulator({ state, port: 0 });
  });
  afterAll(async () => {
    await em.close();
  });

  it('DescribeConfigRules returns the same rules in the same shape across the same pages', async () => {
    expect(pages).toHaveLength(8);
    expect(rules.filter((r) => r.CreatedBy === 'securityhub.amazonaws.com').length).toBe(90);
    const { config } = clients(em, await assume(em, ACCOUNT, { region: 'us-east-1' }), 'us-east-1');
    let token: string | undefined;
    for (const page of pages) {
      const out = await config.send(
        new DescribeConfigRulesCommand({ ...(token ? { NextToken: token } : {}) }),
      );
      const last = page === pages.at(-1);
      const expected = last
        ? [...page.ConfigRules, expect.objectContaining({ ConfigRuleName: TRAIL_RULE })]
        : page.ConfigRules;
      expect(out.ConfigRules).toEqual(expected);
      token = out.NextToken;
      expect(Boolean(token)).toBe(!last);
    }
  });

  it('GetComplianceDetailsByConfigRule emits the recorded results with their timestamps', async () => {
    const { config } = clients(em, await assume(em, ACCOUNT, { region: 'us-east-1' }), 'us-east-1');
    const out = await config.send(
      new GetComplianceDetailsByConfigRuleCommand({ ConfigRuleName: TRAIL_RULE }),
    );
    const keys = new Set(['OrderingTimestamp', 'ResultRecordedTime', 'ConfigRuleInvokedTime']);
    expect(out.EvaluationResults).toEqual(asDates(compliance.EvaluationResults, keys));
  });

  it('DescribeConfigRuleEvaluationStatus emits the recorded statuses with their timestamps', async () => {
    const { config } = clients(em, await assume(em, ACCOUNT, { region: 'us-east-2' }), 'us-east-2');
    const out = await config.send(new DescribeConfigRuleEvaluationStatusCommand({}));
    const keys = new Set([
      'LastSuccessfulInvocationTime',
      'LastSuccessfulEvaluationTime',
      'FirstActivatedTime',
    ]);
    expect(out.ConfigRulesEvaluationStatus).toEqual(asDates(statuses.ConfigRulesEvaluationStatus, keys));
  });
});

/** The organization and administrator fixtures are required in CI; elsewhere a missing ../shared skips them. */
const skipAdminFixtures = !exists && process.env.CI !== 'true';

/** JSON 1.1 epoch seconds as the SDK parses them. */
const fromEpoch = (seconds: number) => new Date(Math.round(seconds * 1000));

describe.skipIf(skipAdminFixtures)(
  'real Organizations responses (AWS CLI examples, shared/fixtures/real/organizations)',
  () => {
    let em: AwsEmulator;
    type Account = Json & { Id: string; JoinedTimestamp: number };
    const read = (name: string) => readJson(`organizations/${name}`) as Json;
    const accounts = () => read('list_accounts__aws-cli-example.json').Accounts as Account[];
    const forParent = () => read('list_accounts_for_parent__aws-cli-example.json').Accounts as Account[];
    const units = () =>
      read('list_organizational_units_for_parent__aws-cli-example.json').OrganizationalUnits as Json[];
    const parents = () =>
      read('list_parents__aws-cli-example.json').Parents as { Id: string; Type: string }[];
    const MGMT = '111111111111';
    const ROOT = 'r-examplerootid111';
    // The CLI example leaves out each OU's Id; it is the last part of its ARN.
    const unitId = (ou: Json) => String(ou.Arn).split('/').at(-1) ?? '';
    const withDates = (a: Account) => ({ ...a, JoinedTimestamp: fromEpoch(a.JoinedTimestamp) });

    beforeAll(async () => {
      const parentOu = parents()[0]?.Id ?? '';
      const underOu = new Set(forParent().map((a) => a.Id));
      em = await startAwsEmulator({
        port: 0,
        state: {
          ...emptyState(),
          accounts: { [MGMT]: { roles: { FsbpBotRole: {} } } },
          organization: {
            id: 'o-exampleorgid',
            managementAccountId: MGMT,
            root: { id: ROOT },
            organizationalUnits: units().map((ou) => ({
              ...ou,
              Id: unitId(ou),
              Name: String(ou.Name),
              parentId: ROOT,
            })),
            accounts: accounts().map(
              (a) => ({ ...a, parentId: underOu.has(a.Id) ? parentOu : ROOT }) as never,
            ),
          },
        },
      });
    });
    afterAll(async () => {
      await em.close();
    });

    it('ListAccounts, ListAccountsForParent, ListOrganizationalUnitsForParent and ListParents answer as AWS documents them', async () => {
      const { organizations } = clients(em, await assume(em, MGMT, { region: 'us-east-1' }), 'us-east-1');
      const listed = await organizations.send(new ListAccountsCommand({}));
      expect(listed.Accounts).toEqual(accounts().map(withDates));
      const parentOu = parents()[0]?.Id ?? '';
      const children = await organizations.send(new ListAccountsForParentCommand({ ParentId: parentOu }));
      expect(children.Accounts).toEqual(forParent().map(withDates));
      const ous = await organizations.send(new ListOrganizationalUnitsForParentCommand({ ParentId: ROOT }));
      // The SDK's model has gained each OU's Path since the example was written.
      expect(ous.OrganizationalUnits).toEqual(
        units().map((ou) => ({ ...ou, Id: unitId(ou), Path: expect.any(String) })),
      );
      const child = forParent()[0]?.Id ?? '';
      expect((await organizations.send(new ListParentsCommand({ ChildId: child }))).Parents).toEqual(
        parents(),
      );
    });
  },
);

describe.skipIf(skipAdminFixtures)(
  'real Security Hub administrator responses (AWS CLI examples, shared/fixtures/real/securityhub-admin)',
  () => {
    let em: AwsEmulator;
    const read = (name: string) => readJson(`securityhub-admin/${name}`) as Json;
    const members = () =>
      read('list_members__aws-cli-example__syntax-repaired.json').Members as (Json & { AccountId: string })[];
    const aggregator = () =>
      read('get_finding_aggregator__aws-cli-example.json') as {
        FindingAggregatorArn: string;
        FindingAggregationRegion: string;
        RegionLinkingMode: string;
        Regions: string;
      };
    const REGION = 'us-east-1';
    const hubAccount = { roles: { FsbpBotRole: {} }, regions: { [REGION]: {} } };

    beforeAll(async () => {
      em = await startAwsEmulator({ port: 0, state: emptyState() });
    });
    afterAll(async () => {
      await em.close();
    });

    it('ListMembers returns the documented members (ASSOCIATED counts as associated)', async () => {
      const admin = String(members()[0]?.AdministratorId);
      em.setState({
        ...emptyState(),
        accounts: { [admin]: hubAccount },
        securityHubAdmin: { administratorAccountId: admin, members: members() as never },
      });
      const { sh } = clients(em, await assume(em, admin, { region: REGION }), REGION);
      const out = await sh.send(new ListMembersCommand({}));
      expect(out.Members).toEqual(
        members().map((m) => ({
          ...m,
          InvitedAt: new Date(String(m.InvitedAt)),
          UpdatedAt: new Date(String(m.UpdatedAt)),
        })),
      );
    });

    it("GetFindingAggregator and ListFindingAggregators in the API model's shapes (the CLI examples are not)", async () => {
      const documented = aggregator();
      const [, , , , admin = '', resource = ''] = documented.FindingAggregatorArn.split(':');
      em.setState({
        ...emptyState(),
        accounts: { [admin]: hubAccount },
        securityHubAdmin: {
          administratorAccountId: admin,
          findingAggregator: {
            id: resource.split('/')[1] ?? '',
            region: documented.FindingAggregationRegion,
            regionLinkingMode: documented.RegionLinkingMode as 'SPECIFIED_REGIONS',
            regions: documented.Regions.split(','),
          },
        },
      });
      const { sh } = clients(em, await assume(em, admin, { region: REGION }), REGION);
      const got = await sh.send(
        new GetFindingAggregatorCommand({ FindingAggregatorArn: documented.FindingAggregatorArn }),
      );
      // The example prints Regions as one comma-joined string; the model (and the SDK) has a list.
      const { $metadata: _m, ...fields } = got;
      expect(fields).toEqual({ ...documented, Regions: documented.Regions.split(',') });
      // The example lacks the FindingAggregators wrapper the model has (PROVENANCE.md).
      const listed = await sh.send(new ListFindingAggregatorsCommand({}));
      expect(listed.FindingAggregators).toEqual([read('list_finding_aggregators__aws-cli-example.json')]);
    });
  },
);
