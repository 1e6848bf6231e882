// AWS's own CLI examples of the control APIs (shared/fixtures/real/securityhub-admin, beside the
// repository) put into the emulator's state and read back through the real Security Hub client.
import { existsSync, readFileSync } from 'node:fs';
import {
  BatchGetSecurityControlsCommand,
  DescribeStandardsControlsCommand,
  GetSecurityControlDefinitionCommand,
  ListSecurityControlDefinitionsCommand,
  ListStandardsControlAssociationsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import { CALLER, clients } from './test-helpers.ts';

const FIXTURES = new URL('../../../../shared/fixtures/real/securityhub-admin/', import.meta.url);
const exists = existsSync(FIXTURES);
if (!exists) {
  console.warn(
    `[aws-emulator] real fixtures not found at ${FIXTURES.pathname}: skipping the control-API fixture tests`,
  );
}

type Json = Record<string, unknown>;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Json;
/** The examples' account (AWS's placeholder). */
const ACCOUNT = '123456789012';
const FSBP = (region: string) =>
  `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`;

/** The given keys' ISO strings as Dates: what the SDK returns for REST-JSON timestamps. */
function withDates(value: Json, keys: readonly string[]): Json {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, keys.includes(k) && typeof v === 'string' ? new Date(v) : v]),
  );
}

/** One account and Region, Security Hub on, with the given standards and definitions only. */
function stateFor(
  region: string,
  regionState: Json,
  definitions: Json[],
  extra: Partial<EmulatorState> = {},
): EmulatorState {
  return {
    caller: { accountId: ACCOUNT, ...CALLER },
    rateLimits: false,
    accounts: { [ACCOUNT]: { regions: { [region]: regionState } } },
    controlDefinitions: { fromCatalog: false, add: definitions as never },
    ...extra,
  };
}

