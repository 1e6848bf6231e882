/** `npm run bench [name...]`: runs the benchmarks and prints their figures as JSON. */
import { benchCheck } from './check.ts';

const benches: Record<string, () => Promise<unknown>> = {
  check: () => benchCheck(),
};

const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(benches);
for (const name of chosen) {
  const bench = benches[name];
  if (!bench) {
    process.stderr.write(`unknown benchmark ${name}; choose from ${Object.keys(benches).join(', ')}\n`);
    process.exitCode = 2;
    continue;
  }
  process.stderr.write(`running ${name}...\n`);
  process.stdout.write(`${JSON.stringify(await bench(), null, 2)}\n`);
}
