import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { Control } from '../../src/catalog/schema.ts';

const referenceDir = fileURLToPath(new URL('../../../shared/reference/', import.meta.url));
const present = existsSync(`${referenceDir}fsbp-controls-current.json`);
if (!present && process.env.CI === 'true') throw new Error(`${referenceDir} is missing in CI`);
if (!present)
  console.warn(`[coverage] ${referenceDir} not found (a plain clone): skipping the reference comparison`);

const Current = z.array(
  z.object({
    id: z.string(),
    titleEn: z.string(),
    severity: z.string(),
    configRule: z.string().nullable(),
    scheduleType: z.string().nullable(),
    resourceTypes: z.array(z.string()).nullable(),
    parameters: z.record(z.string(), z.string().nullable()).nullable(),
  }),
);
const Retired = z.array(
  z.object({
    id: z.string(),
    status: z.enum(['RETIRED', 'REMOVED_FROM_FSBP', 'RENAMED']),
    renamedTo: z.string().optional(),
  }),
);

function read<T>(schema: z.ZodType<T>, file: string): T {
  return present ? schema.parse(JSON.parse(readFileSync(`${referenceDir}${file}`, 'utf8'))) : ([] as T);
}

const catalog = loadCatalog();
const current = read(Current, 'fsbp-controls-current.json');
const retired = read(Retired, 'fsbp-controls-retired.json');
const schedule = (s: string | null) =>
  s === 'CHANGE_TRIGGERED_AND_PERIODIC' ? 'PERIODIC_AND_CHANGE_TRIGGERED' : s;

describe.skipIf(!present)('the catalog against the FSBP reference (../shared/reference)', () => {
  it('has a file for every control of the current standard and keeps every retired one', () => {
    const missing = current.filter((r) => catalog.find(r.id)?.id !== r.id).map((r) => r.id);
    const retiredMissing = retired
      .filter((r) => r.status !== 'RENAMED')
      .filter((r) => catalog.find(r.id)?.deprecated !== true)
      .map((r) => r.id);
    const deprecated = catalog.controls.filter((c) => c.deprecated).length;
    console.info(
      `coverage: current ${current.length - missing.length}/${current.length}, retired ${deprecated}, missing ${missing.length}${missing.length ? ` (${missing.join(', ')})` : ''}`,
    );
    expect(missing).toEqual([]);
    expect(retiredMissing).toEqual([]);
    // A renamed ID is an alias of the current one; nothing the standard lists is marked retired.
    for (const r of retired.filter((x) => x.status === 'RENAMED')) {
      // (a renamed control whose file has not landed yet is counted as missing above)
      if (r.renamedTo && catalog.find(r.renamedTo)) expect(catalog.find(r.id)?.id, r.id).toBe(r.renamedTo);
    }
    for (const r of current) expect(catalog.find(r.id)?.deprecated ?? false, r.id).toBe(false);
    expect(catalog.controls).toHaveLength(current.length + deprecated);
  });

  it('follows the reference on every fact, or says in a note why not', () => {
    const unexplained: string[] = [];
    const byId = new Map(current.map((r) => [r.id, r]));
    const check = (control: Control, fact: string, ours: unknown, theirs: unknown, noteWord: RegExp) => {
      if (JSON.stringify(ours) === JSON.stringify(theirs)) return;
      if (control.notes.some((n) => noteWord.test(n))) return;
      unexplained.push(
        `${control.id} ${fact}: ${JSON.stringify(ours)} vs reference ${JSON.stringify(theirs)}`,
      );
    };
    for (const control of catalog.controls) {
      const r = byId.get(control.id);
      if (!r) continue;
      check(control, 'title', control.title.en, r.titleEn, /title/i);
      check(control, 'severity', control.severity, r.severity, /severity/i);
      check(control, 'configRule', control.configRule, r.configRule, /Config rule/i);
      check(control, 'scheduleType', control.scheduleType, schedule(r.scheduleType), /schedule/i);
      const sorted = (a: string[] | null) => (a ? [...a].sort() : a);
      check(
        control,
        'resourceTypes',
        sorted(control.resourceTypes),
        sorted(r.resourceTypes),
        /resource type/i,
      );
      if (r.parameters !== null) check(control, 'parameters', control.parameters, r.parameters, /parameter/i);
    }
    expect(unexplained).toEqual([]);
  });
});
