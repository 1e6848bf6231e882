import { distance } from 'fastest-levenshtein';
import type { Subcommand } from '../src/subcommand/define.ts';
import { accounts } from './accounts.ts';
import { audit } from './audit.ts';
import { check } from './check.ts';
import { config } from './config.ts';
import { controls } from './controls.ts';
import { digest } from './digest.ts';
import { doctor } from './doctor.ts';
import { explain } from './explain.ts';
import { createHelp } from './help.ts';
import { lang } from './lang.ts';
import { overdue } from './overdue.ts';
import { report } from './report.ts';
import { store } from './store.ts';
import { suppressions } from './suppressions.ts';
import { unsuppress } from './unsuppress.ts';

export const help = createHelp(() => subcommands);

/** Every subcommand of `/fsbp` and `fsbp`, alphabetical. A test keeps this list and the folder in step. */
export const subcommands: readonly Subcommand<never>[] = [
  accounts,
  audit,
  check,
  config,
  controls,
  digest,
  doctor,
  explain,
  help,
  lang,
  overdue,
  report,
  store,
  suppressions,
  unsuppress,
] as unknown as Subcommand<never>[];

export function findSubcommand(name: string): Subcommand<never> | undefined {
  return subcommands.find((c) => c.name === name.toLowerCase());
}

/** The registered name closest to what was typed, for "did you mean" answers. */
export function suggestCommand(
  input: string,
  names: readonly string[] = subcommands.map((c) => c.name),
): string {
  const typed = input.toLowerCase();
  return [...names].sort((a, b) => distance(a, typed) - distance(b, typed))[0] ?? 'help';
}
