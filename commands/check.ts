import { z } from 'zod';
import { severityRank } from '../src/catalog/schema.ts';
import { findAccount } from '../src/config/load.ts';
import { type Config, Region } from '../src/config/schema.ts';
import { invalidArguments } from '../src/errors.ts';
import { chooseAccounts, requesterOf } from './accounts.ts';
import { renderCheckReport } from './check-render.ts';
import { defineSubcommand, perLanguage } from './define.ts';
import { parseTarget, selectControls } from './resolve.ts';

const Args = z
  .object({
    positionals: z.array(z.string()).min(1, 'args.checkTarget'),
    flags: z.object({
      account: z.array(z.string()).optional(),
      region: z.array(z.string()).optional(),
      timeout: z.coerce
        .number({ error: 'args.timeout' })
        .int('args.timeout')
        .min(1, 'args.timeout')
        .max(3600, 'args.timeout')
        .default(300),
      reevaluate: z.boolean().default(true),
    }),
  })
  .transform((a) => ({
    words: a.positionals,
    accounts: a.flags.account ?? [],
    regions: a.flags.region ?? [],
    timeoutSeconds: a.flags.timeout,
    reevaluate: a.flags.reevaluate,
  }));

type CheckArgs = z.infer<typeof Args>;

const regionPattern = Region.safeParse.bind(Region);

/** Words may also name an account or a Region (`/fsbp check S3 prod ap-northeast-1`). */
function classify(words: readonly string[], config: Config) {
  const targets: string[] = [];
  const accounts: string[] = [];
  const regions: string[] = [];
  for (const word of words) {
    if (regionPattern(word).success) regions.push(word);
    else if (findAccount(config, word)) accounts.push(word);
    else targets.push(word);
  }
  return { targets, accounts, regions };
}

export const check = defineSubcommand({
  name: 'check',
  longRunning: true,
  flags: { account: 'strings', region: 'strings', timeout: 'string', reevaluate: 'boolean' },
  args: Args,
  async run(args: CheckArgs, ctx) {
    const config = await ctx.services.config();
    const words = classify(args.words, config);
    if (words.targets.length === 0) {
      throw invalidArguments('args.checkTarget');
    }
    const targets = words.targets.map((w) => parseTarget(ctx.catalog, w));
    const controls = selectControls(ctx.catalog, targets).sort(
      (a, b) => severityRank[b.severity] - severityRank[a.severity],
    );
    const accounts = chooseAccounts(ctx, config, [...args.accounts, ...words.accounts]);
    const regions = [...args.regions, ...words.regions];
    for (const region of regions) {
      if (!regionPattern(region).success) {
        throw invalidArguments('args.region', { region: region.slice(0, 40) });
      }
    }
    const engine = await ctx.services.checkEngine();
    const report = await engine.run({
      targets: words.targets,
      controls,
      accounts: accounts.map((a) => ({ ...a, regions: regions.length ? regions : a.regions })),
      requester: requesterOf(ctx),
      reevaluate: args.reevaluate,
      timeoutMs: args.timeoutSeconds * 1000,
      onProgress: (p) => ctx.progress?.(p),
    });
    const unreachable = report.results.some((r) => r.error);
    const exitCode = unreachable ? 3 : report.summary.FAILED > 0 ? 1 : 0;
    const doc = perLanguage(ctx, (t, lang) =>
      renderCheckReport(report, { t, lang, catalog: ctx.catalog, reevaluate: args.reevaluate }),
    );
    return { doc, json: report, exitCode, visibility: 'channel' };
  },
});
