import { userInfo } from 'node:os';
import { z } from 'zod';
import { severityRank } from '../src/catalog/schema.ts';
import { channelAccounts, findAccount } from '../src/config/load.ts';
import type { AccountConfig, Config } from '../src/config/schema.ts';
import { Region } from '../src/config/schema.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import { renderCheckReport } from './check-render.ts';
import { type CommandContext, defineSubcommand, perLanguage } from './define.ts';
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

function allowedAccounts(ctx: CommandContext, config: Config): AccountConfig[] {
  if (ctx.surface !== 'slack') return [...config.accounts];
  if (!ctx.channel) {
    throw new AppError('channel_not_configured', `channel ${ctx.channelId} has no accounts`, {
      params: { channel: ctx.channelId ?? '?' },
    });
  }
  return channelAccounts(config, ctx.channel);
}

function chooseAccounts(ctx: CommandContext, config: Config, named: readonly string[]): AccountConfig[] {
  const allowed = allowedAccounts(ctx, config);
  if (named.length === 0) return allowed;
  return named.map((ref) => {
    const account = findAccount(config, ref);
    if (!account) {
      throw new AppError('unknown_account', `unknown account ${ref}`, {
        params: { account: ref.slice(0, 64), known: config.accounts.map((a) => a.name ?? a.id).join(', ') },
      });
    }
    if (!allowed.includes(account)) {
      throw new AppError(
        'account_not_in_channel',
        `account ${ref} is not linked to channel ${ctx.channelId}`,
        {
          params: { account: ref.slice(0, 64), allowed: allowed.map((a) => a.name ?? a.id).join(', ') },
        },
      );
    }
    return account;
  });
}

function requesterOf(ctx: CommandContext): string {
  if (ctx.userId) return ctx.userId;
  try {
    return `cli-${userInfo().username}`;
  } catch {
    return 'cli';
  }
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
