import type { TFunction } from 'i18next';
import type { Catalog } from '../src/catalog/catalog.ts';
import { severityRank } from '../src/catalog/schema.ts';
import type { CheckErrorInfo, CheckReport, ControlResult, RegionResult } from '../src/engine/types.ts';
import type { Language } from '../src/i18n/index.ts';
import { bold, code, type Doc, heading, type Line, note, text } from './doc.ts';

export interface RenderOptions {
  t: TFunction;
  lang: Language;
  catalog: Catalog;
  reevaluate: boolean;
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

function where(region: RegionResult): string {
  return region.accountName
    ? `${region.accountName} (${region.accountId}) ${region.region}`
    : `${region.accountId} ${region.region}`;
}

export function errorText(t: TFunction, error: CheckErrorInfo, region: RegionResult): string {
  const key = `errors.${error.code}`;
  const params = {
    account: region.accountId,
    region: region.region,
    action: error.action ?? '?',
    role: '',
    reason: error.message,
    operation: '',
  };
  return t(key, { ...params, defaultValue: error.message });
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

export function renderCheckReport(report: CheckReport, options: RenderOptions): Doc {
  const { t } = options;
  const placed = report.results.flatMap((region) => region.controls.map((control) => ({ region, control })));
  const failed = placed.filter((p) => p.control.status === 'FAILED').sort(byWorst);
  const errored = placed.filter((p) => p.control.status === 'ERROR').sort(byWorst);
  const notEvaluated = placed.filter((p) => p.control.status === 'NOT_EVALUATED');
  const stale = placed.filter(
    (p) => !p.control.fresh && p.control.status !== 'NOT_EVALUATED' && p.control.status !== 'ERROR',
  );

  const doc: Doc[number][] = [
    heading(t('check.heading', { targets: report.targets.join(' ') })),
    text(...report.results.map((r) => regionLine(t, r))),
  ];
  if (failed.length === 0 && errored.length === 0) doc.push(text([t('check.noFailures')]));
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
    const ids = notEvaluated.filter((p) => p.region === region).map((p) => p.control.controlId);
    if (ids.length === 0) continue;
    const shown = ids.slice(0, notEvaluatedShown).join(', ');
    const rest =
      ids.length > notEvaluatedShown ? ` ${t('check.more', { count: ids.length - notEvaluatedShown })}` : '';
    notes.push([
      t('check.notEvaluated', { where: where(region), count: ids.length, ids: `${shown}${rest}` }),
    ]);
  }
  if (!options.reevaluate) notes.push([t('check.notReevaluated')]);
  else if (stale.length > 0) notes.push([t('check.stale', { count: stale.length })]);
  if (notes.length > 0) doc.push(note(...notes));
  return doc;
}
