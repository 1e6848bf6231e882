// GetFindings filter and sort semantics (AwsSecurityFindingFilters, StringFilter, DateFilter, MapFilter,
// NumberFilter), with the combination rules of the StringFilter/MapFilter documentation.
import { shInvalidInput } from './errors.ts';
import type { Finding } from './state.ts';

type Json = Record<string, unknown>;
type Kind = 'string' | 'date' | 'map' | 'number';

const get = (f: Json, ...path: string[]): unknown => {
  let cur: unknown = f;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[p];
  }
  return cur;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const resources = (f: Json) => list(f.Resources) as Json[];

/** Attribute -> how to read its value(s) from a finding. */
const ATTRIBUTES: Record<string, [Kind, (f: Json) => unknown[]]> = {
  Id: ['string', (f) => list(f.Id)],
  ProductArn: ['string', (f) => list(f.ProductArn)],
  GeneratorId: ['string', (f) => list(f.GeneratorId)],
  AwsAccountId: ['string', (f) => list(f.AwsAccountId)],
  AwsAccountName: ['string', (f) => list(f.AwsAccountName)],
  Region: ['string', (f) => list(f.Region)],
  Type: ['string', (f) => list(f.Types)],
  Title: ['string', (f) => list(f.Title)],
  Description: ['string', (f) => list(f.Description)],
  SourceUrl: ['string', (f) => list(f.SourceUrl)],
  ProductName: ['string', (f) => list(f.ProductName)],
  CompanyName: ['string', (f) => list(f.CompanyName)],
  SeverityLabel: ['string', (f) => list(get(f, 'Severity', 'Label'))],
  SeverityNormalized: ['number', (f) => list(get(f, 'Severity', 'Normalized'))],
  SeverityProduct: ['number', (f) => list(get(f, 'Severity', 'Product'))],
  Confidence: ['number', (f) => list(f.Confidence)],
  Criticality: ['number', (f) => list(f.Criticality)],
  RecommendationText: ['string', (f) => list(get(f, 'Remediation', 'Recommendation', 'Text'))],
  ComplianceStatus: ['string', (f) => list(get(f, 'Compliance', 'Status'))],
  ComplianceSecurityControlId: ['string', (f) => list(get(f, 'Compliance', 'SecurityControlId'))],
  ComplianceAssociatedStandardsId: [
    'string',
    (f) => list(get(f, 'Compliance', 'AssociatedStandards')).map((s) => (s as Json).StandardsId),
  ],
  VerificationState: ['string', (f) => list(f.VerificationState)],
  WorkflowState: ['string', (f) => list(f.WorkflowState)],
  WorkflowStatus: ['string', (f) => list(get(f, 'Workflow', 'Status'))],
  RecordState: ['string', (f) => list(f.RecordState)],
  ResourceType: ['string', (f) => resources(f).map((r) => r.Type)],
  ResourceId: ['string', (f) => resources(f).map((r) => r.Id)],
  ResourcePartition: ['string', (f) => resources(f).map((r) => r.Partition)],
  ResourceRegion: ['string', (f) => resources(f).map((r) => r.Region)],
  ResourceTags: ['map', (f) => resources(f).map((r) => r.Tags)],
  ProductFields: ['map', (f) => list(f.ProductFields)],
  UserDefinedFields: ['map', (f) => list(f.UserDefinedFields)],
  NoteText: ['string', (f) => list(get(f, 'Note', 'Text'))],
  NoteUpdatedBy: ['string', (f) => list(get(f, 'Note', 'UpdatedBy'))],
  NoteUpdatedAt: ['date', (f) => list(get(f, 'Note', 'UpdatedAt'))],
  CreatedAt: ['date', (f) => list(f.CreatedAt)],
  UpdatedAt: ['date', (f) => list(f.UpdatedAt)],
  FirstObservedAt: ['date', (f) => list(f.FirstObservedAt)],
  LastObservedAt: ['date', (f) => list(f.LastObservedAt)],
  ProcessedAt: ['date', (f) => list(f.ProcessedAt)],
};

