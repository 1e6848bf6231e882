import { afterAll, describe, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres.ts';
import { freshSchema, postgresAvailable } from '../helpers/postgres.ts';
import { historyContract } from './history-contract.ts';

const schemas: { drop(): Promise<void> }[] = [];
afterAll(async () => {
  for (const s of schemas) await s.drop();
});

if (await postgresAvailable()) {
  historyContract('PostgreSQL', async () => {
    const schema = await freshSchema();
    schemas.push(schema);
    return openPostgresStore({ connectionString: schema.url, poolSize: 4 });
  });
} else {
  describe.skip('posture history: PostgreSQL (no server, see the warning above)', () => {
    it('runs against PostgreSQL', () => {});
  });
}
