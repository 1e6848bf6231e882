import { z } from 'zod';
import { text } from '../src/document/doc.ts';
import { invalidArguments } from '../src/errors.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { verifyChain } from '../src/suppression/audit.ts';

const Args = z.object({
  positionals: z.tuple([z.literal('verify', 'args.auditAction')], { error: 'args.auditAction' }),
  flags: z.object({}),
});

/** `fsbp audit verify`: walks the suppression audit trail's hash chain; exit 1 at the first broken event. */
export const audit = defineSubcommand({
  name: 'audit',
  flags: {},
  args: Args,
  surfaces: ['cli'],
  async run(_args, ctx) {
    const store = await ctx.services.store?.();
    if (!store) throw invalidArguments('args.noStore');
    const check = await verifyChain((after, limit) => store.auditEvents(after, limit));
    if (check.ok) {
      const doc = perLanguage(ctx, (t) => [text([t('audit.intact', { count: check.events })])]);
      return { doc, json: check, exitCode: 0 };
    }
    const { id, suppressionId, reason } = check.broken;
    const doc = perLanguage(ctx, (t) => [
      text([t('audit.broken', { id, suppression: suppressionId, reason: t(`audit.${reason}`) })]),
    ]);
    return { doc, json: check, exitCode: 1 };
  },
});
