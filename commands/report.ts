import type { TFunction } from 'i18next';
import { z } from 'zod';
import { channelSla } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { buildReport, type PostureReport, periodInstants } from '../src/digest/report.ts';
import { csvTable } from '../src/document/csv.ts';
import { heading, text } from '../src/document/doc.ts';
import { invalidArguments } from '../src/errors.ts';
import type { AccountView } from '../src/organization/view.ts';
import { accountView } from '../src/subcommand/account-access.ts';
import { defineSubcommand } from '../src/subcommand/define.ts';
import { suppressionServices } from './suppressions.ts';

const LocalDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'args.reportDate')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'args.reportDate');

const Args = z
  .object({
    positionals: z.array(z.string()).max(0, 'args.reportUsage'),
    flags: z.object({
      from: LocalDate,
      to: LocalDate,
      channel: z.string().optional(),
      account: z.string().optional(),
      format: z.enum(['md', 'csv', 'json'], 'args.reportFormat').default('md'),
    }),
  })
  .refine((a) => a.flags.from <= a.flags.to, 'args.reportOrder')
  .refine((a) => !(a.flags.channel && a.flags.account), 'args.reportOneScope');

/** Which accounts, SLA and time zone the report is about. */
function scopeOf(config: Config, view: AccountView, flags: z.infer<typeof Args>['flags']) {
  if (flags.channel) {
    const channel = config.channels.find((c) => c.id === flags.channel);
    if (!channel)
      throw invalidArguments('posture.report.unknownChannel', { channel: flags.channel.slice(0, 32) });
    return {
      accounts: view.forChannel(channel),
      sla: channelSla(config, channel),
      timeZone: channel.digest.timezone,
    };
  }
  const timeZone = config.channels[0]?.digest.timezone ?? 'UTC';
  if (flags.account) {
    const account = view.find(flags.account);
    if (!account)
      throw invalidArguments('posture.report.unknownAccount', { account: flags.account.slice(0, 64) });
    return { accounts: [account], sla: config.sla, timeZone };
  }
  return { accounts: [...view.all()], sla: config.sla, timeZone };
}

const metricColumns = [
  'account_id',
  'account',
  'severity',
  'new',
  'fixed',
  'suppressed',
  'still_failing',
  'overdue',
  'mean_days_to_remediate',
  'p90_days_to_remediate',
] as const;
const suppressionColumns = [
  'suppression_id',
  'region',
  'control',
  'findings',
  'user_id',
  'user_name',
  'reason',
  'created_at',
  'expires_at',
  'state',
  'approver_id',
  'approver_name',
  'approved_at',
] as const;

/** One table for spreadsheets: `kind` tells a summary row from a suppression made in the period. */
export function reportCsv(report: PostureReport): string {
  const blank = (n: number) => Array.from({ length: n }, () => null);
  return csvTable(
    ['kind', 'from', 'to', 'time_zone', ...metricColumns, ...suppressionColumns],
    [
      ...report.rows.map((r) => [
        'summary',
        report.from,
        report.to,
        report.timeZone,
        r.accountId,
        r.account,
        r.severity,
        r.new,
        r.fixed,
        r.suppressed,
        r.stillFailing,
        r.overdue,
        r.meanDaysToRemediate,
        r.p90DaysToRemediate,
        ...blank(suppressionColumns.length),
      ]),
      ...report.suppressions.map((s) => [
        'suppression',
        report.from,
        report.to,
        report.timeZone,
        s.accountId,
        null,
        null,
        ...blank(metricColumns.length - 3),
        s.id,
        s.region,
        s.controlId,
        s.findings,
        s.userId,
        s.userName,
        s.reason,
        s.createdAt,
        s.expiresAt,
        s.state,
        s.approverId,
        s.approverName,
        s.approvedAt,
      ]),
    ],
  );
}

