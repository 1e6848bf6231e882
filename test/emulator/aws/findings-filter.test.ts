import {
  type AwsSecurityFindingFilters,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import { asff, assume, baseState, clients, expectAwsError, PROD, TOKYO } from './test-helpers.ts';

let em: AwsEmulator;
let sh: SecurityHubClient;

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const FSBP = 'standards/aws-foundational-security-best-practices/v/1.0.0';
const bucket = (name: string) => ({
  Type: 'AwsS3Bucket',
  Id: `arn:aws:s3:::${name}`,
  Partition: 'aws',
  Region: TOKYO,
});
const res = (Type: string, Id: string, Tags?: Record<string, string>) => ({
  Type,
  Id,
  Partition: 'aws',
  Region: TOKYO,
  ...(Tags ? { Tags } : {}),
});

function findings() {
  return [
    asff(PROD, TOKYO, 0, {
      Resources: [{ ...bucket('alpha'), Tags: { env: 'prod', team: 'web' } }],
      ProductName: 'Security Hub',
      CompanyName: 'AWS',
      ProductFields: { 'RelatedAWSResources:0/name': 'securityhub-s3-bucket-ssl-requests-only-7b2d4e61' },
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: 'S3.5',
        AssociatedStandards: [{ StandardsId: FSBP }],
      },
      CreatedAt: ago(100),
      FirstObservedAt: ago(100),
      LastObservedAt: ago(1),
      UpdatedAt: ago(1),
    }),
    asff(PROD, TOKYO, 1, {
      GeneratorId: 'security-control/EC2.2',
      Title: 'The VPC default security group should not allow inbound and outbound traffic',
      Severity: { Label: 'HIGH', Normalized: 70, Original: 'HIGH' },
      Resources: [
        res('AwsEc2SecurityGroup', `arn:aws:ec2:${TOKYO}:${PROD}:security-group/sg-1`, { env: 'staging' }),
      ],
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: 'EC2.2',
        AssociatedStandards: [{ StandardsId: FSBP }],
      },
      Workflow: { Status: 'NOTIFIED' },
      Note: { Text: 'waiting for the change window', UpdatedBy: 'bot', UpdatedAt: ago(2) },
      UserDefinedFields: { ticket: 'SEC-1' },
      CreatedAt: ago(50),
      UpdatedAt: ago(10),
    }),
    asff(PROD, TOKYO, 2, {
      GeneratorId: 'security-control/IAM.6',
      Title: 'Hardware MFA should be enabled for the root user',
      Severity: { Label: 'CRITICAL', Normalized: 90, Original: 'CRITICAL' },
      Resources: [res('AwsAccount', `AWS::::Account:${PROD}`)],
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: 'IAM.6',
        AssociatedStandards: [{ StandardsId: FSBP }],
      },
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'accepted risk', UpdatedBy: 'bot', UpdatedAt: ago(30) },
      CreatedAt: ago(45),
      UpdatedAt: ago(40),
    }),
    asff(PROD, TOKYO, 3, {
      GeneratorId: 'aws-foundational-security-best-practices/v/1.0.0/IAM.3',
      Types: [
        'Software and Configuration Checks/Industry and Regulatory Standards/AWS-Foundational-Security-Best-Practices',
      ],
      ProductName: 'Security Hub CSPM',
      Resources: [res('AwsIamUser', `arn:aws:iam::${PROD}:user/alice`)],
      ProductFields: { ControlId: 'IAM.3', StandardsArn: `arn:aws:securityhub:::${FSBP}` },
      Compliance: {
        Status: 'PASSED',
        SecurityControlId: 'IAM.3',
        AssociatedStandards: [{ StandardsId: FSBP }],
      },
      Workflow: { Status: 'RESOLVED' },
      UpdatedAt: ago(3),
    }),
    asff(PROD, TOKYO, 4, {
      GeneratorId: 'security-control/S3.8',
      Severity: { Label: 'HIGH', Normalized: 70, Original: 'HIGH' },
      Resources: [bucket('beta')],
      Compliance: {
        Status: 'FAILED',
        SecurityControlId: 'S3.8',
        AssociatedStandards: [{ StandardsId: FSBP }],
      },
      RecordState: 'ARCHIVED',
      UpdatedAt: ago(5),
    }),
    asff(PROD, TOKYO, 5, {
      ProductArn: `arn:aws:securityhub:${TOKYO}::product/other/scanner`,
      CompanyName: 'Other',
      Resources: [res('AwsIamPolicy', `arn:aws:iam::${PROD}:policy/admin`)],
      Compliance: {
        Status: 'WARNING',
        AssociatedStandards: [{ StandardsId: 'standards/cis-aws-foundations-benchmark/v/1.4.0' }],
      },
      UpdatedAt: ago(6),
    }),
    asff(PROD, TOKYO, 6, {
      Resources: [res('AwsEc2NetworkInterface', `arn:aws:ec2:${TOKYO}:${PROD}:network-interface/eni-1`)],
      UpdatedAt: ago(7),
    }),
    asff(PROD, TOKYO, 7, {
      Resources: [res('AwsEc2Instance', `arn:aws:ec2:${TOKYO}:${PROD}:instance/i-1`)],
      UpdatedAt: ago(8),
    }),
  ];
}

