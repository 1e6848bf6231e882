import { openSqliteStore } from '../../src/store/sqlite.ts';
import { historyContract } from './history-contract.ts';

historyContract('SQLite', async () => openSqliteStore({ path: ':memory:' }));
