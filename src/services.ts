import { randomUUID } from 'node:crypto';
import { createAwsPort } from './aws/index.ts';
import { loadCatalog } from './catalog/load.ts';
import { type ControlCatalog, createControlCatalog, definitionsAccount } from './catalog/sync.ts';
import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { type CheckEngine, createCheckEngine } from './engine/check.ts';
import { createEnablement, type Enablement } from './engine/enablement.ts';
import { homeRegion, parseRuntimeEnv, type RuntimeEnv } from './env.ts';
import { AppError } from './errors.ts';
import {
  type AccountDirectory,
  createAccountDirectory,
  type DirectoryOptions,
  staticAccountDirectory,
} from './organization/directory.ts';
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
  /** The accounts: the config's, or (organization mode) the last discovery, kept in the store. */
  accounts(): Promise<AccountDirectory>;
  store(): Promise<Store>;
  /** The catalog as AWS has it (AWS's list read daily, kept in the store). */
  controls(): ControlCatalog;
  /** Which controls each account-Region has disabled, shared by checks and digests. */
  enablement(): Enablement;
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
    /**
     * Organization mode: discover when the saved list is older than `discover.refreshMinutes` (the
     * terminal, where no schedule runs), and where discoveries are logged.
     */
    discovery?: Pick<DirectoryOptions, 'refreshWhenStale' | 'onError' | 'onDiscovered'>;
    /** Where a failed read of AWS's list of controls is reported (the log). */
    onControlsSyncError?: (error: unknown) => void;
  } = {},
): Services {
  const env = parseRuntimeEnv(raw);
  const storeLocation = parseStoreLocation(env.FSBP_STORE, env.FSBP_STORE_POOL_SIZE);
  let aws: ReturnType<typeof createAwsPort> | undefined;
  let config: Promise<{ config: Config; source: string | null }> | undefined;
  let engine: CheckEngine | undefined;
  let store: Promise<Store> | undefined;
  let directory: Promise<AccountDirectory> | undefined;
  let controls: ControlCatalog | undefined;
  let enablement: Enablement | undefined;
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
        enablement: services.enablement(),
        ...(options.onCheckError ? { onError: options.onCheckError } : {}),
      });
      return engine;
    },
    enablement() {
      enablement ??= createEnablement();
      return enablement;
    },
    controls() {
      controls ??= createControlCatalog({
        catalog: loadCatalog(),
        store: () => services.store(),
        ...(options.now ? { now: options.now } : {}),
        ...(options.onControlsSyncError ? { onSyncError: options.onControlsSyncError } : {}),
        // The administrator in its home Region (organization mode), else the first account's first Region.
        async source() {
          const { config } = await services.config();
          const where = definitionsAccount(config);
          if (!where) throw new AppError('config_invalid', 'no account to read the list of controls in');
          const access = await services.aws().background.region(where.account, where.region, 'controls');
          const port = access.controls;
          if (!port) throw new AppError('aws_unavailable', 'no access to Security Hub controls');
          return { accountId: where.account.id, region: where.region, fetch: () => port.fsbpDefinitions() };
        },
      });
      return controls;
    },
    accounts() {
      directory ??= services.config().then(async ({ config: loaded }) => {
        const org = loaded.organization;
        // Per-account mode needs no store: `check` works without one, as it always did.
        if (!org) return staticAccountDirectory(loaded);
        return createAccountDirectory({
          config: loaded,
          store: await services.store(),
          reader: () => services.aws().organization(org),
          holder: randomUUID(),
          ...(options.now ? { now: options.now } : {}),
          ...options.discovery,
        });
      });
      return directory;
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
