import { z } from 'zod';
import type { Control } from '../src/catalog/schema.ts';
import { code, type Doc, heading, list, note } from '../src/document/doc.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { parseTarget, selectControls } from '../src/subcommand/targets.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({}).loose() })
  .refine((a) => a.positionals.length <= 1, 'args.controlsOne')
  .transform((a) => ({ filter: a.positionals[0] }));

export const controls = defineSubcommand({
  name: 'controls',
  flags: {},
  args: Args,
  async run(args, ctx) {
    const target = args.filter ? parseTarget(ctx.catalog, args.filter) : { kind: 'all' as const };
    // A listing shows the retired control too, marked, so the catalog reads complete.
    const selected: Control[] = selectControls(ctx.catalog, [target], { includeRetired: true });
    const doc = perLanguage(
      ctx,
      (t, lang): Doc => [
        heading(t('controls.heading', { count: selected.length })),
        list(
          selected.map((c) => [
            code(c.id),
            ` [${t(`severity.${c.severity}`)}] ${c.title[lang]}`,
            c.deprecated ? ` (${t('controls.retired')})` : '',
          ]),
        ),
        note([t('controls.hint')]),
      ],
    );
    return { doc, json: selected, visibility: 'private' };
  },
});
