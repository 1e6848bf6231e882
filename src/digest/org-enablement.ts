import pLimit from 'p-limit';
import type { Enablement } from '../engine/enablement.ts';
import { groupBy } from '../engine/group.ts';
import type { ControlFinding, RegionAccess } from '../engine/ports.ts';

type Where = { accountId: string; region: string };

/**
 * One account-Region as this run knows it: a few IDs, never its SDK clients or AWS's answers (a run
 * walks every member Region; holding those for 1,200 of them took hundreds of MB).
 */
interface ScopeState {
  /** False once its role or an answer failed: not asked again this run, all enabled. */
  reachable: boolean;
  /** How many of the stream's controls (in the order first seen) were asked here. */
  askedUpTo: number;
  /** Disabled control IDs, lowercased. */
  disabled: Set<string>;
}

export interface StreamEnablementOptions {
  enablement: Enablement;
  /** The account-Region through the member's own role: the administrator cannot read its associations. */
  access(where: Where): Promise<RegionAccess>;
  /** A role refused or an answer that failed: that account-Region counts as all enabled. */
  onError?: ((where: Where, error: unknown) => void) | undefined;
  /** Account-Regions asked at once (each is a role session and a few calls). */
  concurrency?: number;
}

const keyOf = (where: Where) => `${where.accountId}|${where.region}`;

/**
 * Which findings of the organization stream are of a control disabled where they are. An account-Region
 * is asked when a page first brings one of its findings, and only about controls the stream has
 * brought so far (an organization fails a few dozen of FSBP's hundreds of controls, and each asked
 * control is an association AWS sends back); a later page with a control it was not asked about asks
 * again for the controls the stream added since. Pages are given one at a time; what is kept is a few
 * IDs per account-Region, never the findings or AWS's answers.
 */
export function createStreamEnablement(options: StreamEnablementOptions) {
  /** Every control ID the stream has brought, in the order first seen. */
  const seen: string[] = [];
  const indexOf = new Map<string, number>();
  const scopes = new Map<string, ScopeState>();
  // A page brings up to 100 account-Regions at first sight: asking them all at once held every
  // answer and role session in flight together.
  const limit = pLimit(options.concurrency ?? 4);

  function note(controlId: string): number {
    const lower = controlId.toLowerCase();
    let index = indexOf.get(lower);
    if (index === undefined) {
      index = seen.length;
      seen.push(controlId);
      indexOf.set(lower, index);
    }
    return index;
  }

  async function reach(where: Where, state: ScopeState): Promise<RegionAccess | null> {
    try {
      return await options.access(where);
    } catch (error) {
      state.reachable = false;
      options.onError?.(where, error);
      return null;
    }
  }

  /** Asks one account-Region about the stream's controls it was not asked about yet. */
  async function learn(where: Where, state: ScopeState): Promise<void> {
    const upTo = seen.length;
    const toAsk = seen.slice(state.askedUpTo, upTo);
    const access = await reach(where, state);
    if (!access) return;
    let failed = false;
    const off = await options.enablement.disabledIds(access, toAsk, (error) => {
      failed = true;
      options.onError?.(where, error);
    });
    state.askedUpTo = Math.max(state.askedUpTo, upTo);
    for (const id of off.keys()) state.disabled.add(id.toLowerCase());
    if (failed) state.reachable = false;
  }

  /** The IDs of this page's findings whose control is disabled in their account and Region. */
  async function disabledIn(page: readonly ControlFinding[]): Promise<Set<string>> {
    const stale: Promise<void>[] = [];
    for (const findings of groupBy(page, keyOf).values()) {
      const first = findings[0];
      if (!first) continue;
      const newest = Math.max(...findings.map((f) => note(f.controlId)));
      const key = keyOf(first);
      const state = scopes.get(key) ?? { reachable: true, askedUpTo: 0, disabled: new Set<string>() };
      scopes.set(key, state);
      if (!state.reachable || newest < state.askedUpTo) continue;
      const where = { accountId: first.accountId, region: first.region };
      stale.push(limit(() => learn(where, state)));
    }
    await Promise.all(stale);
    const out = new Set<string>();
    for (const f of page) if (scopes.get(keyOf(f))?.disabled.has(f.controlId.toLowerCase())) out.add(f.id);
    return out;
  }

  return { disabledIn };
}