const STRING_OPS = new Set([
  'EQUALS',
  'PREFIX',
  'NOT_EQUALS',
  'PREFIX_NOT_EQUALS',
  'CONTAINS',
  'NOT_CONTAINS',
]);
const MAP_OPS = new Set(['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'NOT_CONTAINS']);
const POSITIVE = new Set(['EQUALS', 'PREFIX', 'CONTAINS']);

interface StringCond {
  Value?: string;
  Comparison?: string;
  Key?: string;
}

export type Filters = Record<string, unknown[] | undefined>;

/** Validates a Filters object the way GetFindings does; throws InvalidInputException. */
export function validateFilters(filters: Filters): void {
  const used = Object.entries(filters).filter(([, v]) => Array.isArray(v) && v.length > 0);
  if (used.length > 10) {
    throw shInvalidInput(
      `Too many filter attributes: ${used.length}. You can specify at most 10 filter attributes.`,
    );
  }
  for (const [attr, conds] of used) {
    const spec = ATTRIBUTES[attr];
    if (!spec) throw shInvalidInput(`Filter attribute ${attr} is not supported by this emulator.`);
    if ((conds as unknown[]).length > 20) {
      throw shInvalidInput(
        `Too many values for filter attribute ${attr}: ${(conds as unknown[]).length}. The maximum is 20.`,
      );
    }
    if (spec[0] === 'string' || spec[0] === 'map') checkCombination(attr, spec[0], conds as StringCond[]);
    if (spec[0] === 'date') {
      for (const c of conds as Json[]) {
        const range = c.DateRange as Json | undefined;
        if (range && (range.Unit !== 'DAYS' || typeof range.Value !== 'number')) {
          throw shInvalidInput(
            `Invalid DateRange for filter attribute ${attr}: Unit must be DAYS and Value a number.`,
          );
        }
        for (const k of ['Start', 'End'] as const) {
          if (c[k] !== undefined && Number.isNaN(Date.parse(String(c[k])))) {
            throw shInvalidInput(`Invalid ${k} date for filter attribute ${attr}: ${String(c[k])}`);
          }
        }
      }
    }
  }
}

function checkCombination(attr: string, kind: 'string' | 'map', conds: StringCond[]): void {
  const ops = kind === 'string' ? STRING_OPS : MAP_OPS;
  for (const c of conds) {
    if (typeof c.Comparison !== 'string' || !ops.has(c.Comparison)) {
      throw shInvalidInput(`Invalid comparison ${String(c.Comparison)} for filter attribute ${attr}.`);
    }
    if (typeof c.Value !== 'string')
      throw shInvalidInput(`A value is required for filter attribute ${attr}.`);
    if (kind === 'map' && typeof c.Key !== 'string')
      throw shInvalidInput(`A key is required for map filter ${attr}.`);
  }
  const groups = new Map<string, Set<string>>();
  for (const c of conds) {
    const key = kind === 'map' ? String(c.Key) : '';
    const set = groups.get(key) ?? new Set<string>();
    set.add(String(c.Comparison));
    groups.set(key, set);
  }
  for (const set of groups.values()) {
    const has = (op: string) => set.has(op);
    if (has('CONTAINS') && set.size > 1) {
      throw shInvalidInput(`CONTAINS filters for ${attr} can only be combined with other CONTAINS filters.`);
    }
    if (has('NOT_CONTAINS') && set.size > 1) {
      throw shInvalidInput(
        `NOT_CONTAINS filters for ${attr} can only be combined with other NOT_CONTAINS filters.`,
      );
    }
    if (has('EQUALS') && (has('NOT_EQUALS') || has('PREFIX_NOT_EQUALS'))) {
      throw shInvalidInput(
        `You can't combine EQUALS with NOT_EQUALS or PREFIX_NOT_EQUALS filters for ${attr}.`,
      );
    }
  }
}

function stringTest(op: string, value: string, target: string): boolean {
  switch (op) {
    case 'EQUALS':
      return value === target;
    case 'PREFIX':
      return value.startsWith(target);
    case 'CONTAINS':
      return value.includes(target);
    case 'NOT_EQUALS':
      return value !== target;
    case 'PREFIX_NOT_EQUALS':
      return !value.startsWith(target);
    case 'NOT_CONTAINS':
      return !value.includes(target);
    default:
      return false;
  }
}

/** Positive conditions are ORed, negative ones ANDed; a negative condition holds for every value present. */
function matchStrings(values: string[], conds: StringCond[]): boolean {
  const pos = conds.filter((c) => POSITIVE.has(String(c.Comparison)));
  const neg = conds.filter((c) => !POSITIVE.has(String(c.Comparison)));
  if (
    pos.length > 0 &&
    !pos.some((c) => values.some((v) => stringTest(String(c.Comparison), v, String(c.Value))))
  ) {
    return false;
  }
  return neg.every((c) => values.every((v) => stringTest(String(c.Comparison), v, String(c.Value))));
}

function matchMap(maps: unknown[], conds: StringCond[]): boolean {
  const byKey = new Map<string, StringCond[]>();
  for (const c of conds) byKey.set(String(c.Key), [...(byKey.get(String(c.Key)) ?? []), c]);
  for (const [key, group] of byKey) {
    const values = maps
      .map((m) => (m && typeof m === 'object' ? (m as Json)[key] : undefined))
      .filter((v): v is string => typeof v === 'string');
    if (!matchStrings(values, group)) return false;
  }
  return true;
}

function matchDate(values: unknown[], conds: Json[], now: number): boolean {
  const times = values.map((v) => Date.parse(String(v))).filter((t) => !Number.isNaN(t));
  return conds.some((c) =>
    times.some((t) => {
      const range = c.DateRange as { Value: number; Comparison?: string } | undefined;
      if (range) {
        const edge = now - range.Value * 86_400_000;
        return range.Comparison === 'OLDER_THAN' ? t < edge : t >= edge && t <= now;
      }
      if (c.Start !== undefined && t < Date.parse(String(c.Start))) return false;
      if (c.End !== undefined && t > Date.parse(String(c.End))) return false;
      return true;
    }),
  );
}

function matchNumber(values: unknown[], conds: Json[]): boolean {
  const nums = values.map(Number).filter((n) => !Number.isNaN(n));
  return conds.some((c) =>
    nums.some(
      (n) =>
        (c.Eq === undefined || n === c.Eq) &&
        (c.Gte === undefined || n >= Number(c.Gte)) &&
        (c.Lte === undefined || n <= Number(c.Lte)) &&
        (c.Gt === undefined || n > Number(c.Gt)) &&
        (c.Lt === undefined || n < Number(c.Lt)),
    ),
  );
}

/** Different attributes are ANDed. */
export function matchesFilters(finding: Finding, filters: Filters, now: number): boolean {
  for (const [attr, conds] of Object.entries(filters)) {
    if (!Array.isArray(conds) || conds.length === 0) continue;
    const spec = ATTRIBUTES[attr];
    if (!spec) return false;
    const [kind, read] = spec;
    const values = read(finding);
    const ok =
      kind === 'string'
        ? matchStrings(
            values.filter((v): v is string => typeof v === 'string'),
            conds as StringCond[],
          )
        : kind === 'map'
          ? matchMap(values, conds as StringCond[])
          : kind === 'date'
            ? matchDate(values, conds as Json[], now)
            : matchNumber(values, conds as Json[]);
    if (!ok) return false;
  }
  return true;
}

export interface SortCriterion {
  Field?: string;
  SortOrder?: string;
}

export function validateSort(criteria: SortCriterion[]): void {
  for (const c of criteria) {
    if (!c.Field || !ATTRIBUTES[c.Field] || ATTRIBUTES[c.Field]?.[0] === 'map') {
      throw shInvalidInput(`Invalid sort field: ${String(c.Field)}`);
    }
    if (c.SortOrder !== undefined && c.SortOrder !== 'asc' && c.SortOrder !== 'desc') {
      throw shInvalidInput(`Invalid sort order: ${String(c.SortOrder)}. Valid values are asc and desc.`);
    }
  }
}

function sortValue(f: Json, field: string): string | number | undefined {
  const spec = ATTRIBUTES[field];
  if (!spec) return undefined;
  const v = spec[1](f)[0];
  if (v === undefined || v === null) return undefined;
  if (spec[0] === 'date') return Date.parse(String(v));
  if (spec[0] === 'number') return Number(v);
  return String(v);
}

/** Sorts by the criteria (default: UpdatedAt desc), then by Id for a total order. Missing values sort last. */
export function sortFindings(findings: Finding[], criteria: SortCriterion[]): Finding[] {
  const list = criteria.length > 0 ? criteria : [{ Field: 'UpdatedAt', SortOrder: 'desc' }];
  return [...findings].sort((a, b) => {
    for (const c of list) {
      const field = String(c.Field);
      const va = sortValue(a, field);
      const vb = sortValue(b, field);
      if (va === vb) continue;
      if (va === undefined) return 1;
      if (vb === undefined) return -1;
      const cmp = va < vb ? -1 : 1;
      return c.SortOrder === 'desc' ? -cmp : cmp;
    }
    return a.Id < b.Id ? -1 : a.Id > b.Id ? 1 : 0;
  });
}