beforeAll(async () => {
  const state = baseState();
  const rs = state.accounts?.[PROD]?.regions?.[TOKYO];
  if (rs) rs.findings = findings() as unknown as NonNullable<typeof rs.findings>;
  em = await startAwsEmulator({ state, port: 0 });
  sh = clients(em, await assume(em, PROD, { externalId: 'example-external-id' })).sh;
});
afterAll(async () => {
  await em.close();
});

async function ids(Filters: AwsSecurityFindingFilters): Promise<number[]> {
  const out = await sh.send(new GetFindingsCommand({ Filters, MaxResults: 100 }));
  return (out.Findings ?? []).map((f) => Number(f.Id?.slice(-12))).sort((a, b) => a - b);
}

const eq = (Value: string) => ({ Value, Comparison: 'EQUALS' as const });
const s = (
  Comparison: 'EQUALS' | 'PREFIX' | 'NOT_EQUALS' | 'PREFIX_NOT_EQUALS' | 'CONTAINS' | 'NOT_CONTAINS',
  Value: string,
) => ({
  Value,
  Comparison,
});

describe('every supported attribute', () => {
  const f = findings();
  it.each<[string, AwsSecurityFindingFilters, number[]]>([
    ['Id', { Id: [eq(f[2]?.Id ?? '')] }, [2]],
    ['ProductArn', { ProductArn: [eq(`arn:aws:securityhub:${TOKYO}::product/other/scanner`)] }, [5]],
    ['GeneratorId', { GeneratorId: [eq('security-control/EC2.2')] }, [1]],
    ['AwsAccountId', { AwsAccountId: [eq(PROD)] }, [0, 1, 2, 3, 4, 5, 6, 7]],
    ['Region', { Region: [eq('us-east-1')] }, []],
    [
      'Type',
      { Type: [s('PREFIX', 'Software and Configuration Checks/Industry and Regulatory Standards/AWS')] },
      [3],
    ],
    ['Title', { Title: [s('CONTAINS', 'MFA')] }, [2]],
    ['SeverityLabel', { SeverityLabel: [eq('CRITICAL')] }, [2]],
    ['ComplianceStatus', { ComplianceStatus: [eq('WARNING')] }, [5]],
    ['ComplianceSecurityControlId', { ComplianceSecurityControlId: [eq('IAM.3')] }, [3]],
    [
      'ComplianceAssociatedStandardsId',
      { ComplianceAssociatedStandardsId: [s('PREFIX', 'standards/cis')] },
      [5],
    ],
    ['WorkflowStatus', { WorkflowStatus: [eq('SUPPRESSED')] }, [2]],
    ['RecordState', { RecordState: [eq('ARCHIVED')] }, [4]],
    ['ResourceType', { ResourceType: [eq('AwsS3Bucket')] }, [0, 4]],
    ['ResourceId', { ResourceId: [eq('arn:aws:s3:::beta')] }, [4]],
    ['ProductFields', { ProductFields: [{ Key: 'ControlId', Value: 'IAM.3', Comparison: 'EQUALS' }] }, [3]],
    ['ProductName', { ProductName: [eq('Security Hub CSPM')] }, [3]],
    ['CompanyName', { CompanyName: [eq('Other')] }, [5]],
    ['NoteText', { NoteText: [s('CONTAINS', 'change window')] }, [1]],
    ['ResourceTags', { ResourceTags: [{ Key: 'env', Value: 'prod', Comparison: 'EQUALS' }] }, [0]],
    [
      'UserDefinedFields',
      { UserDefinedFields: [{ Key: 'ticket', Value: 'SEC', Comparison: 'CONTAINS' }] },
      [1],
    ],
    ['UpdatedAt', { UpdatedAt: [{ Start: ago(9), End: ago(4) }] }, [4, 5, 6, 7]],
    ['CreatedAt', { CreatedAt: [{ DateRange: { Value: 60, Unit: 'DAYS' } }] }, [1, 2]],
    ['FirstObservedAt', { FirstObservedAt: [{ End: ago(99) }] }, [0]],
    ['LastObservedAt', { LastObservedAt: [{ Start: ago(2) }] }, [0]],
  ])('%s', async (_attr, filters, expected) => {
    expect(await ids(filters)).toEqual(expected);
  });
});

