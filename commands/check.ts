import { z } from 'zod';
import { severityRank } from '../src/catalog/schema.ts';
import { Region } from '../src/config/schema.ts';
import { itemKey } from '../src/digest/plan.ts';
import { renderCheckReport, suppressGroup } from '../src/document/check-doc.ts';
import type { CheckReport } from '../src/engine/types.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import { languagesFor } from '../src/i18n/index.ts';
import { looksLikeSelector } from '../src/organization/selectors.ts';
import type { AccountView, DirectoryAccount } from '../src/organization/view.ts';
import { accountView, chooseAccounts, requesterOf } from '../src/subcommand/account-access.ts';
import { type CommandContext, defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { liveCatalogOf } from '../src/subcommand/live-catalog.ts';
import { parseTarget, selectControls } from '../src/subcommand/targets.ts';
import type { CheckTargetRecord } from '../src/suppression/types.ts';

/** The longest a check may wait for its evaluations (AWS Config runs usually end within minutes). */
export const maxTimeoutSeconds = 900;

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
        .max(maxTimeoutSeconds, 'args.timeout')
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
/** Words that look like a Region code are taken as one, so a misspelt Region is reported as such. */
const looksLikeRegion = (word: string) => /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/.test(word);

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

/**
 * Words may also name an account or a Region (`/fsbp check S3 prod ap-northeast-1`); in organization
 * mode also an OU or a tag (`/fsbp check S3 ou-abcd-12345678`).
 */
function classify(words: readonly string[], view: AccountView) {
  const targets: string[] = [];
  const accounts: string[] = [];
  const regions: string[] = [];
  for (const word of words) {
    if (looksLikeRegion(word)) regions.push(word);
    else if (view.find(word) || (view.mode === 'organization' && looksLikeSelector(word)))
      accounts.push(word);
    else targets.push(word);
  }
  return { targets, accounts, regions };
}

/**
 * The account-Region pairs to check. Named Regions must be configured for the account (all of them
 * when accounts were named, at least one account otherwise): a check never reaches a Region the
 * operator did not list, and a typo is reported, not silently checked as an empty Region.
 */
function checkJobs(
  accounts: readonly DirectoryAccount[],
  regions: readonly string[],
  accountsNamed: boolean,
) {
  for (const region of regions) {
    if (!regionPattern(region).success) {
      throw invalidArguments('args.region', { region: region.slice(0, 40) });
    }
  }
  if (regions.length === 0) return accounts.map((a) => ({ ...a, regions: [...a.regions] }));
  const configured = unique(accounts.flatMap((a) => a.regions));
  const refuse = (region: string, account?: DirectoryAccount) =>
    new AppError('region_not_configured', `region ${region} is not configured for the accounts asked`, {
      params: {
        region,
        account: account ? (account.name ?? account.id) : '-',
        configured: (account ? account.regions : configured).join(', '),
      },
    });
  for (const region of regions) {
    const missing = accountsNamed ? accounts.find((a) => !a.regions.includes(region)) : undefined;
    if (missing) throw refuse(region, missing);
    if (!configured.includes(region)) throw refuse(region);
  }
  return accounts
    .map((a) => ({ ...a, regions: a.regions.filter((r) => regions.includes(r)) }))
    .filter((a) => a.regions.length > 0);
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
    const view = await accountView(ctx);
    const words = classify(args.words, view);
    if (words.targets.length === 0) {
      throw invalidArguments('args.checkTarget');
    }
    const named = unique([...args.accounts, ...words.accounts]);
    const accounts = chooseAccounts(ctx, view, named);
    const jobs = checkJobs(accounts, unique([...args.regions, ...words.regions]), named.length > 0);
    const pairs = jobs.reduce((sum, a) => sum + a.regions.length, 0);
    if (pairs > config.check.maxTargets) {
      throw new AppError(
        'too_many_targets',
        `${pairs} account-Region pairs asked, at most ${config.check.maxTargets}`,
        {
          params: { count: pairs, max: config.check.maxTargets },
        },
      );
    }
    // Only now, the input being fine otherwise, may AWS be asked for its list of controls: the catalog
    // as AWS has it (a control AWS added can be checked, one AWS dropped is retired).
    const catalog = await liveCatalogOf(ctx, 'current');
    const targets = words.targets.map((w) => parseTarget(catalog, w));
    const controls = selectControls(catalog, targets).sort(
      (a, b) => severityRank[b.severity] - severityRank[a.severity],
    );
    const engine = await ctx.services.checkEngine();
    await ctx.begin?.();
    const report = await engine.run({
      targets: words.targets,
      controls,
      accounts: jobs,
      requester: requesterOf(ctx),
      reevaluate: args.reevaluate,
      reevaluateAfterMs: config.check.reevaluateAfter * 60_000,
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
        catalog,
        reevaluate: args.reevaluate,
        reevaluateAfterMinutes: config.check.reevaluateAfter,
        // Buttons once, beside the first language's list.
        suppress: keys.size > 0 && lang === first ? { keys, label } : undefined,
      }),
    );
    return { doc, json: report, exitCode, visibility: 'channel' };
  },
});