/** A Markdown table cell: no line breaks, pipes escaped, HTML made text. */
function mdCell(value: string | number | null): string {
  return (value === null ? '–' : String(value))
    .replace(/[\r\n]+/g, ' ')
    .replaceAll('\\', '\\\\')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('|', '\\|');
}

function mdTable(
  header: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string[] {
  return [
    `| ${header.map(mdCell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(mdCell).join(' | ')} |`),
  ];
}

/** Bilingual Markdown (English / Japanese in every heading), pasteable into a wiki. */
export function reportMarkdown(report: PostureReport, en: TFunction, ja: TFunction): string {
  const both = (key: string, params?: Record<string, unknown>) => `${en(key, params)} / ${ja(key, params)}`;
  const columns = [
    'account',
    'severity',
    'new',
    'fixed',
    'suppressed',
    'stillFailing',
    'overdue',
    'meanDays',
    'p90Days',
  ];
  const lines = [
    `# ${both('posture.report.title', { from: report.from, to: report.to })}`,
    '',
    both('posture.report.zone', { zone: report.timeZone }),
    '',
    ...mdTable(
      columns.map((c) => both(`posture.report.column.${c}`)),
      report.rows.map((r) => [
        r.account,
        `${en(`severity.${r.severity}`)} / ${ja(`severity.${r.severity}`)}`,
        r.new,
        r.fixed,
        r.suppressed,
        r.stillFailing,
        r.overdue,
        r.meanDaysToRemediate,
        r.p90DaysToRemediate,
      ]),
    ),
    '',
    `## ${both('posture.report.suppressions', { count: report.suppressions.length })}`,
    '',
  ];
  if (report.suppressions.length === 0) lines.push(both('posture.report.noSuppressions'));
  else {
    const cols = ['id', 'account', 'control', 'findings', 'who', 'approver', 'why', 'made', 'until'];
    lines.push(
      ...mdTable(
        cols.map((c) => both(`posture.report.column.${c}`)),
        report.suppressions.map((s) => [
          `#${s.id}`,
          `${s.accountId} ${s.region}`,
          s.controlId,
          s.findings,
          s.userName,
          s.approverName === null ? null : `${s.approverName} (${(s.approvedAt ?? '').slice(0, 10)})`,
          s.reason,
          s.createdAt.slice(0, 10),
          s.expiresAt.slice(0, 10),
        ]),
      ),
    );
  }
  return `${lines.join('\n')}\n`;
}

export const report = defineSubcommand({
  name: 'report',
  surfaces: ['cli'],
  flags: { from: 'string', to: 'string', channel: 'string', account: 'string', format: 'string' },
  args: Args,
  async run(args, ctx) {
    const config = await ctx.services.config();
    const scope = scopeOf(config, await accountView(ctx), args.flags);
    const { store } = await suppressionServices(ctx);
    const accountIds = scope.accounts.map((a) => a.id);
    const period = { from: args.flags.from, to: args.flags.to, timeZone: scope.timeZone };
    const { start, end } = periodInstants(period);
    const [episodes, suppressions] = await Promise.all([
      store.failuresBetween({
        accountIds,
        from: new Date(start).toISOString(),
        to: new Date(end).toISOString(),
      }),
      store.listSuppressions({ accountIds }),
    ]);
    const built = buildReport({
      period,
      accounts: scope.accounts,
      episodes,
      suppressions,
      sla: scope.sla,
      severityOfControl: (id) => ctx.catalog.find(id)?.severity ?? 'LOW',
    });
    const en = ctx.i18n.getFixedT('en');
    const ja = ctx.i18n.getFixedT('ja');
    const raw =
      args.flags.format === 'json'
        ? `${JSON.stringify(built, null, 2)}\n`
        : args.flags.format === 'csv'
          ? reportCsv(built)
          : reportMarkdown(built, en, ja);
    return {
      doc: [heading(en('posture.report.title', { from: built.from, to: built.to })), text([raw])],
      json: built,
      raw,
      visibility: 'private',
    };
  },
});
