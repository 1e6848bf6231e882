import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** Builds dist/ once, so tests of bin/fsbp.js run what `npx fsbp` runs. */
export default function setup() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
