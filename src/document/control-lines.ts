import type { AwsControlDefinition } from '../catalog/aws-controls.ts';
import type { Catalog } from '../catalog/catalog.ts';
import type { Control } from '../catalog/schema.ts';
import { bold, type Line, link } from './doc.ts';

type T = (key: string, options?: Record<string, unknown>) => string;

/** "Retired" and, where AWS named one, the successor: shared by explain and the digest replies. */
export function retiredLine(control: Control, t: T, catalog?: Catalog) {
  return [
    t('explain.retired'),
    ...(control.replacedBy ? [` ${t('catalog.replacedBy', { id: control.replacedBy })}`] : []),
    ...(catalog?.syncedAt && catalog.notListedByAws(control.id)
      ? [` ${t('catalog.notListed', { date: catalog.syncedAt.slice(0, 10) })}`]
      : []),
  ];
}

/** A control the catalog lacks: the Japanese is not written yet, the text is AWS's English. */
export function awsOnlyLine(t: T): Line {
  return [t('catalog.awsOnly')];
}

/** AWS's remediation page of a control the catalog lacks; nothing when AWS gave none. */
export function awsRemediationLines(definition: AwsControlDefinition, t: T): Line[] {
  return definition.remediationUrl
    ? [[bold(t('labels.remediation')), ' ', link(definition.remediationUrl, t('catalog.awsRemediation'))]]
    : [];
}

/** Both user guide pages, Japanese and English, whatever the reply language. */
export function bothDocsLinks(control: Control, t: T): Line {
  return [link(control.links.ja, t('catalog.docsJa')), ' · ', link(control.links.en, t('catalog.docsEn'))];
}

/** A disabled control's reason as shown: AWS's or a person's text, cut short; a placeholder when none. */
export function disabledReason(reason: string | null, t: T): string {
  const text = reason?.replace(/\s+/g, ' ').trim();
  if (!text) return t('controls.noReason');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
