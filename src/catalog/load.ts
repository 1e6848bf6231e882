import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../errors.ts';
import { controlsDir } from '../paths.ts';
import { Catalog } from './catalog.ts';
import { Control } from './schema.ts';

export interface CatalogProblem {
  file: string;
  path: string;
  message: string;
}

export class CatalogError extends AppError {
  readonly problems: CatalogProblem[];

  constructor(problems: CatalogProblem[]) {
    const lines = problems.map((p) => `  ${p.file}${p.path ? ` ${p.path}` : ''}: ${p.message}`);
    super('catalog_invalid', `control catalog has ${problems.length} problem(s):\n${lines.join('\n')}`, {
      params: { count: problems.length },
    });
    this.problems = problems;
  }
}

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  }
  return out;
}

/**
 * Reads every `controls/*.json`, validates all of them and reports every bad file and field at once,
 * so a broken catalog is fixed in one pass rather than one error per start.
 */
export function loadCatalog(dir: string = controlsDir): Catalog {
  const problems: CatalogProblem[] = [];
  const controls: Control[] = [];
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
    .sort();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (error) {
      problems.push({ file, path: '', message: `not valid JSON (${(error as Error).message})` });
      continue;
    }
    const parsed = Control.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file, path: formatIssuePath(issue.path), message: issue.message });
      }
      continue;
    }
    if (parsed.data.id !== basename(file, '.json')) {
      problems.push({ file, path: 'id', message: `must equal the file name (${basename(file, '.json')})` });
      continue;
    }
    controls.push(parsed.data);
  }
  problems.push(...crossFileProblems(files, controls));
  if (files.length === 0) problems.push({ file: dir, path: '', message: 'no control files found' });
  if (problems.length > 0) throw new CatalogError(problems);
  return new Catalog(controls);
}

/**
 * Rules across files. Every name a finding may carry (ID, security control ID, alias) leads to one control,
 * compared without case: lookups ignore case, and two files whose names differ only by case cannot both exist
 * in a checkout on macOS or Windows.
 */
function crossFileProblems(files: readonly string[], controls: readonly Control[]): CatalogProblem[] {
  const problems: CatalogProblem[] = [];
  const fileByLower = new Map<string, string>();
  for (const file of files) {
    const other = fileByLower.get(file.toLowerCase());
    if (other) problems.push({ file, path: '', message: `differs from ${other} only by case` });
    fileByLower.set(file.toLowerCase(), file);
  }
  const owner = new Map<string, string>();
  const claim = (control: Control, name: string, path: string) => {
    const key = name.toLowerCase();
    const other = owner.get(key);
    if (other !== undefined && other !== control.id) {
      problems.push({ file: `${control.id}.json`, path, message: `${name} is already used by ${other}` });
    }
    owner.set(key, control.id);
  };
  for (const control of controls) {
    claim(control, control.id, 'id');
    claim(control, control.securityControlId, 'securityControlId');
  }
  for (const control of controls) {
    control.aliases.forEach((alias, i) => {
      // An alias may differ from the id by case only (OpenSearch.1 for Opensearch.1): that is the older spelling.
      if (alias === control.id) {
        problems.push({
          file: `${control.id}.json`,
          path: `aliases[${i}]`,
          message: 'must differ from the id',
        });
      } else {
        claim(control, alias, `aliases[${i}]`);
      }
    });
  }
  for (const control of controls) {
    if (control.replacedBy && !owner.has(control.replacedBy.toLowerCase())) {
      problems.push({
        file: `${control.id}.json`,
        path: 'replacedBy',
        message: `${control.replacedBy} is not in the catalog`,
      });
    }
  }
  return problems;
}
