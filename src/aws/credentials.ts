import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { LRUCache } from 'lru-cache';
import type { AccountRef } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import { awsCall } from './errors.ts';

/** Role chaining caps sessions at one hour, so one hour works wherever the bot runs. */
export const sessionSeconds = 3600;
/** Cached credentials are replaced this long before they expire. */
export const refreshMarginMs = 5 * 60 * 1000;

/** `fsbp-<who asked>`, reduced to what STS accepts (2-64 of [\w+=,.@-]); it shows in CloudTrail. */
export function sessionName(requester: string): string {
  const cleaned = requester.replace(/[^\w+=,.@-]/g, '-');
  return `fsbp-${cleaned}`.slice(0, 64);
}

type Cached = { credentials: AwsCredentialIdentity; expiresAt: number };

export interface RoleCredentialsOptions {
  stsClient: (region: string) => STSClient;
  now?: () => number;
  /** Sessions kept at most (one per role and requester); the least recently used go first. */
  maxEntries?: number;
}

/** Enough for every account of a large config times the people using it on a busy day. */
export const defaultMaxEntries = 1000;

/**
 * Assumes account roles and keeps the credentials until 5 minutes before they expire, in a bounded
 * cache: many requesters over weeks cannot grow the process.
 */
export function createRoleCredentials(options: RoleCredentialsOptions) {
  const now = options.now ?? Date.now;
  const cache = new LRUCache<string, Promise<Cached>>({
    max: options.maxEntries ?? defaultMaxEntries,
    ttl: sessionSeconds * 1000 - refreshMarginMs,
  });

  async function assume(account: AccountRef & { roleArn: string }, region: string, requester: string) {
    const name = sessionName(requester);
    const response = await awsCall({ operation: 'AssumeRole', accountId: account.id, region }, () =>
      options.stsClient(region).send(
        new AssumeRoleCommand({
          RoleArn: account.roleArn,
          RoleSessionName: name,
          DurationSeconds: sessionSeconds,
          ...(account.externalId ? { ExternalId: account.externalId } : {}),
        }),
      ),
    ).catch((error: AppError) => {
      throw new AppError('aws_assume_role_failed', error.message, {
        params: { ...error.params, role: account.roleArn, action: 'sts:AssumeRole' },
        cause: error,
      });
    });
    const c = response.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
      throw new AppError('aws_assume_role_failed', 'AssumeRole returned no credentials', {
        params: { role: account.roleArn, reason: 'NoCredentials' },
      });
    }
    return {
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
        expiration: c.Expiration,
      },
      expiresAt: c.Expiration.getTime(),
    };
  }

  /** Credentials for the account's role; one AssumeRole per account and requester while they last. */
  async function get(account: AccountRef & { roleArn: string }, region: string, requester: string) {
    const key = `${account.roleArn}|${account.externalId ?? ''}|${sessionName(requester)}`;
    const cached = cache.get(key);
    if (cached) {
      const entry = await cached.catch(() => undefined);
      if (entry && entry.expiresAt - refreshMarginMs > now()) return entry.credentials;
    }
    const pending = assume(account, region, requester);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return (await pending).credentials;
  }

  return { get, size: () => cache.size };
}

export type RoleCredentials = ReturnType<typeof createRoleCredentials>;
