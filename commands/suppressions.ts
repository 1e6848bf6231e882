import { z } from 'zod';
import { csvTable } from '../src/document/csv.ts';
import { bold, code, type Doc, heading, type Line, link, text } from '../src/document/doc.ts';
import { invalidArguments } from '../src/errors.ts';
import { accountView, chooseAccounts } from '../src/subcommand/account-access.ts';
import {
  type CommandContext,
  defineSubcommand,
  perLanguage,
  type SuppressionServices,
} from '../src/subcommand/define.ts';
import type { Suppression } from '../src/suppression/types.ts';

const Args = z.object({
  positionals: z.array(z.string()).max(1, 'args.suppressionsAccount'),
  flags: z.object({ all: z.boolean().optional(), csv: z.boolean().optional() }),
});

/** The store behind suppression commands, or a bilingual error where there is none. */
export async function suppressionServices(ctx: CommandContext): Promise<SuppressionServices> {
  const services = await ctx.services.suppression?.();
  if (!services) throw invalidArguments('args.noStore');
  return services;
}

const csvColumns = [
  'id',
  'state',
  'control',
  'account',
  'region',
  'scope',
  'findings_suppressed',
  'resources',
  'user_id',
  'user_name',
  'reason',
  'created_at',
  'expires_at',
  'ended_at',
  'link',
] as const;

/** The audit export: one row per suppression, RFC 4180. */
export function suppressionsCsv(rows: readonly Suppression[]): string {
  return csvTable(
    csvColumns,
    rows.map((s) => [
      s.id,
      s.state,
      s.controlId,
      s.accountId,
      s.region,
      s.scope,
      s.updated.length,
      s.findings.map((f) => f.resourceId).join(' '),
      s.userId,
      s.userName,
      s.reason,
      s.createdAt,
      s.expiresAt,
      s.endedAt,
      s.permalink,
    ]),
  );
}

function resourcesLine(s: Suppression): Line {
  const names = s.findings.map((f) => f.resourceId);
  const shown = names.slice(0, 3);
  return [
    ...shown.flatMap((name, i) => (i === 0 ? [code(name)] : [', ', code(name)])),
    names.length > shown.length ? ` (+${names.length - shown.length})` : '',
  ];
}

export const suppressions = defineSubcommand({
  name: 'suppressions',
  flags: { all: 'boolean', csv: 'boolean' },
  args: Args,
  async run(args, ctx) {
    if (args.flags.csv && ctx.surface === 'slack') throw invalidArguments('args.csvCli');
    const accounts = chooseAccounts(ctx, await accountView(ctx), args.positionals);
    const services = await suppressionServices(ctx);
    const rows = await services.store.listSuppressions({
      accountIds: accounts.map((a) => a.id),
      ...(args.flags.all ? {} : { states: ['pending', 'partial', 'active'] as const }),
    });
    const doc = perLanguage(ctx, (t) => {
      const blocks: Doc[number][] = [
        heading(
          t(args.flags.all ? 'suppressions.headingAll' : 'suppressions.heading', { count: rows.length }),
        ),
      ];
      if (rows.length === 0) blocks.push(text([t('suppressions.none')]));
      for (const s of rows) {
        const id = `#${s.id}`;
        blocks.push(
          text(
            [
              s.permalink ? link(s.permalink, id) : bold(id),
              ' ',
              bold(s.controlId),
              ` ${s.accountId} ${s.region} · ${t(`suppressions.state.${s.state}`)}`,
            ],
            resourcesLine(s),
            [t('suppressions.by', { user: s.userName, date: s.expiresAt.slice(0, 10) }), ` ${s.reason}`],
          ),
        );
      }
      return blocks;
    });
    return {
      doc,
      json: rows,
      ...(args.flags.csv ? { raw: suppressionsCsv(rows) } : {}),
      visibility: 'private',
    };
  },
});
