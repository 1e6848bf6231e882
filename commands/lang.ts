import { z } from 'zod';
import { text } from '../src/document/doc.ts';
import { invalidArguments } from '../src/errors.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({}).loose() })
  .refine((a) => a.positionals.length === 1, 'args.lang')
  .transform((a) => a.positionals[0]?.toLowerCase())
  .pipe(z.enum(['ja', 'en', 'both'], { error: 'args.lang' }))
  .transform((language) => ({ language }));

export const lang = defineSubcommand({
  name: 'lang',
  flags: {},
  args: Args,
  surfaces: ['slack'],
  async run(args, ctx) {
    if (!ctx.userId || !ctx.services.setUserLanguage) {
      throw invalidArguments('args.slackOnly');
    }
    await ctx.services.setUserLanguage(ctx.userId, args.language);
    const doc = perLanguage({ ...ctx, language: args.language }, (t) => [text([t('lang.saved')])]);
    return { doc, visibility: 'private' };
  },
});
