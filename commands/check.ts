import { z } from 'zod';
import { severityRank } from '../src/catalog/schema.ts';
import { findAccount } from '../src/config/load.ts';
import { type Config, Region } from '../src/config/schema.ts';
import { itemKey } from '../src/digest/plan.ts';
import type { CheckReport } from '../src/engine/types.ts';
import { invalidArguments } from '../src/errors.ts';
import { languagesFor } from '../src/i18n/index.ts';
import type { CheckTargetRecord } from '../src/suppression/types.ts';
import { chooseAccounts, requesterOf } from './accounts.ts';
import { renderCheckReport, suppressGroup } from './check-render.ts';
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

/**
 * Slack: remembers each failing control of the result (its unsuppressed failing findings) under a
 * short key, for the Suppress buttons beside them. The terminal shows no buttons and records nothing.
 */
async function recordSuppressTargets(ctx: CommandContext, report: CheckReport): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  if (ctx.surface !== 'slack' || !ctx.channelId) return keys;
  const services = await ctx.services.suppression?.();
  if (!services) return keys;
  const records: CheckTargetRecord[] = [];
  for (const region of report.results) {
    for (const control of region.controls) {
      if (control.status !== 'FAILED') continue;
      const failing = control.resources.filter((r) => r.status === 'FAILED' && !r.suppressed && r.findingId);
      if (failing.length === 0) continue;
      const group = suppressGroup(region.accountId, region.region, control.controlId);
      const key = itemKey(ctx.channelId, report.startedAt, `check|${group}`);
      keys.set(group, key);
      records.push({
        key,
        controlId: control.controlId,
        accountId: region.accountId,
        region: region.region,
        findingIds: failing.map((r) => r.findingId as string),
        resources: failing.map((r) => r.resourceId),
        channel: ctx.channelId,
        createdAt: report.finishedAt,
      });
    }
  }
  await services.store.recordCheckTargets(records);
  return keys;
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
    const keys = await recordSuppressTargets(ctx, report);
    const label = languagesFor(ctx.language)
      .map((l) => ctx.i18n.getFixedT(l)('digest.suppress'))
      .join(' / ');
    const first = languagesFor(ctx.language)[0];
    const doc = perLanguage(ctx, (t, lang) =>
      renderCheckReport(report, {
        t,
        lang,
        catalog: ctx.catalog,
        reevaluate: args.reevaluate,
        // Buttons once, beside the first language's list.
        suppress: keys.size > 0 && lang === first ? { keys, label } : undefined,
      }),
    );
    return { doc, json: report, exitCode, visibility: 'channel' };
  },
});
