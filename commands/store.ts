import { z } from 'zod';
import { text } from '../src/document/doc.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import { CopyVerificationError, copyStore } from '../src/store/copy.ts';
import { describeStoreLocation, parseStoreLocation } from '../src/store/open.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';

const Args = z.object({
  positionals: z.tuple([z.literal('copy', 'args.storeAction')], { error: 'args.storeAction' }),
  flags: z.object({
    from: z.string({ error: 'args.storeAction' }).min(1, 'args.storeAction'),
    to: z.string({ error: 'args.storeAction' }).min(1, 'args.storeAction'),
  }),
});

/**
 * `fsbp store copy --from sqlite:./data/fsbp.db --to postgres://...`: moves an installation to another
 * store, verified (row counts and the audit chain) before it reports success; running it again
 * changes nothing.
 */
export const store = defineSubcommand({
  name: 'store',
  flags: { from: 'string', to: 'string' },
  args: Args,
  surfaces: ['cli'],
  async run(args, ctx) {
    const open = ctx.services.storeAt;
    if (!open) throw invalidArguments('args.noStore');
    const from = parseStoreLocation(args.flags.from);
    const to = parseStoreLocation(args.flags.to);
    const source = await open(from);
    try {
      const target = await open(to);
      try {
        const report = await copyStore(source, target);
        const rows = report.tables.reduce((sum, t) => sum + t.target, 0);
        const doc = perLanguage(ctx, (t) => [
          text([
            t('storeCopy.done', {
              rows,
              tables: report.tables.length,
              events: report.auditEvents,
              from: describeStoreLocation(from),
              to: describeStoreLocation(to),
            }),
          ]),
        ]);
        return { doc, json: report, exitCode: 0 };
      } finally {
        await target.close();
      }
    } catch (error) {
      if (!(error instanceof CopyVerificationError)) throw error;
      throw new AppError('store_copy_failed', error.message, { params: { count: error.problems.length } });
    } finally {
      await source.close();
    }
  },
});
