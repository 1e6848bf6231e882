import { parseArgs } from 'node:util';
import { runSoak } from './soak.ts';

/** `npm run soak -- [--seed N] [--kills 20] [--budget-seconds 900]`: prints the figures as JSON. */
const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    kills: { type: 'string', default: '20' },
    'budget-seconds': { type: 'string', default: '900' },
  },
});
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const figures = await runSoak({
  seed,
  kills: Number(values.kills),
  budgetMs: Number(values['budget-seconds']) * 1000,
  log: (line) => process.stderr.write(`${line}\n`),
});
process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
