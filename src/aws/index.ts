import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import type { AccountRef, AwsPort, RegionAccess } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import { createConfigRulesAdapter } from './config-rules.ts';
import { createRoleCredentials } from './credentials.ts';
import { awsCall, createAwsCaller } from './errors.ts';
import { createFindingsAdapter } from './findings.ts';
import { createInflight } from './inflight.ts';
import { createRateLimiter } from './rate-limit.ts';
import { createWorkflowAdapter } from './workflow.ts';

export interface AwsAdapterOptions {
  /** SDK attempts per call (throttling and 5xx are retried with backoff and jitter). */
  maxAttempts?: number;
  /** AWS calls in flight at once across all accounts and Regions (waiting for a rate limit holds no slot). */
  concurrency?: number;
  /** Base credentials; the SDK's default chain when left out. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * The SDK clients behind the engine's ports. Endpoints come from the SDK's own configuration
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECURITYHUB`, ...), so the emulator needs no special code.
 */
export interface AwsAdapter extends AwsPort {
  whoAmI(region: string): Promise<string>;
  /** Closes every client's sockets, so a CLI run can exit at once. */
  close(): void;
}

export function createAwsPort(options: AwsAdapterOptions = {}): AwsAdapter {
  const maxAttempts = options.maxAttempts ?? 8;
  const base = options.credentials ? { credentials: options.credentials } : {};
  const stsClients = new Map<string, STSClient>();
  function stsClient(region: string): STSClient {
    let client = stsClients.get(region);
    if (!client) {
      client = new STSClient({ region, maxAttempts, ...base });
      stsClients.set(region, client);
    }
    return client;
  }
  const roles = createRoleCredentials({ stsClient });
  const regions = new Map<string, { access: RegionAccess; clients: { destroy(): void }[] }>();
  const rateLimit = createRateLimiter();
  const call = createAwsCaller(pLimit(options.concurrency ?? 8));
  const share = createInflight();

  function credentialsFor(account: AccountRef, region: string, requester: string) {
    const { roleArn } = account;
    if (!roleArn) return base;
    const provider: AwsCredentialIdentityProvider = () =>
      roles.get({ ...account, roleArn }, region, requester);
    return { credentials: provider };
  }

  return {
    async whoAmI(region) {
      const identity = await awsCall({ operation: 'GetCallerIdentity', accountId: 'self', region }, () =>
        stsClient(region).send(new GetCallerIdentityCommand({})),
      );
      if (!identity.Account) throw new AppError('aws_credentials', 'GetCallerIdentity returned no account');
      return identity.Account;
    },

    close() {
      for (const client of stsClients.values()) client.destroy();
      for (const entry of regions.values()) for (const client of entry.clients) client.destroy();
      stsClients.clear();
      regions.clear();
    },

    async region(account, region, requester): Promise<RegionAccess> {
      // Clients are built once per account and Region; a role's clients also per requester, whose
      // name is in the STS session (and so in the account's CloudTrail).
      const key = `${account.id}|${account.roleArn ?? ''}|${region}|${account.roleArn ? requester : ''}`;
      const known = regions.get(key);
      if (known) return known.access;
      const credentials = credentialsFor(account, region, requester);
      // Assume the role up front, so a refused role is reported for the account, not per call.
      if (account.roleArn && 'credentials' in credentials && typeof credentials.credentials === 'function') {
        await credentials.credentials();
      }
      const config = new ConfigServiceClient({ region, maxAttempts, ...credentials });
      const startClient = new ConfigServiceClient({ region, maxAttempts: 1, ...credentials });
      const securityHub = new SecurityHubClient({ region, maxAttempts, ...credentials });
      const access: RegionAccess = {
        accountId: account.id,
        region,
        config: createConfigRulesAdapter({
          client: config,
          startClient,
          accountId: account.id,
          region,
          call,
          share,
          identity: key,
        }),
        findings: createFindingsAdapter({
          client: securityHub,
          accountId: account.id,
          region,
          rateLimit,
          call,
          share,
          identity: key,
        }),
        workflow: createWorkflowAdapter({
          client: securityHub,
          accountId: account.id,
          region,
          call,
          rateLimit,
        }),
      };
      regions.set(key, { access, clients: [config, startClient, securityHub] });
      return access;
    },
  };
}
