import type { TFunction } from 'i18next';
import type { Catalog } from '../catalog/catalog.ts';
import { severityRank } from '../catalog/schema.ts';
import { groupBy } from '../engine/group.ts';
import type { CheckErrorInfo, CheckReport, ControlResult, RegionResult } from '../engine/types.ts';
import type { Language } from '../i18n/index.ts';
import { disabledReason } from './control-lines.ts';
import { bold, code, type Doc, heading, type Line, note, text } from './doc.ts';

export interface RenderOptions {
  t: TFunction;
  lang: Language;
  catalog: Catalog;
  reevaluate: boolean;
  /** `check.reevaluateAfter`: results younger than this were reused, not evaluated again. */
  reevaluateAfterMinutes?: number;
  /** Slack: the Suppress button's key per `account|region|control`, and its label. */
  suppress?: { keys: ReadonlyMap<string, string>; label: string } | undefined;
}

/** The key a failing control's Suppress button is looked up by. */
export function suppressGroup(accountId: string, region: string, controlId: string): string {
  return `${accountId}|${region}|${controlId}`;
}

/** How many failing resources a control lists before "and N more". */
export const resourcesShown = 10;
/** How many not-evaluated control IDs a Region line names. */
export const notEvaluatedShown = 20;
/** How many disabled controls a Region names, each with its reason. */
export const disabledShown = 10;

function where(region: RegionResult): string {
  return region.accountName
    ? `${region.accountName} (${region.accountId}) ${region.region}`
    : `${region.accountId} ${region.region}`;
}

/**
 * What a person sees of an AWS error: our explanation, AWS's error code, the refused action and the
 * request ID. AWS's own message never: it can name the bot's principal (it is in the log).
 */
export function errorText(
  t: TFunction,
  error: CheckErrorInfo,
  region: Pick<RegionResult, 'accountId' | 'region'>,
): string {
  const code = error.awsCode ?? error.code;
  const params = {
    account: region.accountId,
    region: region.region,
    action: error.action ?? '?',
    role: error.role ?? region.accountId,
    reason: code,
    operation: error.action ?? code,
  };
  const explained = t(`errors.${error.code}`, { ...params, defaultValue: code });
  return error.requestId ? `${explained} ${t('check.requestId', { id: error.requestId })}` : explained;
}

function regionLine(t: TFunction, region: RegionResult): Line {
  if (region.error)
    return [bold(where(region)), ` ${t('check.unreachable')}: ${errorText(t, region.error, region)}`];
  const count = (status: ControlResult['status']) =>
    region.controls.filter((c) => c.status === status).length;
  return [
    bold(where(region)),
    ` ${t('check.counts', {
      failed: count('FAILED'),
      passed: count('PASSED'),
      suppressed: count('SUPPRESSED'),
      notEvaluated: count('NOT_EVALUATED'),
      errors: count('ERROR'),
    })}`,
  ];
}

/** Errors that read the same to a person: same explanation, AWS code and refused action. */
const sameErrorKey = (e: CheckErrorInfo) => `${e.code}|${e.awsCode ?? ''}|${e.action ?? ''}|${e.role ?? ''}`;

/**
 * One line for an account none of whose Regions could be checked, for the same reason (a member
 * role that is missing or refuses us fails alike everywhere): not the same line once per Region.
 */
function accountUnreachableLine(t: TFunction, regions: readonly RegionResult[]): Line | null {
  const [first] = regions;
  if (regions.length < 2 || !first?.error) return null;
  const key = sameErrorKey(first.error);
  if (!regions.every((r) => r.error && sameErrorKey(r.error) === key)) return null;
  const account = first.accountName ? `${first.accountName} (${first.accountId})` : first.accountId;
  const count = regions.length;
  const reason = errorText(t, first.error, {
    accountId: first.accountId,
    region: t('check.regionCount', { count }),
  });
  return [bold(account), ` ${t('check.unreachableRegions', { count })}: ${reason}`];
}

/** The status line of each account-Region, an account that failed alike everywhere folded into one. */
function statusLines(t: TFunction, results: readonly RegionResult[]): Line[] {
  return [...groupBy(results, (r) => r.accountId).values()].flatMap((regions) => {
    const folded = accountUnreachableLine(t, regions);
    return folded ? [folded] : regions.map((r) => regionLine(t, r));
  });
}

interface Placed {
  region: RegionResult;
  control: ControlResult;
}

function byWorst(a: Placed, b: Placed): number {
  return (
    severityRank[b.control.severity] - severityRank[a.control.severity] ||
    a.control.controlId.localeCompare(b.control.controlId, 'en', { numeric: true })
  );
}

