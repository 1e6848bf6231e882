import { z } from 'zod';
import { Catalog } from './catalog.ts';
import { isControlId } from './control-id.ts';
import { type Control, docsPage, Severity } from './schema.ts';

/** FSBP's standards ARN without partition and Region: the key the definitions are cached under. */
export const fsbpStandard = 'standards/aws-foundational-security-best-practices/v/1.0.0';

/** AWS's remediation links point at its console redirector or the user guide; anything else is dropped. */
const awsDocsUrl = z
  .url({ protocol: /^https$/, hostname: /^docs\.aws\.amazon\.com$/ })
  .max(500)
  .refine((url) => !/[|<>\s]/.test(url), 'must not hold | < > or spaces');

/**
 * A control as AWS defines it (ListSecurityControlDefinitions), in English only. Its text is AWS's:
 * shown as plain text, never as markup.
 */
export const AwsControlDefinition = z.object({
  id: z.string().refine(isControlId, 'must look like S3.1'),
  title: z.string().min(1).max(500),
  description: z.string().max(4000),
  /** AWS's remediation page, or null when AWS gave none we would link to. */
  remediationUrl: awsDocsUrl.nullable(),
  severity: Severity,
  /** CurrentRegionAvailability: false when the control is not offered in the Region that answered. */
  available: z.boolean(),
});
export type AwsControlDefinition = z.infer<typeof AwsControlDefinition>;

/** One complete ListSecurityControlDefinitions answer for a standard, as cached in the store. */
export const DefinitionsSnapshot = z.object({
  standard: z.string().min(1),
  syncedAt: z.string(),
  /** Where it was read: the account and Region that answered. */
  source: z.object({ accountId: z.string(), region: z.string() }),
  definitions: z.array(AwsControlDefinition),
});
export type DefinitionsSnapshot = z.infer<typeof DefinitionsSnapshot>;

/** What the catalog and AWS disagree on. */
export interface DefinitionsDiff {
  /** Controls AWS lists that the catalog lacks. */
  awsOnly: AwsControlDefinition[];
  /** Catalog controls (not retired in the catalog) that AWS no longer lists. */
  retired: Control[];
}

export function diffDefinitions(
  catalog: Catalog,
  definitions: readonly AwsControlDefinition[],
): DefinitionsDiff {
  // An empty answer says nothing about the catalog (a Region without the standard): nothing is retired.
  if (definitions.length === 0) return { awsOnly: [], retired: [] };
  const listed = new Set(definitions.map((d) => d.id.toLowerCase()));
  const awsOnly = definitions.filter((d) => !catalog.find(d.id));
  const retired = catalog.controls.filter(
    (c) =>
      !c.deprecated &&
      ![c.id, c.securityControlId, ...c.aliases].some((name) => listed.has(name.toLowerCase())),
  );
  return { awsOnly, retired };
}

/**
 * A control the catalog lacks, built from AWS's definition so selection, checks and digests treat
 * it like the others. Its text is AWS's English in both languages; renderers ask
 * `catalog.awsDefinition(id)` and show it as AWS's, with a line saying the Japanese is not written.
 */
export function controlFromAws(definition: AwsControlDefinition): Control {
  const { id } = definition;
  return {
    id,
    securityControlId: id,
    service: id.split('.')[0] as string,
    severity: definition.severity,
    title: { ja: definition.title, en: definition.title },
    category: { ja: '-', en: '-' },
    summary: { ja: definition.description || '-', en: definition.description || '-' },
    remediation: { ja: '-', en: '-' },
    links: { ja: docsPage(id, 'ja'), en: docsPage(id, 'en') },
    configRule: null,
    configRuleIsSecurityHubCustom: false,
    scheduleType: null,
    parameters: {},
    resourceTypes: null,
    deprecated: false,
    aliases: [],
    replacedBy: null,
    notes: ['Not in the catalog: from ListSecurityControlDefinitions.'],
  };
}

/**
 * The catalog as AWS has it now: controls AWS lists that the catalog lacks are added (AWS's text),
 * catalog controls AWS no longer lists are marked retired. Without a snapshot, the catalog as it is.
 */
export function liveCatalog(catalog: Catalog, snapshot: DefinitionsSnapshot | null): Catalog {
  if (!snapshot) return catalog;
  const { awsOnly, retired } = diffDefinitions(catalog, snapshot.definitions);
  if (awsOnly.length === 0 && retired.length === 0) return catalog;
  const retiredIds = new Set(retired.map((c) => c.id));
  const controls = [
    ...catalog.controls.map((c) => (retiredIds.has(c.id) ? { ...c, deprecated: true } : c)),
    ...awsOnly.map(controlFromAws),
  ];
  return new Catalog(controls, { awsOnly, syncedAt: snapshot.syncedAt, retiredIds: [...retiredIds] });
}
