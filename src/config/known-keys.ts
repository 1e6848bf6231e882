import { closest, distance } from 'fastest-levenshtein';
import type { z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  in?: z.ZodType;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps defaults, optionals and pipes down to the schema that holds the value's own shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) return current;
    current = next;
  }
}

/** The keys an object at `path` of `schema` accepts (array indexes step into the element). */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current = unwrap(schema);
  for (const step of path) {
    const def = defOf(current);
    if (def.type === 'array' && typeof step === 'number' && def.element) current = unwrap(def.element);
    else if (def.type === 'object' && typeof step === 'string' && def.shape?.[step])
      current = unwrap(def.shape[step]);
    else return [];
  }
  const def = defOf(current);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** The known key a typo most likely meant, if one is close enough to be worth suggesting. */
export function suggestKey(typed: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const lower = (s: string) => s.toLowerCase();
  // A shortened key (`role` for `roleArn`) is a likelier intent than an equally distant other key.
  const extended = known.find((k) => lower(k).startsWith(lower(typed)));
  if (extended) return extended;
  const best = closest(typed, [...known]);
  const near =
    lower(best) === lower(typed) ||
    distance(lower(best), lower(typed)) <= Math.max(2, Math.floor(typed.length / 3));
  return near ? best : undefined;
}