describe('StringFilter comparisons and their combination rules', () => {
  it('EQUALS, PREFIX and CONTAINS on one attribute are ORed', async () => {
    expect(await ids({ SeverityLabel: [eq('HIGH'), eq('CRITICAL')] })).toEqual([1, 2, 4]);
    expect(await ids({ ResourceId: [s('PREFIX', 'arn:aws:s3:::'), eq(`AWS::::Account:${PROD}`)] })).toEqual([
      0, 2, 4,
    ]);
    expect(await ids({ Title: [s('CONTAINS', 'MFA'), s('CONTAINS', 'VPC')] })).toEqual([1, 2]);
  });

  it('NOT_EQUALS, PREFIX_NOT_EQUALS and NOT_CONTAINS are ANDed', async () => {
    expect(await ids({ SeverityLabel: [s('NOT_EQUALS', 'MEDIUM'), s('NOT_EQUALS', 'HIGH')] })).toEqual([2]);
    expect(
      await ids({
        ResourceType: [
          s('PREFIX_NOT_EQUALS', 'AwsEc2'),
          s('NOT_EQUALS', 'AwsS3Bucket'),
          s('NOT_EQUALS', 'AwsIamPolicy'),
        ],
      }),
    ).toEqual([2, 3]);
    expect(await ids({ Title: [s('NOT_CONTAINS', 'S3'), s('NOT_CONTAINS', 'VPC')] })).toEqual([2]);
  });

  it('PREFIX combines with NOT_EQUALS (the documented ResourceType example)', async () => {
    expect(
      await ids({
        ResourceType: [
          s('PREFIX', 'AwsIam'),
          s('PREFIX', 'AwsEc2'),
          s('NOT_EQUALS', 'AwsIamPolicy'),
          s('NOT_EQUALS', 'AwsEc2NetworkInterface'),
        ],
      }),
    ).toEqual([1, 3, 7]);
  });

  it('different attributes are ANDed', async () => {
    expect(
      await ids({
        ComplianceStatus: [eq('FAILED')],
        RecordState: [eq('ACTIVE')],
        SeverityLabel: [eq('HIGH')],
      }),
    ).toEqual([1]);
  });

  it.each<[string, AwsSecurityFindingFilters]>([
    ['EQUALS + NOT_EQUALS', { SeverityLabel: [eq('HIGH'), s('NOT_EQUALS', 'LOW')] }],
    ['EQUALS + PREFIX_NOT_EQUALS', { SeverityLabel: [eq('HIGH'), s('PREFIX_NOT_EQUALS', 'L')] }],
    ['CONTAINS + EQUALS', { Title: [s('CONTAINS', 'S3'), eq('x')] }],
    ['CONTAINS + NOT_CONTAINS', { Title: [s('CONTAINS', 'S3'), s('NOT_CONTAINS', 'x')] }],
    ['NOT_CONTAINS + NOT_EQUALS', { Title: [s('NOT_CONTAINS', 'S3'), s('NOT_EQUALS', 'x')] }],
    [
      'map CONTAINS + NOT_CONTAINS',
      {
        ResourceTags: [
          { Key: 'env', Value: 'p', Comparison: 'CONTAINS' },
          { Key: 'env', Value: 'x', Comparison: 'NOT_CONTAINS' },
        ],
      },
    ],
    [
      'map EQUALS + NOT_EQUALS',
      {
        ProductFields: [
          { Key: 'ControlId', Value: 'a', Comparison: 'EQUALS' },
          { Key: 'ControlId', Value: 'b', Comparison: 'NOT_EQUALS' },
        ],
      },
    ],
  ])('rejects %s on one attribute with InvalidInputException', async (_label, filters) => {
    await expectAwsError(sh.send(new GetFindingsCommand({ Filters: filters })), 'InvalidInputException', 400);
  });
});

