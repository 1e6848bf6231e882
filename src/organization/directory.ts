import type { Config, OrganizationConfig } from '../config/schema.ts';
import { AppError, asAppError } from '../errors.ts';
import type { DiscoveryCache } from '../store/discovery-cache.ts';
import { holdLease, type LeaseStore } from '../store/lease.ts';
import { discoverAccounts } from './discover.ts';
import type { OrganizationReader } from './ports.ts';
import type { DirectoryMode } from './selectors.ts';
import { type DiscoverySnapshot, discoveryScope } from './snapshot.ts';
import { type AccountView, buildAccountView } from './view.ts';

export interface RefreshOutcome {
  /**
   * `discovered`: discovery ran now; `fresh`: the saved one is recent enough; `busy`: another process
   * is discovering; `static`: per-account mode, nothing to discover.
   */
  status: 'discovered' | 'fresh' | 'busy' | 'static';
  view: AccountView;
  /** AWS calls the discovery made, by operation (empty unless `discovered`). */
  calls: Record<string, number>;
}

/**
 * Where every part of the bot gets its accounts: per-account mode is the config as it always was;
 * organization mode is the config plus the last discovery, refreshed on a schedule and on demand.
 */
export interface AccountDirectory {
  readonly mode: DirectoryMode;
  /** The accounts now. Organization mode discovers first when nothing was ever discovered. */
  view(): Promise<AccountView>;
  /** Discovers now under the discovery lease (one process at a time). */
  refresh(): Promise<RefreshOutcome>;
  /** The scheduled job: reads the saved discovery and discovers when it is `discover.refreshMinutes` old. */
  refreshIfDue(): Promise<RefreshOutcome>;
}

/** Per-account mode, and tests: a fixed view of the config (and optionally a discovery). */
export function staticAccountDirectory(
  config: Config,
  snapshot: DiscoverySnapshot | null = null,
): AccountDirectory {
  const view = buildAccountView(config, snapshot);
  const outcome = async (): Promise<RefreshOutcome> => ({ status: 'static', view, calls: {} });
  return { mode: view.mode, view: async () => view, refresh: outcome, refreshIfDue: outcome };
}

export interface DirectoryOptions {
  config: Config;
  store: DiscoveryCache & LeaseStore;
  /** Built on first discovery only, so a restart with a saved list makes no AWS call. */
  reader: () => OrganizationReader;
  /** Who holds the discovery lease (a process ID). */
  holder: string;
  now?: () => number;
  /** How long a process uses what it read before reading the store again (another replica may have discovered). */
  reloadMs?: number;
  /**
   * Discover when the saved list is older than `discover.refreshMinutes` (the terminal, where no
   * schedule runs). The bot leaves that to its schedule and answers from the saved list.
   */
  refreshWhenStale?: boolean;
  /** How long to wait for another process's first discovery before giving up. */
  waitForOtherMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** The log: a discovery that failed (the saved list, if any, stays in use) and one that ran. */
  onError?(error: unknown): void;
  onDiscovered?(outcome: { accounts: number; calls: Record<string, number>; ms: number }): void;
}

/** A discovery of a few hundred accounts takes well under this; the lease is renewed meanwhile. */
const discoveryLeaseMs = 5 * 60 * 1000;
export const discoveryLeaseName = 'account-discovery';

export function createAccountDirectory(options: DirectoryOptions): AccountDirectory {
  const { config } = options;
  const found = config.organization;
  if (!found) return staticAccountDirectory(config);
  const org: OrganizationConfig = found;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const reloadMs = options.reloadMs ?? 60_000;
  const scope = discoveryScope(org);
  const refreshMs = org.discover.refreshMinutes * 60_000;
  let memo: { view: AccountView; snapshot: DiscoverySnapshot; readAt: number } | undefined;
  let running: Promise<RefreshOutcome> | undefined;

  const remember = (snapshot: DiscoverySnapshot) => {
    if (memo && memo.snapshot.discoveredAt === snapshot.discoveredAt) {
      memo.readAt = now();
      return memo.view;
    }
    memo = { view: buildAccountView(config, snapshot), snapshot, readAt: now() };
    return memo.view;
  };
  const isStale = (snapshot: DiscoverySnapshot) => now() - Date.parse(snapshot.discoveredAt) >= refreshMs;
  const load = async () => {
    const saved = await options.store.loadDiscovery(scope);
    if (saved) remember(saved);
    return saved;
  };
  const noneYet = () => buildAccountView(config, null);

  async function discoverNow(): Promise<RefreshOutcome> {
    const lease = await holdLease(options.store, discoveryLeaseName, options.holder, {
      ttlMs: discoveryLeaseMs,
    });
    if (!lease) return { status: 'busy', view: memo?.view ?? noneYet(), calls: {} };
    try {
      const started = now();
      const { snapshot, calls } = await discoverAccounts(org, options.reader(), now);
      await lease.ensure();
      await options.store.saveDiscovery(scope, snapshot);
      options.onDiscovered?.({ accounts: snapshot.accounts.length, calls, ms: now() - started });
      return { status: 'discovered', view: remember(snapshot), calls };
    } finally {
      await lease.release();
    }
  }

  /** One discovery at a time in this process; callers in the meantime share it. */
  function refresh(): Promise<RefreshOutcome> {
    running ??= discoverNow().finally(() => {
      running = undefined;
    });
    return running;
  }

  /** Another process holds the lease: its discovery lands in the store. */
  async function waitForOther(): Promise<DiscoverySnapshot | null> {
    const deadline = now() + (options.waitForOtherMs ?? 30_000);
    while (now() < deadline) {
      await sleep(1000);
      const saved = await load();
      if (saved) return saved;
    }
    return null;
  }

  /** AWS's refusal says what to fix (the action, the role); anything else says discovery failed. */
  function notDiscovered(error: unknown): AppError {
    const cause = asAppError(error);
    if (cause.code.startsWith('aws_')) return cause;
    return new AppError('accounts_not_discovered', `no discovery of ${scope}: ${cause.message}`, {
      params: { reason: typeof cause.params.reason === 'string' ? cause.params.reason : cause.code },
      cause: error,
    });
  }

  async function view(): Promise<AccountView> {
    if (memo && now() - memo.readAt < reloadMs) return memo.view;
    const saved = await load();
    if (saved && !(options.refreshWhenStale && isStale(saved))) return remember(saved);
    try {
      const outcome = await refresh();
      if (outcome.status === 'discovered') return outcome.view;
    } catch (error) {
      if (!saved) throw notDiscovered(error);
      // The saved list stays in use until a discovery succeeds.
      options.onError?.(error);
      return remember(saved);
    }
    if (saved) return remember(saved);
    const other = await waitForOther();
    if (other) return remember(other);
    throw notDiscovered(
      new AppError('aws_unavailable', 'another process is still discovering', {
        params: { reason: 'DiscoveryRunning' },
      }),
    );
  }

  return {
    mode: 'organization',
    view,
    refresh,
    async refreshIfDue() {
      const saved = await load();
      if (saved && !isStale(saved)) return { status: 'fresh', view: remember(saved), calls: {} };
      return refresh();
    },
  };
}
