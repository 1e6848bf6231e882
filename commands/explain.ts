import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { Catalog } from '../src/catalog/catalog.ts';
import type { Control } from '../src/catalog/schema.ts';
import { errorText } from '../src/document/check-doc.ts';
import {
  awsOnlyLine,
  awsRemediationLines,
  bothDocsLinks,
  disabledReason,
  retiredLine,
} from '../src/document/control-lines.ts';
import { bold, code, type Doc, heading, type Line, link, note, text } from '../src/document/doc.ts';
import { type ControlInAccount, controlInAccount } from '../src/engine/control-status.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import type { Language } from '../src/i18n/index.ts';
import { accountView, chooseAccounts, requesterOf } from '../src/subcommand/account-access.ts';
import { type CommandContext, defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { liveCatalogOf } from '../src/subcommand/live-catalog.ts';
import { requireControl } from '../src/subcommand/targets.ts';

const Args = z
  .object({
    positionals: z.array(z.string()),
    flags: z
      .object({ account: z.array(z.string()).optional(), region: z.array(z.string()).optional() })
      .loose(),
  })
  .refine((a) => a.positionals.length === 1, 'args.explainOne')
  .transform((a) => ({
    controlId: a.positionals[0] as string,
    accounts: a.flags.account ?? [],
    regions: a.flags.region ?? [],
  }));

/** The catalog's copy of AWS's list first (no AWS call); AWS's list itself only for an ID the copy lacks. */
async function findControl(ctx: CommandContext, id: string): Promise<{ catalog: Catalog; control: Control }> {
  let catalog = await liveCatalogOf(ctx, 'cached');
  if (!catalog.find(id)) catalog = await liveCatalogOf(ctx, 'current');
  return { catalog, control: requireControl(catalog, id) };
}

/** `--account prod [--region r]`: the control in each configured Region of each account named. */
async function inAccounts(
  ctx: CommandContext,
  control: Control,
  named: readonly string[],
  regions: readonly string[],
): Promise<ControlInAccount[]> {
  const config = await ctx.services.config();
  const services = await ctx.services.controls?.();
  if (!services) throw invalidArguments('args.controlsSync');
  const accounts = chooseAccounts(ctx, await accountView(ctx), named);
  const jobs = accounts.flatMap((account) => {
    const wanted = regions.length > 0 ? regions : account.regions;
    return wanted.map((region) => {
      if (!account.regions.includes(region)) {
        throw new AppError('region_not_configured', `region ${region} is not configured for ${account.id}`, {
          params: {
            region: region.slice(0, 40),
            account: account.name ?? account.id,
            configured: account.regions.join(', '),
          },
        });
      }
      return { account, region };
    });
  });
  if (jobs.length > config.check.maxTargets) {
    throw new AppError('too_many_targets', `${jobs.length} account-Region pairs asked`, {
      params: { count: jobs.length, max: config.check.maxTargets },
    });
  }
  const requester = requesterOf(ctx);
  return Promise.all(
    jobs.map((j) => controlInAccount(services.aws, j.account, j.region, control, requester)),
  );
}

function where(r: ControlInAccount): string {
  return r.accountName ? `${r.accountName} (${r.accountId}) ${r.region}` : `${r.accountId} ${r.region}`;
}

/** Enabled or disabled (with why), then each parameter in force, custom or default. */
function accountLines(t: TFunction, r: ControlInAccount): Line[] {
  const lines: Line[] = [];
  if (r.enabled === true) lines.push([t('explain.enabledIn', { where: where(r) })]);
  else if (r.enabled === false) {
    lines.push([t('explain.disabledIn', { where: where(r), reason: disabledReason(r.reason, t) })]);
  } else {
    const error = r.error ? errorText(t, r.error, r) : t('controls.noReason');
    lines.push([t('explain.statusUnknown', { where: where(r), error })]);
  }
  if (r.parameters) {
    if (r.parameters.length === 0) lines.push([t('explain.noParameters')]);
    else {
      lines.push([bold(t('explain.parameters'))]);
      for (const p of r.parameters) {
        lines.push([
          code(p.name),
          ' = ',
          p.value === null ? t('explain.noValue') : code(p.value),
          ` (${t(p.custom ? 'explain.custom' : 'explain.default')})`,
        ]);
      }
    }
    if (r.lastUpdateReason) {
      lines.push([t('explain.lastUpdate', { reason: disabledReason(r.lastUpdateReason, t) })]);
    }
  }
  return lines;
}

function catalogDoc(control: Control, catalog: Catalog, t: TFunction, lang: Language): Doc {
  const facts = [
    bold(t('labels.severity')),
    ` ${t(`severity.${control.severity}`)}   `,
    bold(t('labels.service')),
    ` ${control.service}   `,
    bold(t('labels.configRule')),
    ' ',
    control.configRule ? code(control.configRule) : t('labels.none'),
  ];
  return [
    heading(`${control.id} ${control.title[lang]}`),
    text(facts),
    ...(control.deprecated ? [note(retiredLine(control, t, catalog))] : []),
    text([bold(t('labels.summary'))], [control.summary[lang]]),
    text([bold(t('labels.remediation'))], ...control.remediation[lang].split('\n').map((l) => [l])),
    note(
      [link(control.links[lang], t('explain.docs'))],
      ...idNote(control, t('explain.securityControlId')),
      ...(control.aliases.length > 0
        ? [
            [
              `${t('catalog.aliases')}: `,
              ...control.aliases.flatMap((a, i) => (i ? [', ', code(a)] : [code(a)])),
            ],
          ]
        : []),
    ),
  ];
}

/** A control the catalog lacks: AWS's English title, description and remediation page, both guides. */
function awsDoc(control: Control, catalog: Catalog, t: TFunction): Doc {
  const definition = catalog.awsDefinition(control.id);
  if (!definition) return [];
  return [
    heading(`${control.id} ${definition.title}`),
    text([
      bold(t('labels.severity')),
      ` ${t(`severity.${control.severity}`)}   `,
      bold(t('labels.service')),
      ` ${control.service}`,
    ]),
    note(awsOnlyLine(t)),
    text([bold(t('labels.summary'))], [definition.description || '-']),
    ...awsRemediationLines(definition, t).map((line) => text(line)),
    note(bothDocsLinks(control, t)),
  ];
}

export const explain = defineSubcommand({
  name: 'explain',
  flags: { account: 'strings', region: 'strings' },
  args: Args,
  async run(args, ctx) {
    const { catalog, control } = await findControl(ctx, args.controlId);
    if (args.regions.length > 0 && args.accounts.length === 0) throw invalidArguments('args.explainAccount');
    const status =
      args.accounts.length > 0 ? await inAccounts(ctx, control, args.accounts, args.regions) : [];
    const doc = perLanguage(
      ctx,
      (t, lang): Doc => [
        ...(catalog.awsDefinition(control.id)
          ? awsDoc(control, catalog, t)
          : catalogDoc(control, catalog, t, lang)),
        ...status.map((r) => text(...accountLines(t, r))),
      ],
    );
    const json = status.length > 0 ? { ...control, inAccounts: status } : control;
    return { doc, json, visibility: 'private' };
  },
});

/** The security control ID findings carry, when it is not the catalog ID. */
function idNote(control: Control, label: string) {
  return control.securityControlId === control.id ? [] : [[`${label}: `, code(control.securityControlId)]];
}
