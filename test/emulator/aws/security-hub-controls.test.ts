// Controls as the account has them, through the real Security Hub client: definitions, security
// controls with their parameters, and per-standard enablement.
import {
  BatchGetSecurityControlsCommand,
  BatchGetStandardsControlAssociationsCommand,
  DescribeStandardsControlsCommand,
  GetSecurityControlDefinitionCommand,
  ListSecurityControlDefinitionsCommand,
  ListStandardsControlAssociationsCommand,
  type SecurityControlDefinition,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../src/catalog/load.ts';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';
import { assume, baseState, CALLER, clients, expectAwsError, PROD, TOKYO } from './test-helpers.ts';

const FSBP = `arn:aws:securityhub:${TOKYO}::standards/aws-foundational-security-best-practices/v/1.0.0`;
const SUBSCRIPTION = `arn:aws:securityhub:${TOKYO}:${PROD}:subscription/aws-foundational-security-best-practices/v/1.0.0`;
const catalogIds = [
  ...new Set(
    loadCatalog()
      .controls.filter((c) => !c.deprecated)
      .map((c) => c.securityControlId),
  ),
];

const awsOnly = {
  SecurityControlId: 'S3.99',
  Title: 'S3 buckets should be <b>tested</b>',
  Description: 'A control the catalog does not know.',
  RemediationUrl: 'https://docs.aws.amazon.com/console/securityhub/S3.99/remediation',
  SeverityRating: 'HIGH' as const,
  CurrentRegionAvailability: 'AVAILABLE' as const,
  CustomizableProperties: [],
};

function state(): EmulatorState {
  const s = baseState({ controlDefinitions: { add: [awsOnly], remove: ['S3.8'] } });
  const rs = s.accounts?.[PROD]?.regions?.[TOKYO];
  if (rs) {
    rs.standardsControlAssociations = [
      {
        StandardsArn: FSBP,
        SecurityControlId: 'S3.5',
        AssociationStatus: 'DISABLED',
        UpdatedAt: '2026-10-01T00:00:00.000Z',
        UpdatedReason: 'Handled by <SCP> & guardrails',
      },
    ];
    rs.securityControls = {
      'ACM.1': {
        Parameters: { daysToExpiration: { ValueType: 'CUSTOM', Value: { Integer: 15 } } },
        LastUpdateReason: 'Longer renewal window',
      },
    };
  }
  return s;
}

let em: AwsEmulator;
let sh: SecurityHubClient;
beforeAll(async () => {
  em = await startAwsEmulator({ state: state(), port: 0 });
  sh = clients(em, await assume(em, PROD, { externalId: 'example-external-id' })).sh;
});
afterAll(async () => {
  await em.close();
});

async function allDefinitions(input: { StandardsArn?: string; MaxResults?: number } = {}) {
  const out: SecurityControlDefinition[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await sh.send(new ListSecurityControlDefinitionsCommand({ ...input, NextToken: token }));
    out.push(...(page.SecurityControlDefinitions ?? []));
    token = page.NextToken;
    pages += 1;
  } while (token);
  return { definitions: out, pages };
}

describe('ListSecurityControlDefinitions and GetSecurityControlDefinition', () => {
  it('lists the catalog without the removed control and with the added one, 25 a page by default', async () => {
    const first = await sh.send(new ListSecurityControlDefinitionsCommand({ StandardsArn: FSBP }));
    expect(first.SecurityControlDefinitions).toHaveLength(25);
    const { definitions, pages } = await allDefinitions({ StandardsArn: FSBP, MaxResults: 100 });
    const expected = [...catalogIds.filter((id) => id !== 'S3.8'), 'S3.99'];
    expect(definitions.map((d) => d.SecurityControlId).sort()).toEqual(expected.sort());
    expect(pages).toBe(Math.ceil(expected.length / 100));
    expect(definitions.find((d) => d.SecurityControlId === 'S3.99')).toEqual(awsOnly);
  });

  it('takes MaxResults 1-100 and refuses a token of another request', async () => {
    await expectAwsError(
      sh.send(new ListSecurityControlDefinitionsCommand({ MaxResults: 0 })),
      'InvalidInputException',
      400,
    );
    await expectAwsError(
      sh.send(new ListSecurityControlDefinitionsCommand({ MaxResults: 101 })),
      'InvalidInputException',
      400,
    );
    const page = await sh.send(new ListSecurityControlDefinitionsCommand({ MaxResults: 2 }));
    await expectAwsError(
      sh.send(new ListSecurityControlDefinitionsCommand({ MaxResults: 3, NextToken: page.NextToken })),
      'InvalidInputException',
      400,
    );
  });

  it('gives one definition with its parameter definitions, or ResourceNotFoundException', async () => {
    const acm = await sh.send(new GetSecurityControlDefinitionCommand({ SecurityControlId: 'ACM.1' }));
    expect(acm.SecurityControlDefinition?.ParameterDefinitions).toEqual({
      daysToExpiration: {
        Description: 'The daysToExpiration parameter of acm-certificate-expiration-check',
        ConfigurationOptions: { Integer: { DefaultValue: 30 } },
      },
    });
    await expectAwsError(
      sh.send(new GetSecurityControlDefinitionCommand({ SecurityControlId: 'S3.8' })),
      'ResourceNotFoundException',
      404,
    );
  });
});

describe('BatchGetSecurityControls', () => {
  it('gives parameters in force, custom or default, status and unprocessed IDs', async () => {
    const out = await sh.send(
      new BatchGetSecurityControlsCommand({
        SecurityControlIds: ['ACM.1', `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3.5`, 'Nope.1'],
      }),
    );
    expect(out.SecurityControls?.map((c) => [c.SecurityControlId, c.SecurityControlStatus])).toEqual([
      ['ACM.1', 'ENABLED'],
      ['S3.5', 'DISABLED'],
    ]);
    expect(out.SecurityControls?.[0]).toMatchObject({
      SecurityControlArn: `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/ACM.1`,
      Parameters: { daysToExpiration: { ValueType: 'CUSTOM', Value: { Integer: 15 } } },
      LastUpdateReason: 'Longer renewal window',
      UpdateStatus: 'READY',
    });
    expect(out.UnprocessedIds).toEqual([
      { SecurityControlId: 'Nope.1', ErrorCode: 'RESOURCE_NOT_FOUND', ErrorReason: 'Not found' },
    ]);
    const defaults = await sh.send(new BatchGetSecurityControlsCommand({ SecurityControlIds: ['S3.1'] }));
    expect(defaults.SecurityControls?.[0]?.Parameters?.blockPublicAcls).toEqual({
      ValueType: 'DEFAULT',
      Value: { Boolean: true },
    });
    await expectAwsError(
      sh.send(new BatchGetSecurityControlsCommand({ SecurityControlIds: [] })),
      'InvalidInputException',
      400,
    );
  });
});

describe('enablement per standard', () => {
  it('ListStandardsControlAssociations gives the disabled association with its reason', async () => {
    const out = await sh.send(new ListStandardsControlAssociationsCommand({ SecurityControlId: 'S3.5' }));
    expect(out.StandardsControlAssociationSummaries).toEqual([
      {
        StandardsArn: FSBP,
        SecurityControlId: 'S3.5',
        SecurityControlArn: `arn:aws:securityhub:${TOKYO}:${PROD}:security-control/S3.5`,
        AssociationStatus: 'DISABLED',
        RelatedRequirements: [],
        UpdatedAt: new Date('2026-10-01T00:00:00.000Z'),
        UpdatedReason: 'Handled by <SCP> & guardrails',
        StandardsControlTitle: expect.any(String),
        StandardsControlDescription: expect.any(String),
      },
    ]);
    await expectAwsError(
      sh.send(new ListStandardsControlAssociationsCommand({ SecurityControlId: 'S3.5', MaxResults: 101 })),
      'InvalidInputException',
      400,
    );
  });

  it('BatchGetStandardsControlAssociations gives each status and leaves unknown ones unprocessed', async () => {
    const out = await sh.send(
      new BatchGetStandardsControlAssociationsCommand({
        StandardsControlAssociationIds: [
          { SecurityControlId: 'S3.5', StandardsArn: FSBP },
          { SecurityControlId: 'S3.1', StandardsArn: FSBP },
          { SecurityControlId: 'S3.8', StandardsArn: FSBP },
          {
            SecurityControlId: 'S3.1',
            StandardsArn: 'arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0',
          },
        ],
      }),
    );
    expect(
      out.StandardsControlAssociationDetails?.map((d) => [
        d.SecurityControlId,
        d.AssociationStatus,
        d.UpdatedReason,
        d.StandardsControlArns,
      ]),
    ).toEqual([
      [
        'S3.5',
        'DISABLED',
        'Handled by <SCP> & guardrails',
        [
          `arn:aws:securityhub:${TOKYO}:${PROD}:control/aws-foundational-security-best-practices/v/1.0.0/S3.5`,
        ],
      ],
      [
        'S3.1',
        'ENABLED',
        undefined,
        [
          `arn:aws:securityhub:${TOKYO}:${PROD}:control/aws-foundational-security-best-practices/v/1.0.0/S3.1`,
        ],
      ],
    ]);
    expect(
      out.UnprocessedAssociations?.map((u) => [
        u.StandardsControlAssociationId?.SecurityControlId,
        u.ErrorCode,
      ]),
    ).toEqual([
      ['S3.8', 'RESOURCE_NOT_FOUND'],
      ['S3.1', 'RESOURCE_NOT_FOUND'],
    ]);
  });

  it('DescribeStandardsControls pages the subscription’s controls with DisabledReason', async () => {
    const controls = [];
    let token: string | undefined;
    do {
      const page = await sh.send(
        new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: SUBSCRIPTION, NextToken: token }),
      );
      expect(page.Controls?.length).toBeLessThanOrEqual(25);
      controls.push(...(page.Controls ?? []));
      token = page.NextToken;
    } while (token);
    expect(controls).toHaveLength(catalogIds.length);
    expect(controls.find((c) => c.ControlId === 'S3.5')).toMatchObject({
      StandardsControlArn: `arn:aws:securityhub:${TOKYO}:${PROD}:control/aws-foundational-security-best-practices/v/1.0.0/S3.5`,
      ControlStatus: 'DISABLED',
      DisabledReason: 'Handled by <SCP> & guardrails',
      ControlStatusUpdatedAt: new Date('2026-10-01T00:00:00.000Z'),
    });
    await expectAwsError(
      sh.send(
        new DescribeStandardsControlsCommand({
          StandardsSubscriptionArn: `${SUBSCRIPTION.replace('1.0.0', '9.9.9')}`,
        }),
      ),
      'ResourceNotFoundException',
      404,
    );
  });

  it('BatchGet fails as a whole while the standard is not ready for updates; the list leaves it out', async () => {
    const s = state();
    const rs = s.accounts?.[PROD]?.regions?.[TOKYO];
    if (rs) {
      rs.enabledStandards = [
        {
          StandardsSubscriptionArn: SUBSCRIPTION,
          StandardsArn: FSBP,
          StandardsStatus: 'PENDING',
          StandardsControlsUpdatable: 'NOT_READY_FOR_UPDATES',
        },
      ];
    }
    em.setState(s);
    try {
      await expectAwsError(
        sh.send(
          new BatchGetStandardsControlAssociationsCommand({
            StandardsControlAssociationIds: [{ SecurityControlId: 'S3.1', StandardsArn: FSBP }],
          }),
        ),
        'ResourceNotFoundException',
        404,
      );
      const listed = await sh.send(
        new ListStandardsControlAssociationsCommand({ SecurityControlId: 'S3.1' }),
      );
      expect(listed.StandardsControlAssociationSummaries).toEqual([]);
      const described = await sh.send(
        new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: SUBSCRIPTION }),
      );
      expect(described.Controls).toEqual([]);
    } finally {
      em.setState(state());
    }
  });
});

describe('access', () => {
  it('answers InvalidAccessException where Security Hub is off and refuses a bad signature', async () => {
    const s = state();
    const rs = s.accounts?.[PROD]?.regions?.[TOKYO];
    if (rs) rs.hub = { enabled: false };
    em.setState(s);
    try {
      await expectAwsError(
        sh.send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: SUBSCRIPTION })),
        'InvalidAccessException',
        401,
      );
    } finally {
      em.setState(state());
    }
    const forged = clients(em, { ...CALLER, secretAccessKey: 'wrong' }).sh;
    await expectAwsError(
      forged.send(new DescribeStandardsControlsCommand({ StandardsSubscriptionArn: SUBSCRIPTION })),
      'InvalidSignatureException',
      403,
    );
  });
});
