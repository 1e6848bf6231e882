import { distance } from 'fastest-levenshtein';
import type { AwsControlDefinition } from './aws-controls.ts';
import type { Control, Severity } from './schema.ts';
import { severities } from './schema.ts';

/** Compares control IDs the way people read them: S3.2 before S3.10. */
export function compareControlIds(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' });
}

/** What AWS says beyond the catalog files (see `liveCatalog`). */
export interface CatalogLive {
  /** Controls AWS lists that the catalog lacks: their text is AWS's English. */
  awsOnly: readonly AwsControlDefinition[];
  /** When AWS's list was read. */
  syncedAt: string;
  /** Catalog controls AWS no longer lists (marked retired here). */
  retiredIds?: readonly string[];
}

export class Catalog {
  readonly controls: readonly Control[];
  /** When AWS's list of controls was last read into this catalog; null for the catalog files alone. */
  readonly syncedAt: string | null;
  readonly #byKey = new Map<string, Control>();
  readonly #services: Map<string, string>;
  readonly #aws = new Map<string, AwsControlDefinition>();
  readonly #notListed: ReadonlySet<string>;

  constructor(controls: readonly Control[], live?: CatalogLive) {
    this.controls = [...controls].sort((a, b) => compareControlIds(a.id, b.id));
    this.syncedAt = live?.syncedAt ?? null;
    for (const definition of live?.awsOnly ?? []) this.#aws.set(definition.id.toLowerCase(), definition);
    this.#notListed = new Set(live?.retiredIds ?? []);
    for (const control of this.controls) {
      this.#byKey.set(control.id.toLowerCase(), control);
      // Findings may carry the security control ID or an older spelling (ELBv2.1, OpenSearch.1): all find it.
      for (const name of [control.securityControlId, ...control.aliases]) {
        if (!this.#byKey.has(name.toLowerCase())) this.#byKey.set(name.toLowerCase(), control);
      }
    }
    // One service whatever the case of its IDs (AutoScaling.1 and Autoscaling.5): the first spelling names it.
    this.#services = new Map();
    for (const c of this.controls) {
      if (!this.#services.has(c.service.toLowerCase()))
        this.#services.set(c.service.toLowerCase(), c.service);
    }
  }

  /** Case-insensitive, by control ID, security control ID or alias. */
  find(id: string): Control | undefined {
    return this.#byKey.get(id.trim().toLowerCase());
  }

  /** AWS's definition of a control the catalog files lack (shown as AWS's English text). */
  awsDefinition(id: string): AwsControlDefinition | undefined {
    return this.#aws.get(id.trim().toLowerCase());
  }

  /** True for a catalog control that AWS's list of the standard no longer holds (retired here). */
  notListedByAws(id: string): boolean {
    return this.#notListed.has(id);
  }

  /** The service name as the catalog spells it (`s3` -> `S3`), if any control belongs to it. */
  service(name: string): string | undefined {
    return this.#services.get(name.trim().toLowerCase());
  }

  get services(): string[] {
    return [...new Set(this.#services.values())].sort((a, b) => a.localeCompare(b));
  }

  /** The controls of a service, whatever the case of their IDs. */
  byService(service: string): Control[] {
    const key = service.toLowerCase();
    return this.controls.filter((c) => c.service.toLowerCase() === key);
  }

  bySeverity(severity: Severity): Control[] {
    return this.controls.filter((c) => c.severity === severity);
  }

  /** The closest IDs (edit distance, then reading order), for "did you mean" answers. */
  suggest(input: string, limit = 5): string[] {
    const needle = input.trim().toLowerCase();
    const scored = this.controls.map((c) => ({ id: c.id, score: distance(needle, c.id.toLowerCase()) }));
    const best = scored.filter((s) => s.score <= Math.max(2, Math.ceil(needle.length / 3)));
    best.sort((a, b) => a.score - b.score || compareControlIds(a.id, b.id));
    return best.slice(0, limit).map((s) => s.id);
  }

  /** Closest words among services, severities and `all`, for an unknown check target. */
  suggestTarget(input: string, limit = 3): string[] {
    const words = [...this.services, ...severities.map((s) => s.toLowerCase()), 'all'];
    const needle = input.trim().toLowerCase();
    const scored = words
      .map((w) => ({ w, score: distance(needle, w.toLowerCase()) }))
      .filter((s) => s.score <= 2)
      .sort((a, b) => a.score - b.score);
    return [...scored.slice(0, limit).map((s) => s.w), ...this.suggest(input, limit)].slice(0, limit);
  }
}
