import { AppError } from '../errors.ts';
import type { Store } from './store.ts';

function invalid(message: string): AppError {
  return new AppError('config_invalid', `FSBP_STORE: ${message}`, {
    params: { source: 'FSBP_STORE', count: 1 },
  });
}

/** Where the store lives, from FSBP_STORE: a SQLite file (path or sqlite: URL) or a PostgreSQL URL. */
export type StoreLocation =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; connectionString: string | undefined; poolSize: number };

export const defaultStorePath = './data/fsbp.db';

/**
 * `postgres://user@host:5432/db?sslmode=require` (also `postgresql://`) for PostgreSQL, where parts
 * left out come from the standard PG* variables; `postgres:` alone takes them all from PG*.
 * `sqlite:./data/fsbp.db`, `sqlite:///abs/path.db` or a plain path for SQLite.
 */
export function parseStoreLocation(value: string | undefined, poolSize = 10): StoreLocation {
  const text = value?.trim() || defaultStorePath;
  if (/^postgres(ql)?:$/i.test(text)) return { kind: 'postgres', connectionString: undefined, poolSize };
  if (/^postgres(ql)?:\/\//i.test(text)) {
    if (!URL.canParse(text)) throw invalid('is not a valid PostgreSQL URL');
    return { kind: 'postgres', connectionString: text, poolSize };
  }
  if (/^sqlite:/i.test(text)) {
    const rest = text.slice('sqlite:'.length);
    const path = rest.startsWith('//') ? decodeURIComponent(new URL(text).pathname) : rest;
    if (!path) throw invalid('sqlite: needs a file path');
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw invalid('must be a file path, a sqlite: URL or a postgres:// URL');
  }
  return { kind: 'sqlite', path: text };
}

/** The location for logs and messages: never the password. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.kind === 'sqlite') return `sqlite:${location.path}`;
  if (!location.connectionString) return 'postgres (PG* variables)';
  const url = new URL(location.connectionString);
  url.password = '';
  url.search = '';
  return url.toString();
}

/** Opens the store; each backend is loaded only when used (the CLI's `explain` loads neither). */
export async function openStore(
  location: StoreLocation,
  options: { now?: () => number; keepConnections?: boolean } = {},
): Promise<Store> {
  const { keepConnections, ...rest } = options;
  if (location.kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore({
      connectionString: location.connectionString,
      poolSize: location.poolSize,
      keepConnections: keepConnections ?? false,
      ...rest,
    });
  }
  const { openSqliteStore } = await import('./sqlite.ts');
  return openSqliteStore({ path: location.path, ...rest });
}