describe.skipIf(!exists)('AWS CLI examples of the control APIs round-trip through the SDK', () => {
  let em: AwsEmulator;
  const sh = (region: string): SecurityHubClient => clients(em, CALLER, region).sh;
  beforeAll(async () => {
    em = await startAwsEmulator({ state: stateFor('us-east-1', {}, []), port: 0 });
  });
  afterAll(async () => {
    await em.close();
  });

  it('list_security_control_definitions (all): the first page of three, with a token for more', async () => {
    const example = fixture('list_security_control_definitions__all__aws-cli-example.json');
    const listed = example.SecurityControlDefinitions as Json[];
    const more = fixture('list_security_control_definitions__by-standard__aws-cli-example.json')
      .SecurityControlDefinitions as Json[];
    em.setState(stateFor('us-east-1', {}, [...listed, ...more]));
    const page = await sh('us-east-1').send(new ListSecurityControlDefinitionsCommand({ MaxResults: 3 }));
    expect(page.SecurityControlDefinitions).toEqual(listed);
    expect(page.NextToken).toEqual(expect.any(String));
  });

  it('list_security_control_definitions (by standard): FSBP’s first three', async () => {
    const example = fixture('list_security_control_definitions__by-standard__aws-cli-example.json');
    const listed = example.SecurityControlDefinitions as Json[];
    const others = fixture('list_security_control_definitions__all__aws-cli-example.json')
      .SecurityControlDefinitions as Json[];
    // Definitions come in ID order: the other example's ACM.* ones are renamed to come after CloudTrail.*.
    em.setState(
      stateFor('us-east-1', {}, [
        ...listed,
        ...others.map((d) => ({ ...d, SecurityControlId: `Zz${d.SecurityControlId}` })),
      ]),
    );
    const page = await sh('us-east-1').send(
      new ListSecurityControlDefinitionsCommand({ StandardsArn: FSBP('us-east-1'), MaxResults: 3 }),
    );
    expect(page.SecurityControlDefinitions).toEqual(listed);
    expect(page.NextToken).toEqual(expect.any(String));
  });

  it('get_security_control_definition (ACM.1): with its parameter definitions', async () => {
    const example = fixture('get_security_control_definition__acm.1__aws-cli-example.json');
    em.setState(stateFor('us-east-1', {}, [example.SecurityControlDefinition as Json]));
    const out = await sh('us-east-1').send(
      new GetSecurityControlDefinitionCommand({ SecurityControlId: 'ACM.1' }),
    );
    expect(out.SecurityControlDefinition).toEqual(example.SecurityControlDefinition);
  });

  it('batch_get_security_controls: a custom parameter and a control without parameters', async () => {
    const example = fixture('batch_get_security_controls__aws-cli-example__syntax-repaired.json');
    const controls = example.SecurityControls as Json[];
    const definition = fixture('get_security_control_definition__acm.1__aws-cli-example.json')
      .SecurityControlDefinition as Json;
    const iam = controls[1] as Json;
    const acm = controls[0] as Json;
    em.setState(
      stateFor(
        'us-east-2',
        {
          securityControls: {
            'ACM.1': { Parameters: acm.Parameters, LastUpdateReason: acm.LastUpdateReason },
          },
        },
        [
          definition,
          {
            SecurityControlId: 'IAM.1',
            Title: iam.Title,
            Description: iam.Description,
            RemediationUrl: iam.RemediationUrl,
            SeverityRating: iam.SeverityRating,
          },
        ],
      ),
    );
    const out = await sh('us-east-2').send(
      new BatchGetSecurityControlsCommand({ SecurityControlIds: ['ACM.1', 'IAM.1'] }),
    );
    expect(out.SecurityControls).toEqual(controls);
    expect(out.UnprocessedIds).toEqual([]);
  });

  it('list_standards_control_associations: CloudTrail.1 in four standards, disabled in FSBP with a reason', async () => {
    const example = fixture('list_standards_control_associations__aws-cli-example.json');
    const summaries = example.StandardsControlAssociationSummaries as Json[];
    const subscriptions = summaries.map((s, i) => ({
      StandardsSubscriptionArn: `arn:aws:securityhub:us-east-2:${ACCOUNT}:subscription/example-${i}`,
      StandardsArn: s.StandardsArn,
      StandardsStatus: 'READY',
      StandardsControlsUpdatable: 'READY_FOR_UPDATES',
    }));
    const definition = fixture('list_security_control_definitions__by-standard__aws-cli-example.json')
      .SecurityControlDefinitions as Json[];
    em.setState(
      stateFor(
        'us-east-2',
        {
          enabledStandards: subscriptions,
          standardsControlAssociations: summaries.map(({ SecurityControlArn: _, ...rest }) => rest),
        },
        definition,
      ),
    );
    const out = await sh('us-east-2').send(
      new ListStandardsControlAssociationsCommand({ SecurityControlId: 'CloudTrail.1' }),
    );
    expect(out.StandardsControlAssociationSummaries).toEqual(
      summaries.map((s) => withDates(s, ['UpdatedAt'])),
    );
  });

  it('describe_standards_controls: PCI DSS controls by their standard’s own IDs, with a token for more', async () => {
    const example = fixture('describe_standards_controls__aws-cli-example.json');
    const controls = example.Controls as Json[];
    const region = 'us-west-1';
    const standardsArn = `arn:aws:securityhub:${region}::standards/pci-dss/v/3.2.1`;
    const subscriptionArn = `arn:aws:securityhub:${region}:${ACCOUNT}:subscription/pci-dss/v/3.2.1`;
    // PCI.AutoScaling.1 is AutoScaling.1 and PCI.CW.1 is CloudWatch.1 as security controls.
    const securityIds = ['AutoScaling.1', 'CloudWatch.1', 'CloudWatch.2'];
    const rows = [...controls, { ...controls[1], ControlId: 'PCI.CW.2' }] as Json[];
    em.setState(
      stateFor(
        region,
        {
          enabledStandards: [
            {
              StandardsSubscriptionArn: subscriptionArn,
              StandardsArn: standardsArn,
              StandardsStatus: 'READY',
              StandardsControlsUpdatable: 'READY_FOR_UPDATES',
            },
          ],
          standardsControlAssociations: rows.map((c, i) => ({
            StandardsArn: standardsArn,
            SecurityControlId: securityIds[i],
            AssociationStatus: c.ControlStatus,
            UpdatedAt: c.ControlStatusUpdatedAt,
            RelatedRequirements: c.RelatedRequirements,
            StandardsControlTitle: c.Title,
            StandardsControlDescription: c.Description,
            StandardsControlArns: [
              i === 2
                ? String(c.StandardsControlArn).replace(/PCI\.CW\.1$/, 'PCI.CW.2')
                : String(c.StandardsControlArn),
            ],
          })),
        },
        rows.map((c, i) => ({
          SecurityControlId: securityIds[i],
          Title: c.Title,
          Description: c.Description,
          RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${securityIds[i]}/remediation`,
          SeverityRating: c.SeverityRating,
        })),
      ),
    );
    const page = await sh(region).send(
      new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: subscriptionArn, MaxResults: 2 }),
    );
    expect(page.Controls).toEqual(controls.map((c) => withDates(c, ['ControlStatusUpdatedAt'])));
    expect(page.NextToken).toEqual(expect.any(String));
  });
});
