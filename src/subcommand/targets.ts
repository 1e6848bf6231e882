import type { Catalog } from '../catalog/catalog.ts';
import type { Control } from '../catalog/schema.ts';
import { Severity } from '../catalog/schema.ts';
import { AppError } from '../errors.ts';

/** Finds a control by ID or security control ID, or fails with the closest IDs as suggestions. */
export function requireControl(catalog: Catalog, id: string): Control {
  const control = catalog.find(id);
  if (control) return control;
  const suggestions = catalog.suggest(id);
  throw new AppError('unknown_control', `unknown control ${id}`, {
    params: { id: id.slice(0, 40), suggestions: suggestions.join(', ') || '-' },
  });
}

export type Target =
  | { kind: 'all' }
  | { kind: 'service'; service: string }
  | { kind: 'severity'; severity: Severity }
  | { kind: 'control'; control: Control };

/** Reads one target word: `all`, a service (`s3`), a severity (`high`) or a control (`S3.1`). */
export function parseTarget(catalog: Catalog, word: string): Target {
  const lower = word.trim().toLowerCase();
  if (lower === 'all') return { kind: 'all' };
  const severity = Severity.safeParse(lower.toUpperCase());
  if (severity.success) return { kind: 'severity', severity: severity.data };
  const service = catalog.service(lower);
  if (service) return { kind: 'service', service };
  const control = catalog.find(lower);
  if (control) return { kind: 'control', control };
  const suggestions = catalog.suggestTarget(word);
  throw new AppError('unknown_target', `unknown target ${word}`, {
    params: { target: word.slice(0, 40), suggestions: suggestions.join(', ') || '-' },
  });
}

/**
 * The controls the targets select, in catalog order, without duplicates. Retired ones are selected only by
 * name (they are not re-evaluated by `check all`), unless a listing asks for them.
 */
export function selectControls(
  catalog: Catalog,
  targets: readonly Target[],
  options: { includeRetired?: boolean } = {},
): Control[] {
  const chosen = new Set<Control>();
  for (const target of targets) {
    if (target.kind === 'control') chosen.add(target.control);
    for (const control of catalog.controls) {
      if (control.deprecated && !options.includeRetired) continue;
      if (
        target.kind === 'all' ||
        (target.kind === 'service' && control.service.toLowerCase() === target.service.toLowerCase()) ||
        (target.kind === 'severity' && control.severity === target.severity)
      ) {
        chosen.add(control);
      }
    }
  }
  return catalog.controls.filter((c) => chosen.has(c));
}
