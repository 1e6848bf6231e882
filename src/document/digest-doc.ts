import type { i18n, TFunction } from 'i18next';
import type { Catalog } from '../catalog/catalog.ts';
import { unknownControlId } from '../catalog/control-id.ts';
import { severities } from '../catalog/schema.ts';
import { chartLabels, renderTrendChart } from '../chart/posture-charts.ts';
import { resourcesPerReply } from '../digest/plan.ts';
import type { DigestMessage, DigestPoster } from '../digest/run.ts';
import type { DigestItem, DigestSummary } from '../digest/types.ts';
import type { Language, LanguagePreference } from '../i18n/index.ts';
import { languagesFor } from '../i18n/index.ts';
import { approvedBy, type Suppression } from '../suppression/types.ts';
import { awsOnlyLine, awsRemediationLines, bothDocsLinks, retiredLine } from './control-lines.ts';
import { bold, code, type Doc, type DocPoster, heading, type Line, link, note, text } from './doc.ts';

/** The parent message: date, accounts, counts by severity, the trend, what resolved. */
export function digestParentDoc(
  summary: DigestSummary,
  t: (lang: Language) => TFunction,
  language: LanguagePreference,
): Doc {
  const total = Object.values(summary.failing).reduce((a, b) => a + b, 0);
  const doc: Doc[number][] = [];
  for (const lang of languagesFor(language)) {
    const tl = t(lang);
    doc.push(heading(tl('digest.heading', { date: summary.date })));
    doc.push(
      text(
        [bold(tl('digest.accounts')), ` ${summary.accounts.join(', ')}`],
        [
          bold(tl('digest.failingNow', { total })),
          ` ${severities.map((s) => `${tl(`severity.${s}`)} ${summary.failing[s] ?? 0}`).join(' · ')}`,
        ],
        [
          summary.newCount === 0 ? tl('digest.noneNew') : tl('digest.newCount', { count: summary.newCount }),
          summary.resolvedCount > 0 ? ` ${tl('digest.resolved', { count: summary.resolvedCount })}` : '',
        ],
        [trend(tl, total, summary.previousFailingTotal)],
        ...overdueLine(tl, summary),
        ...(summary.weekly
          ? [
              [
                bold(
                  tl('posture.weekly', {
                    newCount: summary.weekly.newCount,
                    fixedCount: summary.weekly.fixedCount,
                    overdue: summary.weekly.overdue,
                  }),
                ),
              ],
            ]
          : []),
      ),
    );

    if (summary.overflow > 0) {
      doc.push(
        note([
          tl('digest.overflow', { count: summary.overflow }),
          ...(summary.consoleUrl ? [' ', link(summary.consoleUrl, tl('digest.console'))] : []),
        ]),
      );
    }
    const expiring = summary.expiringSoon ?? [];
    if (expiring.length > 0 || (summary.resuppressed ?? 0) > 0) {
      doc.push(note(...suppressionLines(tl, summary)));
    }
  }
  if (overdueTotal(summary) > 0) {
    // One button: the list of exactly the overdue failures, privately, for whoever clicks.
    doc.push({
      type: 'button',
      action: overdueAction,
      value: 'overdue',
      text: languagesFor(language)
        .map((lang) => t(lang)('overdue.show'))
        .join(' / '),
    });
  }
  if (summary.chartFileId) {
    // One chart, labelled in the first language of the digest.
    const tl = t(languagesFor(language)[0] ?? 'ja');
    doc.push({ type: 'image', slackFileId: summary.chartFileId, altText: tl('posture.chart.trendTitle') });
  }
  return doc;
}

/** The button under the parent that lists the overdue failures (`overdue`, privately). */
export const overdueAction = 'overdue_show';

function overdueTotal(summary: DigestSummary): number {
  return summary.overdue ? Object.values(summary.overdue).reduce((a, b) => a + b, 0) : 0;
}

/**
 * Open failures past the SLA by severity (every severity: the history has them all, whatever the
 * channel's minSeverity); nothing when none is. Their list is behind the parent's button: no
 * Security Hub console filter can say "past our SLA".
 */
function overdueLine(t: TFunction, summary: DigestSummary): Line[] {
  const overdue = summary.overdue;
  const total = overdueTotal(summary);
  if (!overdue || total === 0) return [];
  return [
    [
      bold(t('posture.overdueNow', { total })),
      ` ${severities.map((s) => `${t(`severity.${s}`)} ${overdue[s] ?? 0}`).join(' · ')}`,
    ],
  ];
}

/** Suppressions ending within 7 days (each linked to where it was made) and re-suppressed findings. */
function suppressionLines(t: TFunction, summary: DigestSummary): Line[] {
  const lines: Line[] = [];
  const expiring = summary.expiringSoon ?? [];
  if (expiring.length > 0) {
    lines.push([bold(t('digest.expiringSoon', { count: expiring.length }))]);
    for (const s of expiring.slice(0, 10)) {
      const label = `#${s.id} ${s.controlId} ${s.accountId} ${s.region}`;
      lines.push([
        s.permalink ? link(s.permalink, label) : label,
        ` ${t('digest.until', { date: s.expiresAt.slice(0, 10) })}`,
      ]);
    }
    if (expiring.length > 10) lines.push([t('check.more', { count: expiring.length - 10 })]);
  }
  if ((summary.resuppressed ?? 0) > 0) {
    lines.push([t('digest.resuppressed', { count: summary.resuppressed })]);
  }
  return lines;
}

