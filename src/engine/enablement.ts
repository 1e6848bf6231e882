import { LRUCache } from 'lru-cache';
import type { Control } from '../catalog/schema.ts';
import { AppError } from '../errors.ts';
import type { ControlAssociation, RegionAccess } from './ports.ts';

/** A control switched off in FSBP in one account and Region, and why (AWS's or a person's text). */
export interface DisabledControl {
  controlId: string;
  reason: string | null;
}

/** How long an account-Region's answer is trusted: a control switched on again counts within minutes. */
export const enablementTtlMs = 5 * 60 * 1000;
/** Account-Regions remembered at most (least recently used go first). */
export const enablementMaxEntries = 2000;

interface Known {
  /** FSBP association by control ID (as AWS names it in that answer), lowercased. */
  byId: Map<string, ControlAssociation>;
  /** Asked but not answered (not in the standard): enabled as far as we know. */
  unanswered: Set<string>;
  /** DescribeStandardsControls answered for the whole standard: nothing more to ask. */
  complete: boolean;
}

/** Errors that mean "this way of asking is not open to us here", not "Security Hub is unreachable". */
export function mayFallBack(error: unknown): boolean {
  return (
    error instanceof AppError && (error.code === 'aws_access_denied' || error.code === 'aws_unavailable')
  );
}

/**
 * Which FSBP controls are disabled in an account and Region: BatchGetStandardsControlAssociations,
 * or DescribeStandardsControls where that is refused. Answers are kept per account and Region for a
 * few minutes in a bounded cache; a control AWS could not answer for, or a Region that could not be
 * asked, counts as enabled (today's behaviour: it is checked and reported).
 */
export function createEnablement(options: { ttlMs?: number; maxEntries?: number } = {}) {
  const cache = new LRUCache<string, Known>({
    max: options.maxEntries ?? enablementMaxEntries,
    ttl: options.ttlMs ?? enablementTtlMs,
  });

  async function known(
    access: RegionAccess,
    controlIds: readonly string[],
    onError?: (error: unknown) => void,
  ): Promise<Known> {
    const key = `${access.accountId}|${access.region}`;
    const entry = cache.get(key) ?? { byId: new Map(), unanswered: new Set(), complete: false };
    const controls = access.controls;
    if (!controls || entry.complete) return entry;
    const missing = [...new Set(controlIds.map((id) => id.toLowerCase()))].filter(
      (id) => !entry.byId.has(id) && !entry.unanswered.has(id),
    );
    if (missing.length === 0) return entry;
    const asked = controlIds.filter((id) => missing.includes(id.toLowerCase()));
    try {
      for (const a of await controls.fsbpAssociations(asked)) entry.byId.set(a.controlId.toLowerCase(), a);
      for (const id of missing) if (!entry.byId.has(id)) entry.unanswered.add(id);
    } catch (error) {
      if (!mayFallBack(error)) {
        onError?.(error);
        return entry;
      }
      try {
        for (const a of await controls.fsbpStandardsControls()) entry.byId.set(a.controlId.toLowerCase(), a);
        entry.complete = true;
      } catch (fallbackError) {
        onError?.(fallbackError);
        return entry;
      }
    }
    cache.set(key, entry);
    return entry;
  }

  /** The given controls that are disabled in FSBP here (by ID, security control ID or alias). */
  async function disabled(access: RegionAccess, controls: readonly Control[]): Promise<DisabledControl[]> {
    if (controls.length === 0 || !access.controls) return [];
    const entry = await known(
      access,
      controls.map((c) => c.securityControlId),
    );
    const out: DisabledControl[] = [];
    for (const control of controls) {
      const names = [control.securityControlId, control.id, ...control.aliases].map((n) => n.toLowerCase());
      const found = names.map((n) => entry.byId.get(n)).find((a) => a !== undefined);
      if (found && !found.enabled) out.push({ controlId: control.id, reason: found.reason });
    }
    return out;
  }

  /**
   * Disabled control IDs among raw IDs (findings' control IDs), for filtering what is reported.
   * `onError` hears why neither way of asking answered (the controls then count as enabled).
   */
  async function disabledIds(
    access: RegionAccess,
    controlIds: readonly string[],
    onError?: (error: unknown) => void,
  ): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (controlIds.length === 0 || !access.controls) return out;
    const entry = await known(access, controlIds, onError);
    for (const id of controlIds) {
      const found = entry.byId.get(id.toLowerCase());
      if (found && !found.enabled) out.set(id, found.reason);
    }
    return out;
  }

  return { disabled, disabledIds, size: () => cache.size };
}

export type Enablement = ReturnType<typeof createEnablement>;
