import { z } from 'zod';
import type { Control } from '../src/catalog/schema.ts';
import type { SyncReport } from '../src/catalog/sync.ts';
import { code, type Doc, heading, list, note, text } from '../src/document/doc.ts';
import { invalidArguments } from '../src/errors.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { liveCatalogOf } from '../src/subcommand/live-catalog.ts';
import { parseTarget, selectControls } from '../src/subcommand/targets.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({ sync: z.boolean().optional() }).loose() })
  .refine((a) => a.positionals.length <= 1, 'args.controlsOne')
  .refine((a) => !(a.flags.sync && a.positionals.length > 0), 'args.controlsOne')
  .transform((a) => ({ filter: a.positionals[0], sync: a.flags.sync ?? false }));

/** `--sync`: AWS's list read now, and both differences with the catalog files. */
function syncDoc(report: SyncReport, t: Parameters<Parameters<typeof perLanguage>[1]>[0]): Doc {
  const doc: Doc[number][] = [
    heading(
      t('controls.syncHeading', {
        date: report.syncedAt.slice(0, 10),
        account: report.source.accountId,
        region: report.source.region,
        count: report.listed,
      }),
    ),
  ];
  if (report.awsOnly.length === 0 && report.retired.length === 0) doc.push(text([t('controls.syncSame')]));
  if (report.awsOnly.length > 0) {
    doc.push(text([t('controls.syncAwsOnly', { count: report.awsOnly.length })]));
    doc.push(list(report.awsOnly.map((c) => [code(c.id), ` [${t(`severity.${c.severity}`)}] ${c.title}`])));
  }
  if (report.retired.length > 0) {
    doc.push(text([t('controls.syncRetired', { count: report.retired.length })]));
    doc.push(list(report.retired.map((c) => [code(c.id), ` ${c.title}`])));
  }
  return doc;
}

export const controls = defineSubcommand({
  name: 'controls',
  flags: { sync: 'boolean' },
  args: Args,
  async run(args, ctx) {
    if (args.sync) {
      const services = await ctx.services.controls?.();
      if (!services) throw invalidArguments('args.controlsSync');
      const report = await services.catalog.sync();
      return { doc: perLanguage(ctx, (t) => syncDoc(report, t)), json: report, visibility: 'private' };
    }
    const catalog = await liveCatalogOf(ctx, 'cached');
    const target = args.filter ? parseTarget(catalog, args.filter) : { kind: 'all' as const };
    // A listing shows the retired control too, marked, so the catalog reads complete.
    const selected: Control[] = selectControls(catalog, [target], { includeRetired: true });
    const doc = perLanguage(
      ctx,
      (t, lang): Doc => [
        heading(t('controls.heading', { count: selected.length })),
        list(
          selected.map((c) => [
            code(c.id),
            ` [${t(`severity.${c.severity}`)}] ${c.title[lang]}`,
            c.deprecated ? ` (${t('controls.retired')})` : '',
            catalog.awsDefinition(c.id) ? ` (${t('controls.fromAws')})` : '',
          ]),
        ),
        note([t('controls.hint')]),
      ],
    );
    return { doc, json: selected, visibility: 'private' };
  },
});
