import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { CheckScope, DoctorCheck } from '../src/doctor/report.ts';
import { summarize } from '../src/doctor/report.ts';
import { runDoctor } from '../src/doctor/run.ts';
import { code, type Doc, heading, type Line, list, text } from '../src/document/doc.ts';
import { AppError } from '../src/errors.ts';
import { accountView } from '../src/subcommand/account-access.ts';
import { defineSubcommand, perLanguage } from '../src/subcommand/define.ts';

const Args = z
  .object({ positionals: z.array(z.string()), flags: z.object({}).loose() })
  .refine((a) => a.positionals.length === 0, 'args.noArguments');

const icons = { pass: '✔', warn: '!', fail: '✖' } as const;

function outcomeText(t: TFunction, check: DoctorCheck): string {
  const specific = `doctor.checks.${check.id}.${check.outcome}`;
  return t([specific, `doctor.generic.${check.outcome}`], check.params);
}

function fixText(t: TFunction, check: DoctorCheck): string {
  return t([`doctor.fix.${check.id}.${check.outcome}`, `doctor.genericFix.${check.outcome}`], check.params);
}

function scopeText(t: TFunction, scope: CheckScope): string {
  const as = scope.as ? t('doctor.asAdministrator') : undefined;
  return [scope.channel, scope.account, scope.region, as].filter(Boolean).join(' ');
}

/** Problems one by one with their fix; passes folded into one line per place, so a big setup stays short. */
function render(t: TFunction, checks: readonly DoctorCheck[]): Doc {
  const counts = summarize(checks);
  const problems: Line[] = [];
  for (const check of checks.filter((c) => c.status !== 'pass')) {
    const where = scopeText(t, check.scope);
    problems.push([`${icons[check.status]} `, ...(where ? [code(where), ' '] : []), outcomeText(t, check)]);
    problems.push([`   ${t('doctor.fixLabel')} ${fixText(t, check)}`]);
    if (check.snippet) problems.push(['   ', code(check.snippet)]);
  }
  const passedByPlace = new Map<string, string[]>();
  for (const check of checks.filter((c) => c.status === 'pass')) {
    const where = scopeText(t, check.scope);
    passedByPlace.set(where, [...(passedByPlace.get(where) ?? []), t(`doctor.names.${check.id}`)]);
  }
  const passes: Line[] = [...passedByPlace].map(([where, names]) => [
    `${icons.pass} `,
    ...(where ? [code(where), ' '] : []),
    `${t('doctor.passed')}: ${names.join(t('doctor.separator'))}`,
  ]);
  return [
    heading(t('doctor.title')),
    text([t('doctor.summary', counts)]),
    ...(problems.length > 0 ? [list(problems)] : []),
    ...(passes.length > 0 ? [list(passes)] : []),
  ];
}

/**
 * `fsbp doctor`: the whole setup against the real services, one line per check with what to change.
 * In Slack only for people allowed to suppress, about the asking channel and its accounts, to the asker only.
 */
export const doctor = defineSubcommand({
  name: 'doctor',
  flags: {},
  args: Args,
  longRunning: false,
  async run(_args, ctx) {
    const services = await ctx.services.doctor?.();
    if (!services) throw new AppError('internal', 'doctor services are not wired on this surface');
    if (ctx.surface === 'slack') {
      if (!ctx.userId || !(await services.mayRun?.(ctx.userId))) {
        throw new AppError('not_allowed', `${ctx.userId ?? 'unknown user'} may not run doctor`, {
          params: { reason: 'suppression.allowedUsers / allowedUserGroups' },
        });
      }
    }
    const checks = await runDoctor({
      config: await ctx.services.config(),
      accounts: () => accountView(ctx),
      catalog: ctx.catalog,
      aws: services.aws,
      slack: services.slack,
      ...(ctx.surface === 'slack' ? { channelId: ctx.channelId ?? '' } : {}),
      homeRegion: services.homeRegion,
      revealPrincipal: ctx.surface === 'cli',
    }).finally(() => services.aws.close());
    const counts = summarize(checks);
    const en = ctx.i18n.getFixedT('en');
    const json = {
      summary: counts,
      checks: checks.map((c) => ({
        id: c.id,
        status: c.status,
        scope: c.scope,
        message: outcomeText(en, c),
        ...(c.status === 'pass' ? {} : { fix: fixText(en, c) }),
        ...(c.snippet ? { snippet: c.snippet } : {}),
      })),
    };
    const doc = perLanguage(ctx, (t) => render(t, checks));
    return { doc, json, exitCode: counts.fail > 0 ? 1 : 0, visibility: 'private' };
  },
});
