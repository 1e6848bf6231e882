import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { storeContract } from './contract.ts';

storeContract('SQLite file', async (now) =>
  openSqliteStore({ path: join(mkdtempSync(join(tmpdir(), 'fsbp-contract-')), 'fsbp.db'), now }),
);