function trend(t: TFunction, total: number, previous: number | null): string {
  if (previous === null) return t('digest.trendFirst');
  if (total === previous) return t('digest.trendSame', { total });
  return t(total > previous ? 'digest.trendUp' : 'digest.trendDown', {
    total,
    diff: Math.abs(total - previous),
    previous,
  });
}

/** ` Approved by <approver>.` after the reason of a four-eyes suppression; nothing otherwise. */
function approverOf(s: Partial<Pick<Suppression, 'state' | 'approval'>>, t: TFunction): string[] {
  const approver =
    s.state && s.approval !== undefined ? approvedBy({ state: s.state, approval: s.approval }) : null;
  return approver ? [` ${t('digest.approvedBy', { user: approver.name })}`] : [];
}

/** One reply: the control, where, which resources, both explanations, links and a Suppress button. */
export function digestItemDoc(
  item: DigestItem,
  catalog: Catalog,
  t: (lang: Language) => TFunction,
  language: LanguagePreference,
  suppression?:
    | (Pick<Suppression, 'userName' | 'reason' | 'expiresAt' | 'updated'> &
        Partial<Pick<Suppression, 'state' | 'approval'>>)
    | null,
): Doc {
  const control = catalog.find(item.controlId);
  // A control the catalog lacks but AWS lists: AWS's English text, said to be so.
  const aws = control ? catalog.awsDefinition(control.id) : undefined;
  const shown = item.resources.slice(0, resourcesPerReply);
  const more = item.resources.length - shown.length;
  const doc: Doc[number][] = [];
  const langs = languagesFor(language);
  const first = t(langs[0] ?? 'ja');
  if (item.label) {
    doc.push(note([bold(langs.map((l) => t(l)(`digest.label.${item.label}`)).join(' / '))]));
  }
  doc.push(
    text(
      [
        bold(
          `[${langs.map((l) => t(l)(`severity.${control?.severity ?? 'LOW'}`)).join(' / ')}] ${item.controlId}`,
        ),
      ],
      ...[
        ...new Set(
          langs.map(
            (l) =>
              control?.title[l] ??
              (item.controlId === unknownControlId ? t(l)('untrusted.unknownControl') : item.controlId),
          ),
        ),
      ].map((title) => [title]),
      [
        `${item.accountId} ${item.region}: `,
        ...shown.flatMap((id, i) => (i === 0 ? [code(id)] : [', ', code(id)])),
        more > 0 ? ` ${first('check.more', { count: more })}` : '',
      ],
    ),
  );
  if (item.overdueDays && !suppression) {
    doc.push(
      note([bold(langs.map((l) => t(l)('posture.daysOver', { count: item.overdueDays ?? 0 })).join(' / '))]),
    );
  }
  if (control?.deprecated) {
    // Findings of a control AWS retired can still be active for a while: say so rather than explain it as current.
    doc.push(note(...langs.map((l) => retiredLine(control, t(l), catalog))));
  }
  if (control && aws) {
    doc.push(note(...langs.map((l) => awsOnlyLine(t(l)))));
    doc.push(
      text(
        [bold(langs.map((l) => t(l)('labels.summary')).join(' / ')), ` ${aws.description || '-'}`],
        ...awsRemediationLines(aws, first),
      ),
    );
    doc.push(note(bothDocsLinks(control, first)));
  } else if (control) {
    for (const lang of langs) {
      const tl = t(lang);
      doc.push(
        text(
          [bold(tl('labels.summary')), ` ${control.summary[lang]}`],
          [bold(tl('labels.remediation'))],
          ...control.remediation[lang].split('\n').map((line) => [line]),
        ),
      );
    }
    doc.push(note(...langs.map((lang) => [link(control.links[lang], t(lang)('explain.docs'))])));
  }
  if (suppression) {
    // Once suppressed, the button is gone and the reply says who, why and until when.
    doc.push(
      note(
        ...langs.map((l) => [
          bold(
            t(l)('digest.suppressedBy', {
              user: suppression.userName,
              date: suppression.expiresAt.slice(0, 10),
              count: suppression.updated.length,
            }),
          ),
          ` ${suppression.reason}`,
          ...approverOf(suppression, t(l)),
        ]),
      ),
    );
    return doc;
  }
  doc.push({
    type: 'button',
    text: langs.map((l) => t(l)('digest.suppress')).join(' / '),
    action: 'suppress_open',
    value: item.key,
  });
  return doc;
}

/** A digest poster that renders each message as a document and hands it to a document poster. */
export function digestPoster(poster: DocPoster, catalog: Catalog, i18n: i18n): DigestPoster {
  const t = (lang: Language) => i18n.getFixedT(lang);
  const render = (m: DigestMessage): Doc =>
    m.kind === 'parent'
      ? digestParentDoc(m.summary, t, m.language)
      : digestItemDoc(m.item, catalog, t, m.language);
  const upload = poster.uploadImage?.bind(poster);
  return {
    post: (channel, message, threadTs, beforeSend) =>
      poster.post(channel, render(message), threadTs, beforeSend),
    ...(upload
      ? {
          async uploadTrendChart(points, language) {
            // One chart, labelled in the digest's first language.
            const tl = t(languagesFor(language)[0] ?? 'ja');
            const chart = await renderTrendChart(points, chartLabels(tl, 'trend'));
            return upload(chart.png, tl('posture.chart.trendTitle'));
          },
        }
      : {}),
  };
}
