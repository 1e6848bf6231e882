import type { TFunction } from 'i18next';
import { z } from 'zod';
import { readableInstant } from '../src/document/approval-doc.ts';
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
import { approvalStatus, approvedBy, type Suppression } from '../src/suppression/types.ts';

const Args = z
  .object({
    positionals: z.array(z.string()).max(1, 'args.suppressionsAccount'),
    flags: z.object({
      all: z.boolean().optional(),
      pending: z.boolean().optional(),
      csv: z.boolean().optional(),
    }),
  })
  .refine((a) => !(a.flags.all && a.flags.pending), 'args.suppressionsFilter');

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
  'approval',
  'approver_id',
  'approver_name',
  'approved_at',
  'rejected_by_id',
  'rejected_by_name',
  'rejection_reason',
] as const;

/** The audit export: one row per suppression, RFC 4180. */
export function suppressionsCsv(rows: readonly Suppression[]): string {
  return csvTable(
    csvColumns,
    rows.map((s) => {
      const approver = approvedBy(s);
      const rejected = s.state === 'rejected' ? s.approval : null;
      return [
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
        approvalStatus(s),
        approver?.id ?? null,
        approver?.name ?? null,
        approver?.at ?? null,
        rejected?.reviewerId ?? null,
        rejected?.reviewerName ?? null,
        rejected?.rejectionReason ?? null,
      ];
    }),
  );
}

/** Who asked and who decided, as the list shows it under each record. */
function reviewLines(t: TFunction, s: Suppression): Line[] {
  if (s.state === 'awaiting_approval') {
    return [
      [
        t('suppressions.waiting', { user: s.userName, date: (s.approval?.expiresAt ?? '').slice(0, 10) }),
        ` ${s.reason}`,
      ],
    ];
  }
  const lines: Line[] = [
    [t('suppressions.by', { user: s.userName, date: s.expiresAt.slice(0, 10) }), ` ${s.reason}`],
  ];
  const approver = approvedBy(s);
  if (approver)
    lines.push([t('suppressions.approvedBy', { user: approver.name, at: readableInstant(approver.at) })]);
  if (s.state === 'rejected') {
    lines.push([
      t('suppressions.rejectedBy', {
        user: s.approval?.reviewerName ?? '',
        reason: s.approval?.rejectionReason ?? '',
      }),
    ]);
  }
  return lines;
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
  flags: { all: 'boolean', pending: 'boolean', csv: 'boolean' },
  args: Args,
  async run(args, ctx) {
    if (args.flags.csv && ctx.surface === 'slack') throw invalidArguments('args.csvCli');
    const accounts = chooseAccounts(ctx, await accountView(ctx), args.positionals);
    const services = await suppressionServices(ctx);
    const rows = await services.store.listSuppressions({
      accountIds: accounts.map((a) => a.id),
      ...(args.flags.all
        ? {}
        : args.flags.pending
          ? { states: ['awaiting_approval'] as const }
          : { states: ['pending', 'partial', 'active'] as const }),
    });
    const doc = perLanguage(ctx, (t) => {
      const blocks: Doc[number][] = [
        heading(
          t(
            args.flags.all
              ? 'suppressions.headingAll'
              : args.flags.pending
                ? 'suppressions.headingPending'
                : 'suppressions.heading',
            { count: rows.length },
          ),
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
            ...reviewLines(t, s),
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
