// Shared helpers for the emulator's own tests: real SDK clients pointed at the emulator, small state builders.
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { expect } from 'vitest';
import type { AwsEmulator } from './server.ts';
import type { EmulatorState } from './state.ts';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const CALLER: Creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' };
export const PROD = '111111111111';
export const STAGING = '222222222222';
export const TOKYO = 'ap-northeast-1';
export const SSL_RULE = 'securityhub-s3-bucket-ssl-requests-only-7b2d4e61';
export const SSL_RULE_STAGING = 'securityhub-s3-bucket-ssl-requests-only-0c0c0c0c';

export function clients(em: AwsEmulator, credentials: Creds = CALLER, region = TOKYO, maxAttempts = 1) {
  const base = { endpoint: em.url, region, credentials, maxAttempts };
  return {
    sts: new STSClient(base),
    config: new ConfigServiceClient(base),
    sh: new SecurityHubClient(base),
    // Organizations is global: the SDK signs its calls for us-east-1 whatever the client's Region.
    organizations: new OrganizationsClient({ ...base, region: 'us-east-1' }),
  };
}

export async function assume(
  em: AwsEmulator,
  account: string,
  opts: { region?: string; externalId?: string; from?: Creds } = {},
): Promise<Creds> {
  const { sts } = clients(em, opts.from ?? CALLER, opts.region ?? TOKYO);
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/FsbpBotRole`,
      RoleSessionName: 'fsbp-bot-test',
      ...(opts.externalId !== undefined ? { ExternalId: opts.externalId } : {}),
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken)
    throw new Error('AssumeRole returned no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/** Expects the promise to reject with an SDK error of this name (and HTTP status when given). */
export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  status?: number,
): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${name}`).toBeInstanceOf(Error);
  const err = caught as Error & { $metadata?: { httpStatusCode?: number } };
  expect(err.name).toBe(name);
  if (status !== undefined) expect(err.$metadata?.httpStatusCode).toBe(status);
  return err;
}

export { type Compliance, evaluation } from './evaluations.ts';

export function shRule(name: string, sourceIdentifier = 'S3_BUCKET_SSL_REQUESTS_ONLY') {
  return {
    ConfigRuleName: name,
    Source: { Owner: 'AWS', SourceIdentifier: sourceIdentifier },
    CreatedBy: 'securityhub.amazonaws.com',
    ConfigRuleState: 'ACTIVE' as const,
  };
}

/** Two accounts (prod consolidated, staging standard-specific), one S3.5 rule each, no findings, no throttling. */
export function baseState(overrides: Partial<EmulatorState> = {}): EmulatorState {
  return {
    caller: { accountId: '000000000000', ...CALLER },
    evaluationDelayMs: 30,
    startEvaluationMinIntervalMs: 0,
    rateLimits: false,
    accounts: {
      [PROD]: {
        roles: { FsbpBotRole: { externalId: 'example-external-id' } },
        controlFindingGenerator: 'SECURITY_CONTROL',
        regions: {
          [TOKYO]: {
            configRules: [shRule(SSL_RULE)],
            evaluations: { [SSL_RULE]: [] },
            findings: [],
          },
        },
      },
      [STAGING]: {
        roles: { FsbpBotRole: {} },
        controlFindingGenerator: 'STANDARD_CONTROL',
        regions: { [TOKYO]: { configRules: [shRule(SSL_RULE_STAGING)], findings: [] } },
      },
    },
    ...overrides,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a truthy value (or fails after ~3 s). */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  for (let i = 0; i < 150; i++) {
    const v = await check();
    if (v) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A minimal valid ASFF finding for BatchImportFindings (typed for the SDK; also usable in state). */
export function asff(
  account: string,
  region: string,
  n: number,
  extra: Record<string, unknown> = {},
): AwsSecurityFinding & {
  Id: string;
  ProductArn: string;
} {
  const at = new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString();
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${region}:${account}:security-control/S3.5/finding/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    ProductArn: `arn:aws:securityhub:${region}::product/aws/securityhub`,
    GeneratorId: 'security-control/S3.5',
    AwsAccountId: account,
    Region: region,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: at,
    UpdatedAt: at,
    Severity: { Label: 'MEDIUM', Normalized: 40, Original: 'MEDIUM' },
    Title: 'S3 buckets should require requests to use Secure Socket Layer',
    Description: 'test finding',
    Resources: [{ Type: 'AwsS3Bucket', Id: `arn:aws:s3:::bucket-${n}`, Partition: 'aws', Region: region }],
    Compliance: { Status: 'FAILED', SecurityControlId: 'S3.5' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
    ...extra,
  } as AwsSecurityFinding & { Id: string; ProductArn: string };
}
