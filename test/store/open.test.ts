import { describe, expect, it } from 'vitest';
import { describeStoreLocation, parseStoreLocation } from '../../src/store/open.ts';

describe('FSBP_STORE', () => {
  it('names a SQLite file by path or sqlite: URL, with the default when unset', () => {
    expect(parseStoreLocation(undefined)).toEqual({ kind: 'sqlite', path: './data/fsbp.db' });
    expect(parseStoreLocation('  ')).toEqual({ kind: 'sqlite', path: './data/fsbp.db' });
    expect(parseStoreLocation('/data/fsbp.db')).toEqual({ kind: 'sqlite', path: '/data/fsbp.db' });
    expect(parseStoreLocation('sqlite:./data/fsbp.db')).toEqual({ kind: 'sqlite', path: './data/fsbp.db' });
    expect(parseStoreLocation('sqlite:///var/lib/fsbp%20bot/fsbp.db')).toEqual({
      kind: 'sqlite',
      path: '/var/lib/fsbp bot/fsbp.db',
    });
  });

  it('names PostgreSQL by postgres:// or postgresql:// URL, or by the PG* variables alone', () => {
    expect(parseStoreLocation('postgres://bot@db.internal:5432/fsbp?sslmode=verify-full', 4)).toEqual({
      kind: 'postgres',
      connectionString: 'postgres://bot@db.internal:5432/fsbp?sslmode=verify-full',
      poolSize: 4,
    });
    expect(parseStoreLocation('postgresql://bot@db/fsbp').kind).toBe('postgres');
    expect(parseStoreLocation('postgres:')).toEqual({
      kind: 'postgres',
      connectionString: undefined,
      poolSize: 10,
    });
  });

  it('refuses anything else with the variable’s name and never echoes a password', () => {
    expect(() => parseStoreLocation('mysql://root@db/fsbp')).toThrow(/FSBP_STORE: must be/);
    expect(() => parseStoreLocation('sqlite:')).toThrow(/FSBP_STORE/);
    expect(() => parseStoreLocation('postgres://bot@db:99999/fsbp')).toThrow(/FSBP_STORE/);
    const described = describeStoreLocation(
      parseStoreLocation('postgres://bot:s3cret@db:5432/fsbp?password=x'),
    );
    expect(described).toBe('postgres://bot@db:5432/fsbp');
  });
});