describe('MapFilter and DateFilter', () => {
  it('MapFilter EQUALS / NOT_EQUALS / CONTAINS / NOT_CONTAINS', async () => {
    const key = 'RelatedAWSResources:0/name';
    expect(
      await ids({
        ProductFields: [
          { Key: key, Value: 'securityhub-s3-bucket-ssl-requests-only-7b2d4e61', Comparison: 'EQUALS' },
        ],
      }),
    ).toEqual([0]);
    expect(
      await ids({ ProductFields: [{ Key: key, Value: 'ssl-requests', Comparison: 'CONTAINS' }] }),
    ).toEqual([0]);
    expect(await ids({ ResourceTags: [{ Key: 'env', Value: 'prod', Comparison: 'NOT_EQUALS' }] })).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    expect(await ids({ ResourceTags: [{ Key: 'env', Value: 'stag', Comparison: 'NOT_CONTAINS' }] })).toEqual([
      0, 2, 3, 4, 5, 6, 7,
    ]);
  });

  it('DateRange OLDER_THAN and an invalid date', async () => {
    expect(
      await ids({ UpdatedAt: [{ DateRange: { Value: 20, Unit: 'DAYS', Comparison: 'OLDER_THAN' } }] }),
    ).toEqual([2]);
    await expectAwsError(
      sh.send(new GetFindingsCommand({ Filters: { UpdatedAt: [{ Start: 'yesterday' }] } })),
      'InvalidInputException',
      400,
    );
  });
});

describe('filter limits', () => {
  const ten: AwsSecurityFindingFilters = {
    AwsAccountId: [eq(PROD)],
    Region: [eq(TOKYO)],
    RecordState: [eq('ACTIVE')],
    WorkflowStatus: [eq('NEW')],
    ComplianceStatus: [eq('FAILED')],
    SeverityLabel: [eq('MEDIUM')],
    ProductName: [eq('Security Hub')],
    CompanyName: [eq('AWS')],
    ResourceType: [eq('AwsS3Bucket')],
    ComplianceSecurityControlId: [eq('S3.5')],
  };

  it('accepts 10 attributes and rejects 11', async () => {
    expect(await ids(ten)).toEqual([0]);
    await expectAwsError(
      sh.send(new GetFindingsCommand({ Filters: { ...ten, Title: [s('CONTAINS', 'S3')] } })),
      'InvalidInputException',
      400,
    );
  });

  it('accepts 20 values per attribute and rejects 21', async () => {
    const values = (k: number) => Array.from({ length: k }, (_, i) => eq(`security-control/X.${i}`));
    expect(await ids({ GeneratorId: values(20) })).toEqual([]);
    const err = await expectAwsError(
      sh.send(new GetFindingsCommand({ Filters: { GeneratorId: values(21) } })),
      'InvalidInputException',
      400,
    );
    expect(err.message).toContain('20');
  });
});
