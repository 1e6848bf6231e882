import { check } from './check.ts';
import { controls } from './controls.ts';
import type { Subcommand } from './define.ts';
import { explain } from './explain.ts';
import { createHelp } from './help.ts';

export const help = createHelp(() => subcommands);

/** Every subcommand of `/fsbp` and `fsbp`, alphabetical. A test keeps this list and the folder in step. */
export const subcommands: readonly Subcommand<never>[] = [
  controls,
  explain,
  help,
] as unknown as Subcommand<never>[];

export function findSubcommand(name: string): Subcommand<never> | undefined {
  return subcommands.find((c) => c.name === name.toLowerCase());
}
