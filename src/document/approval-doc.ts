import type { TFunction } from 'i18next';
import type { Catalog } from '../catalog/catalog.ts';
import { type Language, type LanguagePreference, languagesFor } from '../i18n/index.ts';
import type { Suppression } from '../suppression/types.ts';
import { bold, code, type Doc, type Line, note, text } from './doc.ts';

/** An instant as people read it in a message: `2026-11-30 03:00 UTC`. */
export function readableInstant(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

const resourcesShown = 10;

/** Where the request stands: waiting, approved (and how it went), rejected, or lapsed. */
function statusLines(s: Suppression, t: TFunction): Line[] {
  const approval = s.approval;
  if (!approval) return [];
  if (s.state === 'awaiting_approval') {
    return [[t('approval.waitsUntil', { date: readableInstant(approval.expiresAt) })]];
  }
  if (s.state === 'rejected') {
    return [
      [
        bold(
          t('approval.rejected', {
            user: approval.reviewerName ?? '',
            at: readableInstant(approval.reviewedAt ?? s.endedAt ?? ''),
            reason: approval.rejectionReason ?? '',
          }),
        ),
      ],
    ];
  }
  if (s.state === 'approval_expired') {
    return [[bold(t('approval.expired', { at: readableInstant(s.endedAt ?? approval.expiresAt) }))]];
  }
  if (s.state === 'pending') {
    return [
      [
        bold(
          t('approval.approvedApplying', {
            user: approval.reviewerName ?? '',
            at: readableInstant(approval.reviewedAt ?? ''),
          }),
        ),
      ],
    ];
  }
  const lines: Line[] = [
    [
      bold(
        t('approval.approved', {
          user: approval.reviewerName ?? '',
          at: readableInstant(approval.reviewedAt ?? ''),
          count: s.updated.length,
          date: s.expiresAt.slice(0, 10),
        }),
      ),
    ],
  ];
  if (s.failed.length > 0) lines.push([t('approval.approvedRetry', { count: s.failed.length })]);
  return lines;
}

/**
 * The approvers' message in the thread: the request (who, what, where, until when, why), the
 * control's explanation, and where it stands. Every value is data: the renderer escapes it.
 */
export function approvalDoc(
  s: Suppression,
  catalog: Catalog,
  t: (lang: Language) => TFunction,
  language: LanguagePreference,
): Doc {
  const control = catalog.find(s.controlId);
  const resources = s.findings.map((f) => f.resourceId);
  const shown = resources.slice(0, resourcesShown);
  const doc: Doc[number][] = [];
  for (const lang of languagesFor(language)) {
    const tl = t(lang);
    doc.push(
      text(
        [bold(tl('approval.heading', { id: s.id }))],
        [
          tl('approval.request', {
            user: s.userName,
            count: s.findings.length,
            control: s.controlId,
            account: s.accountId,
            region: s.region,
            date: s.expiresAt.slice(0, 10),
          }),
        ],
        [
          `${tl('suppress.resources', { count: resources.length })}: `,
          ...shown.flatMap((id, i) => (i === 0 ? [code(id)] : [', ', code(id)])),
          resources.length > shown.length
            ? ` ${tl('check.more', { count: resources.length - shown.length })}`
            : '',
        ],
        [tl(s.scope === 'control' ? 'approval.scopeControl' : 'approval.scopeResource')],
        [bold(tl('suppress.reason')), ` ${s.reason}`],
      ),
    );
    if (control) {
      doc.push(note([bold(`${control.id} ${control.title[lang]}`)], [control.summary[lang]]));
    }
    doc.push(text(...statusLines(s, tl)));
  }
  return doc;
}
