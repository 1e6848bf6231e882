// Config resource (type + id) -> ASFF resource (Type + Id ARN), and the FSBP control catalog.
import { readdirSync, readFileSync } from 'node:fs';
import { partitionOf } from './state.ts';

export interface AsffResource {
  Type: string;
  Id: string;
  Partition: string;
  Region: string;
}

type ArnBuilder = (id: string, region: string, account: string, p: string) => string;

const regional =
  (service: string, sep: string, kind: string): ArnBuilder =>
  (id, region, account, p) =>
    `arn:${p}:${service}:${region}:${account}:${kind}${sep}${id}`;

// ASFF type and ARN for the Config resource types the FSBP controls evaluate most.
const TYPES: Record<string, [string, ArnBuilder]> = {
  'AWS::S3::Bucket': ['AwsS3Bucket', (id, _r, _a, p) => `arn:${p}:s3:::${id}`],
  'AWS::EC2::SecurityGroup': ['AwsEc2SecurityGroup', regional('ec2', '/', 'security-group')],
  'AWS::EC2::Instance': ['AwsEc2Instance', regional('ec2', '/', 'instance')],
  'AWS::EC2::Volume': ['AwsEc2Volume', regional('ec2', '/', 'volume')],
  'AWS::EC2::VPC': ['AwsEc2Vpc', regional('ec2', '/', 'vpc')],
  'AWS::EC2::Subnet': ['AwsEc2Subnet', regional('ec2', '/', 'subnet')],
  'AWS::EC2::NetworkAcl': ['AwsEc2NetworkAcl', regional('ec2', '/', 'network-acl')],
  'AWS::EC2::EIP': ['AwsEc2Eip', regional('ec2', '/', 'eip-allocation')],
  'AWS::EC2::LaunchTemplate': ['AwsEc2LaunchTemplate', regional('ec2', '/', 'launch-template')],
  'AWS::EC2::TransitGateway': ['AwsEc2TransitGateway', regional('ec2', '/', 'transit-gateway')],
  'AWS::IAM::User': ['AwsIamUser', (id, _r, a, p) => `arn:${p}:iam::${a}:user/${id}`],
  'AWS::IAM::Role': ['AwsIamRole', (id, _r, a, p) => `arn:${p}:iam::${a}:role/${id}`],
  'AWS::IAM::Group': ['AwsIamGroup', (id, _r, a, p) => `arn:${p}:iam::${a}:group/${id}`],
  'AWS::IAM::Policy': ['AwsIamPolicy', (id, _r, a, p) => `arn:${p}:iam::${a}:policy/${id}`],
  'AWS::RDS::DBInstance': ['AwsRdsDbInstance', regional('rds', ':', 'db')],
  'AWS::RDS::DBCluster': ['AwsRdsDbCluster', regional('rds', ':', 'cluster')],
  'AWS::RDS::DBSnapshot': ['AwsRdsDbSnapshot', regional('rds', ':', 'snapshot')],
  'AWS::RDS::DBClusterSnapshot': ['AwsRdsDbClusterSnapshot', regional('rds', ':', 'cluster-snapshot')],
  'AWS::RDS::EventSubscription': ['AwsRdsEventSubscription', regional('rds', ':', 'es')],
  'AWS::Lambda::Function': ['AwsLambdaFunction', regional('lambda', ':', 'function')],
  'AWS::KMS::Key': ['AwsKmsKey', regional('kms', '/', 'key')],
  'AWS::CloudTrail::Trail': ['AwsCloudTrailTrail', regional('cloudtrail', '/', 'trail')],
  'AWS::DynamoDB::Table': ['AwsDynamoDbTable', regional('dynamodb', '/', 'table')],
  'AWS::ECR::Repository': ['AwsEcrRepository', regional('ecr', '/', 'repository')],
  'AWS::EKS::Cluster': ['AwsEksCluster', regional('eks', '/', 'cluster')],
  'AWS::CodeBuild::Project': ['AwsCodeBuildProject', regional('codebuild', '/', 'project')],
  'AWS::Redshift::Cluster': ['AwsRedshiftCluster', regional('redshift', ':', 'cluster')],
  'AWS::SNS::Topic': ['AwsSnsTopic', (id, r, a, p) => `arn:${p}:sns:${r}:${a}:${id}`],
  'AWS::SQS::Queue': ['AwsSqsQueue', (id, r, a, p) => `arn:${p}:sqs:${r}:${a}:${id.split('/').pop() ?? id}`],
  'AWS::CloudFront::Distribution': [
    'AwsCloudFrontDistribution',
    (id, _r, a, p) => `arn:${p}:cloudfront::${a}:distribution/${id}`,
  ],
  'AWS::SecretsManager::Secret': ['AwsSecretsManagerSecret', regional('secretsmanager', ':', 'secret')],
  'AWS::ElasticLoadBalancingV2::LoadBalancer': [
    'AwsElbv2LoadBalancer',
    regional('elasticloadbalancing', '/', 'loadbalancer'),
  ],
  'AWS::ElasticLoadBalancing::LoadBalancer': [
    'AwsElbLoadBalancer',
    regional('elasticloadbalancing', '/', 'loadbalancer'),
  ],
  'AWS::CloudFormation::Stack': ['AwsCloudFormationStack', regional('cloudformation', '/', 'stack')],
};

/**
 * Builds the ASFF resource for a Config evaluation target. An explicit ARN from the state's resourceArns
 * map wins; ids that already are ARNs are kept; unknown types fall back to "Aws<Service><Type>" + raw id.
 */
export function asffResource(
  configType: string,
  resourceId: string,
  account: string,
  region: string,
  explicitArns: Record<string, string> | undefined,
): AsffResource {
  const partition = partitionOf(region);
  if (configType === 'AWS::::Account') {
    return { Type: 'AwsAccount', Id: `AWS::::Account:${account}`, Partition: partition, Region: region };
  }
  const known = TYPES[configType];
  const type = known?.[0] ?? configType.split('::').map(pascal).join('');
  let id = explicitArns?.[resourceId];
  if (!id)
    id = resourceId.startsWith('arn:')
      ? resourceId
      : (known?.[1](resourceId, region, account, partition) ?? resourceId);
  return { Type: type, Id: id, Partition: partition, Region: region };
}

function pascal(part: string): string {
  const lower = part.toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

// ---- FSBP control catalog (controls/*.json of the repository) -------------------------------------

export interface Control {
  id: string;
  securityControlId: string;
  severity: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  title: { en: string };
  summary?: { en?: string };
  configRule: string | null;
  deprecated?: boolean;
}

let byRule: Map<string, Control[]> | undefined;

export function controlsForRule(configRule: string): Control[] {
  if (!byRule) {
    byRule = new Map();
    const dir = new URL('../../../controls/', import.meta.url);
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const control = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Control;
      if (!control.configRule) continue;
      const list = byRule.get(control.configRule) ?? [];
      list.push(control);
      byRule.set(control.configRule, list);
    }
  }
  return byRule.get(configRule) ?? [];
}

/** `securityhub-<configRule>-<suffix>` -> configRule, or undefined for other rules. */
export function securityHubRuleBase(ruleName: string): string | undefined {
  return /^securityhub-(.+)-[0-9a-z]{6,8}$/.exec(ruleName)?.[1];
}

export const SEVERITY_NORMALIZED: Record<string, number> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};