function failingBlock(options: RenderOptions, { region, control }: Placed) {
  const { t, lang, catalog } = options;
  const failing = control.resources.filter((r) => r.status === 'FAILED' && !r.suppressed);
  const shown = failing.slice(0, resourcesShown).map((r) => r.resourceId);
  const more = failing.length - shown.length;
  const title = catalog.find(control.controlId)?.title[lang] ?? '';
  const key = options.suppress?.keys.get(suppressGroup(region.accountId, region.region, control.controlId));
  return {
    ...text(
      [bold(`[${t(`severity.${control.severity}`)}] ${control.controlId}`), ` ${title}`],
      [
        `${where(region)}: `,
        ...shown.flatMap((id, i) => (i === 0 ? [code(id)] : [', ', code(id)])),
        more > 0 ? ` ${t('check.more', { count: more })}` : '',
      ],
    ),
    ...(key && options.suppress
      ? { button: { text: options.suppress.label, action: 'suppress_open', value: key } }
      : {}),
  } as const;
}

/** Nothing failed where the check got in; an account-Region it could not reach is no pass, so it says so. */
function noFailuresLine(t: TFunction, results: readonly RegionResult[]): string {
  const unreachable = results.filter((r) => r.error).length;
  return unreachable > 0 ? t('check.noFailuresUnreachable', { count: unreachable }) : t('check.noFailures');
}

/** `2026-12-02 09:01 UTC`: when AWS last evaluated a rule whose result was reused. */
function evaluationTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '?';
}

export function renderCheckReport(report: CheckReport, options: RenderOptions): Doc {
  const { t } = options;
  const placed = report.results.flatMap((region) => region.controls.map((control) => ({ region, control })));
  const failed = placed.filter((p) => p.control.status === 'FAILED').sort(byWorst);
  const errored = placed.filter((p) => p.control.status === 'ERROR').sort(byWorst);
  const notEvaluated = placed.filter((p) => p.control.status === 'NOT_EVALUATED');
  const reused = placed.filter((p) => p.control.reused);
  const stale = placed.filter(
    (p) =>
      !p.control.fresh &&
      !p.control.reused &&
      p.control.status !== 'NOT_EVALUATED' &&
      p.control.status !== 'ERROR',
  );

  const doc: Doc[number][] = [
    heading(t('check.heading', { targets: report.targets.join(' ') })),
    text(...statusLines(t, report.results)),
  ];
  if (failed.length === 0 && errored.length === 0) doc.push(text([noFailuresLine(t, report.results)]));
  if (failed.length > 0) {
    doc.push(heading(t('check.failingHeading', { count: failed.length })));
    for (const p of failed) doc.push(failingBlock(options, p));
  }
  if (errored.length > 0) {
    doc.push(heading(t('check.errorsHeading', { count: errored.length })));
    doc.push(
      text(
        ...errored.map((p) => [
          bold(p.control.controlId),
          ` ${where(p.region)}: ${p.control.error ? errorText(t, p.control.error, p.region) : ''}`,
        ]),
      ),
    );
  }
  const notes: Line[] = [];
  for (const region of report.results) {
    // Disabled there: not evaluated, not counted, only named with the reason given for it.
    const disabled = region.disabled ?? [];
    for (const d of disabled.slice(0, disabledShown)) {
      notes.push([
        t('check.disabled', { id: d.controlId, where: where(region), reason: disabledReason(d.reason, t) }),
      ]);
    }
    if (disabled.length > disabledShown)
      notes.push([t('check.more', { count: disabled.length - disabledShown })]);
  }
  for (const region of report.results) {
    const ids = notEvaluated.filter((p) => p.region === region).map((p) => p.control.controlId);
    if (ids.length === 0) continue;
    const shown = ids.slice(0, notEvaluatedShown).join(', ');
    const rest =
      ids.length > notEvaluatedShown ? ` ${t('check.more', { count: ids.length - notEvaluatedShown })}` : '';
    notes.push([
      t('check.notEvaluated', { where: where(region), count: ids.length, ids: `${shown}${rest}` }),
    ]);
  }
  if (options.reevaluate && reused.length > 0) {
    const shown = reused
      .slice(0, notEvaluatedShown)
      .map((p) => `${p.control.controlId} (${evaluationTime(p.control.evaluatedAt)})`)
      .join(', ');
    const rest =
      reused.length > notEvaluatedShown
        ? ` ${t('check.more', { count: reused.length - notEvaluatedShown })}`
        : '';
    notes.push([
      t('check.reused', {
        count: reused.length,
        minutes: options.reevaluateAfterMinutes ?? 0,
        ids: `${shown}${rest}`,
      }),
    ]);
  }
  if (!options.reevaluate) notes.push([t('check.notReevaluated')]);
  else if (stale.length > 0) notes.push([t('check.stale', { count: stale.length })]);
  if (notes.length > 0) doc.push(note(...notes));
  return doc;
}
