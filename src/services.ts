import { createAwsPort } from './aws/index.ts';
import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { type CheckEngine, createCheckEngine } from './engine/check.ts';
import { homeRegion, parseRuntimeEnv, type RuntimeEnv } from './env.ts';
import { openStore, parseStoreLocation, type StoreLocation } from './store/open.ts';
import type { Store } from './store/store.ts';

/**
 * What `serve` and the CLI share, each built on first use from the one environment schema: the
 * AWS adapter, the config (with where it came from), the check engine and the store.
 */
export interface Services {
  env: RuntimeEnv;
  storeLocation: StoreLocation;
  aws(): ReturnType<typeof createAwsPort>;
  config(): Promise<{ config: Config; source: string | null }>;
  checkEngine(): CheckEngine;
  store(): Promise<Store>;
  close(): Promise<void>;
}

export function createServices(
  raw: NodeJS.ProcessEnv,
  options: {
    now?: () => number;
    /** Open every PostgreSQL connection of the pool at once and keep them (serve); the CLI connects as needed. */
    keepStoreConnections?: boolean;
    /** Where an account-Region a check could not reach is reported in full (the log). */
    onCheckError?: (where: { accountId: string; region: string }, error: unknown) => void;
  } = {},
): Services {
  const env = parseRuntimeEnv(raw);
  const storeLocation = parseStoreLocation(env.FSBP_STORE, env.FSBP_STORE_POOL_SIZE);
  let aws: ReturnType<typeof createAwsPort> | undefined;
  let config: Promise<{ config: Config; source: string | null }> | undefined;
  let engine: CheckEngine | undefined;
  let store: Promise<Store> | undefined;
  const services: Services = {
    env,
    storeLocation,
    aws() {
      aws ??= createAwsPort({
        maxAttempts: env.FSBP_AWS_MAX_ATTEMPTS,
        concurrency: env.FSBP_CONCURRENCY,
        backgroundConcurrency: env.FSBP_BACKGROUND_CONCURRENCY,
      });
      return aws;
    },
    config() {
      config ??= loadConfig({ env: raw, whoAmI: () => services.aws().whoAmI(homeRegion(env)) }).then(
        ({ config: loaded, source }) => ({ config: loaded, source: source ?? null }),
      );
      return config;
    },
    checkEngine() {
      engine ??= createCheckEngine({
        aws: services.aws(),
        ...(options.onCheckError ? { onError: options.onCheckError } : {}),
      });
      return engine;
    },
    store() {
      store ??= openStore(storeLocation, {
        ...(options.now ? { now: options.now } : {}),
        keepConnections: options.keepStoreConnections ?? false,
      });
      return store;
    },
    async close() {
      aws?.close();
      // A store that failed to open has nothing to close.
      await (await store?.catch(() => undefined))?.close();
    },
  };
  return services;
}
