import type { Control } from '../catalog/schema.ts';

/** "Retired" and, where AWS named one, the successor: shared by explain and the digest replies. */
export function retiredLine(control: Control, t: (key: string, options?: Record<string, unknown>) => string) {
  return [
    t('explain.retired'),
    ...(control.replacedBy ? [` ${t('catalog.replacedBy', { id: control.replacedBy })}`] : []),
  ];
}
