import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { OrganizationConfig } from '../config/schema.ts';
import type { AccountRef, AdministeredAccess, AwsPort, RegionAccess } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import type { OrganizationReader } from '../organization/ports.ts';
import { createConfigRulesAdapter } from './config-rules.ts';
import { createRoleCredentials } from './credentials.ts';
import { type AwsCaller, awsCall, createAwsCaller } from './errors.ts';
import { createFindingsAdapter } from './findings.ts';
import { createInflight } from './inflight.ts';
import { createOrganizationReader } from './organization.ts';
import { createRateLimiter } from './rate-limit.ts';
import { globalRegionOf, isKnownRegion } from './regions.ts';
import { createSecurityControlsAdapter } from './security-controls.ts';
import { createWorkflowAdapter } from './workflow.ts';

export interface AwsAdapterOptions {
  /** SDK attempts per call (throttling and 5xx are retried with backoff and jitter). */
  maxAttempts?: number;
  /**
   * AWS calls in flight at once for slash commands and CLI checks, across all accounts and Regions
   * (waiting for a rate limit holds no slot).
   */
  concurrency?: number;
  /** The same for background work (digests, the suppression job): its own budget, so neither starves. */
  backgroundConcurrency?: number;
  /** Assumed-role credentials kept at most (least recently used go first). */
  credentialCacheSize?: number;
  /** Account-Regions whose SDK clients are kept at most (least recently used go first; default 100). */
  clientCacheSize?: number;
  /** Base credentials; the SDK's default chain when left out. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * The SDK clients behind the engine's ports. Endpoints come from the SDK's own configuration
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_SECURITYHUB`, ...), so the emulator needs no special code.
 * As an `AwsPort` it is the interactive budget; `background` is the same clients under the other one.
 */
export interface AwsAdapter extends AwsPort {
  background: AwsPort;
  whoAmI(region: string): Promise<string>;
  /**
   * Organization mode: reads the administrator's members and finding aggregator and the
   * organization's accounts, OUs and tags (background budget; STS sessions named `fsbp-discovery`).
   */
  organization(org: OrganizationConfig): OrganizationReader;
  /** What the adapter holds: SDK clients (3 per account and Region) and cached role sessions. */
  held(): { clients: number; sessions: number };
  /** Closes every client's sockets, so a CLI run can exit at once. */
  close(): void;
}

/** Each made at its first call: the organization digest asks a member Region with Security Hub only. */
interface RegionClients {
  config: LazyClient<ConfigServiceClient>;
  /** Without SDK retries: LimitExceededException on a start means "already running", not "retry". */
  startClient: LazyClient<ConfigServiceClient>;
  securityHub: LazyClient<SecurityHubClient>;
}

type LazyClient<C extends { send: unknown }> = Pick<C, 'send'> & { readonly made: boolean };

/** A client made when first sent a command (making one costs more than most calls). */
function lazyClient<C extends { send: (...args: never[]) => unknown }>(make: () => C): LazyClient<C> {
  let client: C | undefined;
  const send = (...args: Parameters<C['send']>) => {
    client ??= make();
    return client.send(...args);
  };
  return {
    send: send as C['send'],
    get made() {
      return client !== undefined;
    },
  };
}

/** Who the current AWS call is for; the role credential provider names the STS session after it. */
const requesterContext = new AsyncLocalStorage<string>();

export function createAwsPort(options: AwsAdapterOptions = {}): AwsAdapter {
  const maxAttempts = options.maxAttempts ?? 8;
  // One keep-alive socket pool for every client: the clients of hundreds of accounts talk to the same
  // Regional endpoints, so a new account reuses a warm connection (and TLS session) instead of its own.
  const requestHandler = new NodeHttpHandler({
    httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 50 }),
    httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 50 }),
  });
  const base = {
    requestHandler,
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const stsClients = new Map<string, STSClient>();
  function stsClient(region: string): STSClient {
    let client = stsClients.get(region);
    if (!client) {
      client = new STSClient({ region, maxAttempts, ...base });
      stsClients.set(region, client);
    }
    return client;
  }
  const roles = createRoleCredentials({
    stsClient,
    ...(options.credentialCacheSize ? { maxEntries: options.credentialCacheSize } : {}),
  });
  // Keyed by account and Region only, and bounded besides: an organization digest walks every member
  // Region (1,200 in a 300-account organization), and three SDK clients each would be hundreds of MB.
  // An evicted entry is only dropped, not destroyed: its sockets are the shared pool's, and a check
  // still using it keeps its own reference.
  const clients = new LRUCache<string, RegionClients>({ max: options.clientCacheSize ?? 100 });
  const rateLimit = createRateLimiter();
  const share = createInflight();

  /**
   * A role's clients ask for credentials on every call (the provider is marked memoized so the SDK
   * does not pin the first answer); the requester in context picks the cached STS session.
   */
  function roleProvider(account: AccountRef & { roleArn: string }, region: string) {
    const provider = () => roles.get(account, region, requesterContext.getStore() ?? 'bot');
    return Object.assign(provider, { memoized: true });
  }

  function clientsFor(account: AccountRef, region: string): RegionClients {
    const key = `${account.id}|${region}|${account.roleArn ?? ''}|${account.externalId ?? ''}`;
    let known = clients.get(key);
    if (!known) {
      const { roleArn } = account;
      const credentials = roleArn
        ? { requestHandler, credentials: roleProvider({ ...account, roleArn }, region) }
        : base;
      known = {
        config: lazyClient(() => new ConfigServiceClient({ region, maxAttempts, ...credentials })),
        startClient: lazyClient(() => new ConfigServiceClient({ region, maxAttempts: 1, ...credentials })),
        securityHub: lazyClient(() => new SecurityHubClient({ region, maxAttempts, ...credentials })),
      };
      clients.set(key, known);
    }
    return known;
  }

  function lane(call: AwsCaller): AwsPort {
    return {
      async region(account, region, requester): Promise<RegionAccess> {
        if (!isKnownRegion(region)) {
          throw new AppError('invalid_arguments', `unknown Region ${region.slice(0, 40)}`, {
            params: { detailKey: 'args.region', region: region.slice(0, 40) },
          });
        }
        // Assume the role up front, so a refused role is reported for the account, not per call.
        if (account.roleArn) await roles.get({ ...account, roleArn: account.roleArn }, region, requester);
        const { config, startClient, securityHub } = clientsFor(account, region);
        const asRequester: AwsCaller = (scope, fn) => call(scope, () => requesterContext.run(requester, fn));
        const identity = `${account.id}|${account.roleArn ?? ''}|${region}`;
        const common = { accountId: account.id, region, call: asRequester };
        return {
          accountId: account.id,
          region,
          config: createConfigRulesAdapter({ ...common, client: config, startClient, share, identity }),
          findings: createFindingsAdapter({ ...common, client: securityHub, rateLimit, share, identity }),
          workflow: createWorkflowAdapter({ ...common, client: securityHub, rateLimit }),
          controls: createSecurityControlsAdapter({ ...common, client: securityHub, share, identity }),
        };
      },
      async administered(admin, homeRegion, member, requester): Promise<AdministeredAccess> {
        if (!isKnownRegion(homeRegion) || !isKnownRegion(member.region)) {
          throw new AppError('invalid_arguments', `unknown Region ${member.region.slice(0, 40)}`, {
            params: { detailKey: 'args.region', region: member.region.slice(0, 40) },
          });
        }
        if (admin.roleArn) await roles.get({ ...admin, roleArn: admin.roleArn }, homeRegion, requester);
        const { securityHub } = clientsFor(admin, homeRegion);
        const asRequester: AwsCaller = (scope, fn) => call(scope, () => requesterContext.run(requester, fn));
        const common = { accountId: admin.id, region: homeRegion, call: asRequester };
        const identity = `${admin.id}|${admin.roleArn ?? ''}|${homeRegion}|${member.accountId}|${member.region}`;
        return {
          accountId: member.accountId,
          region: member.region,
          findings: createFindingsAdapter({
            ...common,
            client: securityHub,
            rateLimit,
            share,
            identity,
            scope: member,
          }),
          workflow: createWorkflowAdapter({ ...common, client: securityHub, rateLimit }),
        };
      },
    };
  }

  const interactive = lane(createAwsCaller(pLimit(options.concurrency ?? 8)));
  const backgroundCaller = createAwsCaller(pLimit(options.backgroundConcurrency ?? 8));
  const background = lane(backgroundCaller);

  const orgClients = new Map<string, OrganizationsClient>();
  function organizationsClient(org: OrganizationConfig): OrganizationsClient {
    const roleArn = org.discover.organizationsRoleArn;
    const region = globalRegionOf(org.homeRegion);
    const key = `${region}|${roleArn ?? ''}|${org.discover.externalId ?? ''}`;
    let client = orgClients.get(key);
    if (!client) {
      const account = {
        id: roleArn?.split(':')[4] ?? 'self',
        ...(roleArn ? { roleArn } : {}),
        ...(org.discover.externalId ? { externalId: org.discover.externalId } : {}),
      };
      const credentials = roleArn
        ? { requestHandler, credentials: roleProvider({ ...account, roleArn }, region) }
        : base;
      client = new OrganizationsClient({ region, maxAttempts, ...credentials });
      orgClients.set(key, client);
    }
    return client;
  }

  return {
    region: interactive.region,
    administered: interactive.administered,
    background,
    async whoAmI(region) {
      const identity = await awsCall({ operation: 'GetCallerIdentity', accountId: 'self', region }, () =>
        stsClient(region).send(new GetCallerIdentityCommand({})),
      );
      if (!identity.Account) throw new AppError('aws_credentials', 'GetCallerIdentity returned no account');
      return identity.Account;
    },

    organization(org) {
      const admin = {
        id: org.adminAccount.id,
        ...(org.adminAccount.roleArn ? { roleArn: org.adminAccount.roleArn } : {}),
        ...(org.adminAccount.externalId ? { externalId: org.adminAccount.externalId } : {}),
      };
      const asDiscovery: AwsCaller = (scope, fn) =>
        backgroundCaller(scope, () => requesterContext.run('discovery', fn));
      return createOrganizationReader({
        securityHub: clientsFor(admin, org.homeRegion).securityHub,
        organizations: organizationsClient(org),
        adminAccountId: org.adminAccount.id,
        homeRegion: org.homeRegion,
        organizationsAccountId: org.discover.organizationsRoleArn?.split(':')[4] ?? 'self',
        organizationsRegion: globalRegionOf(org.homeRegion),
        call: asDiscovery,
      });
    },

    held() {
      let made = stsClients.size;
      for (const c of clients.values())
        made += [c.config, c.startClient, c.securityHub].filter((x) => x.made).length;
      return { clients: made, sessions: roles.size() };
    },

    close() {
      for (const client of stsClients.values()) client.destroy();
      // One destroy closes the pool every client shares.
      requestHandler.destroy();
      for (const client of orgClients.values()) client.destroy();
      stsClients.clear();
      clients.clear();
      orgClients.clear();
    },
  };
}
