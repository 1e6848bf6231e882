import { z } from 'zod';
import { code, type Doc, heading, list, note } from '../src/document/doc.ts';
import {
  type CommandContext,
  defineSubcommand,
  perLanguage,
  type Subcommand,
} from '../src/subcommand/define.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({}).loose() })
  .transform((a) => ({ topic: a.positionals[0]?.toLowerCase() }));

/** The command list for a surface, from the registry: adding a command adds its help line. */
export function helpDoc(ctx: CommandContext, commands: readonly Subcommand<never>[], topic?: string): Doc {
  const prefix = ctx.surface === 'slack' ? '/fsbp' : 'fsbp';
  const offered = commands.filter((c) => !c.surfaces || c.surfaces.includes(ctx.surface));
  const shown = topic ? offered.filter((c) => c.name === topic) : offered;
  return perLanguage(ctx, (t) => [
    heading(t('help.heading')),
    list(
      (shown.length ? shown : offered).map((c) => [
        code(`${prefix} ${t(`commands.${c.name}.usage`)}`),
        ` — ${t(`commands.${c.name}.summary`)}`,
      ]),
    ),
    note([t(ctx.surface === 'slack' ? 'help.footerSlack' : 'help.footerCli')]),
  ]);
}

export function createHelp(commands: () => readonly Subcommand<never>[]) {
  return defineSubcommand({
    name: 'help',
    flags: {},
    args: Args,
    async run(args, ctx) {
      return { doc: helpDoc(ctx, commands(), args.topic), visibility: 'private' };
    },
  });
}
