import type { TFunction } from 'i18next';
import { z } from 'zod';
import { severities } from '../src/catalog/schema.ts';
import { channelSla, findChannel } from '../src/config/load.ts';
import type { Config } from '../src/config/schema.ts';
import { type OverdueFailure, overdueFailures } from '../src/digest/overdue.ts';
import type { SlaDays } from '../src/digest/sla.ts';
import { bold, code, type Doc, heading, type Line, list, note, text } from '../src/document/doc.ts';
import { AppError, invalidArguments } from '../src/errors.ts';
import type { AccountView, DirectoryAccount } from '../src/organization/view.ts';
import { accountView, chooseAccounts } from '../src/subcommand/account-access.ts';
import { type CommandContext, defineSubcommand, perLanguage } from '../src/subcommand/define.ts';
import { suppressionServices } from './suppressions.ts';

/** Lines shown per language; `--json` in the terminal has them all. */
export const overdueShown = 50;

const Args = z.object({
  positionals: z.array(z.string()),
  flags: z.object({ channel: z.string().optional() }),
});

interface Scope {
  accounts: DirectoryAccount[];
  sla: SlaDays;
  timeZone: string;
}

/** Named accounts (selectors) must be among `allowed`; an unknown one is refused listing only those. */
function pick(view: AccountView, allowed: DirectoryAccount[], named: readonly string[]): DirectoryAccount[] {
  if (named.length === 0) return allowed;
  const chosen = new Set<DirectoryAccount>();
  for (const ref of named) {
    const matched = view.select(ref, allowed);
    if (matched.length === 0) {
      throw new AppError('unknown_account', `account ${ref} is not in scope`, {
        params: { account: ref.slice(0, 64), known: allowed.map((a) => a.name ?? a.id).join(', ') },
      });
    }
    for (const account of matched) chosen.add(account);
  }
  return [...chosen];
}

/**
 * Whose failures, against which SLA, counted in which time zone: in Slack the channel's accounts
 * (as its digest counts them); in the terminal a channel's (`--channel`) or every account.
 */
function scopeOf(ctx: CommandContext, config: Config, view: AccountView, args: z.infer<typeof Args>): Scope {
  if (ctx.surface === 'slack') {
    if (args.flags.channel) throw invalidArguments('args.overdueChannel');
    const accounts = chooseAccounts(ctx, view, args.positionals);
    const channel = ctx.channel as NonNullable<CommandContext['channel']>;
    return { accounts, sla: channelSla(config, channel), timeZone: channel.digest.timezone };
  }
  if (args.flags.channel) {
    const channel = findChannel(config, args.flags.channel);
    if (!channel) {
      throw invalidArguments('posture.report.unknownChannel', { channel: args.flags.channel.slice(0, 32) });
    }
    return {
      accounts: pick(view, view.forChannel(channel), args.positionals),
      sla: channelSla(config, channel),
      timeZone: channel.digest.timezone,
    };
  }
  return {
    accounts: chooseAccounts(ctx, view, args.positionals),
    sla: config.sla,
    timeZone: config.channels[0]?.digest.timezone ?? 'UTC',
  };
}

function failureLine(t: TFunction, f: OverdueFailure, names: ReadonlyMap<string, string>): Line {
  return [
    bold(t(`severity.${f.severity}`, { defaultValue: f.severity })),
    ' ',
    code(f.controlId),
    ...(f.resourceId ? [' ', code(f.resourceId.slice(0, 200))] : []),
    ` ${names.get(f.accountId) ?? f.accountId} ${f.region} · ${t('posture.daysOver', { count: f.standing.daysOver })} · ${t('posture.home.age', { count: f.standing.ageDays })}`,
  ];
}

/**
 * `overdue`: every open failure past its SLA now, most days over first. The digest's "Overdue" line
 * counts the same failures (its button runs this command), so the list is exactly what it counted.
 */
export const overdue = defineSubcommand({
  name: 'overdue',
  flags: { channel: 'string' },
  args: Args,
  async run(args, ctx) {
    const config = await ctx.services.config();
    const scope = scopeOf(ctx, config, await accountView(ctx), args);
    const services = await suppressionServices(ctx);
    const now = (services.now ?? Date.now)();
    const failures = await overdueFailures(services.store, { ...scope, now });
    const names = new Map(scope.accounts.map((a) => [a.id, a.name ?? a.id]));
    const doc: Doc = perLanguage(ctx, (t) => {
      const blocks: Doc[number][] = [
        heading(t('overdue.heading', { count: failures.length })),
        note([
          t('overdue.basis', {
            sla: severities.map((s) => `${t(`severity.${s}`)} ${scope.sla[s]}`).join(' · '),
            zone: scope.timeZone,
          }),
        ]),
      ];
      if (failures.length === 0) blocks.push(text([t('overdue.none')]));
      else blocks.push(list(failures.slice(0, overdueShown).map((f) => failureLine(t, f, names))));
      if (failures.length > overdueShown) {
        blocks.push(note([t('check.more', { count: failures.length - overdueShown })]));
      }
      return blocks;
    });
    const json = failures.map((f) => ({
      findingId: f.findingId,
      accountId: f.accountId,
      region: f.region,
      controlId: f.controlId,
      severity: f.severity,
      resourceId: f.resourceId,
      since: f.since,
      ageDays: f.standing.ageDays,
      slaDays: f.standing.slaDays,
      daysOver: f.standing.daysOver,
    }));
    return { doc, json, exitCode: 0, visibility: 'private' };
  },
});
