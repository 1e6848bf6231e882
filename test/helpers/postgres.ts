import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test server: PostgreSQL on loopback with trust auth (override with FSBP_TEST_PG_URL). */
export const testPostgresUrl = process.env.FSBP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const howToStart =
  'start one on 127.0.0.1:5432 with trust auth and a database "test" ' +
  '(e.g. docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16), ' +
  'or point FSBP_TEST_PG_URL at one';

/**
 * Whether the test server answers. Without one the PostgreSQL tests skip with a message saying how
 * to start one; with CI=true a missing server is a failure.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: testPostgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    const message = `PostgreSQL tests need a server: ${howToStart} (${(error as Error).message})`;
    if (process.env.CI === 'true') throw new Error(message);
    console.warn(`skipping: ${message}`);
    return false;
  }
}

/** A schema of its own for one store, so test files (and tests) running in parallel never meet. */
export async function freshSchema(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `fsbp_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testPostgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${name}`);
  await admin.end();
  const url = new URL(testPostgresUrl);
  url.searchParams.set('options', `-c search_path=${name}`);
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: testPostgresUrl });
      await c.connect();
      await c.query(`DROP SCHEMA ${name} CASCADE`);
      await c.end();
    },
  };
}
