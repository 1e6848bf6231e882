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
  /** Control IDs asked beyond the catalog's (lowercased): AWS-only controls, few. */
  extraAsked: Set<string>;
  /** Disabled control IDs, lowercased. */
  disabled: Set<string>;
}

export interface StreamEnablementOptions {
  enablement: Enablement;
  /** The account-Region through the member's own role: the administrator cannot read its associations. */
  access(where: Where): Promise<RegionAccess>;
  /** Asked at an account-Region's first sight, so its findings spread over many pages cost one ask. */
  catalogControlIds: readonly string[];
  /** A role refused or an answer that failed: that account-Region counts as all enabled. */
  onError?: ((where: Where, error: unknown) => void) | undefined;
}

const keyOf = (where: Where) => `${where.accountId}|${where.region}`;

/**
 * Which findings of the organization stream are of a control disabled where they are. Each member
 * account-Region is asked when a page first brings one of its findings (so only those with failing
 * findings are asked, each once a run) through the enablement cache it is given. Pages are
 * given one at a time; what is kept is a few IDs per account-Region, never the findings.
 */
export function createStreamEnablement(options: StreamEnablementOptions) {
  const catalog = new Set(options.catalogControlIds.map((id) => id.toLowerCase()));
  const scopes = new Map<string, ScopeState>();

  async function reach(where: Where, state: ScopeState): Promise<RegionAccess | null> {
    try {
      return await options.access(where);
    } catch (error) {
      state.reachable = false;
      options.onError?.(where, error);
      return null;
    }
  }

  /** Asks what this run has not asked yet of one account-Region (nothing, after its first page). */
  async function learn(where: Where, controlIds: ReadonlySet<string>): Promise<void> {
    const known = scopes.get(keyOf(where));
    const state = known ?? { reachable: true, extraAsked: new Set<string>(), disabled: new Set<string>() };
    scopes.set(keyOf(where), state);
    const unasked = [...controlIds].filter((id) => {
      const lower = id.toLowerCase();
      return !catalog.has(lower) && !state.extraAsked.has(lower);
    });
    const toAsk = known ? unasked : [...options.catalogControlIds, ...unasked];
    if (!state.reachable || toAsk.length === 0) return;
    const access = await reach(where, state);
    if (!access) return;
    let failed = false;
    const off = await options.enablement.disabledIds(access, toAsk, (error) => {
      failed = true;
      options.onError?.(where, error);
    });
    for (const id of unasked) state.extraAsked.add(id.toLowerCase());
    for (const id of off.keys()) state.disabled.add(id.toLowerCase());
    if (failed) state.reachable = false;
  }

  /** The IDs of this page's findings whose control is disabled in their account and Region. */
  async function disabledIn(page: readonly ControlFinding[]): Promise<Set<string>> {
    const byScope = groupBy(page, keyOf);
    await Promise.all(
      [...byScope.values()].map(([first, ...rest]) =>
        first
          ? learn(
              { accountId: first.accountId, region: first.region },
              new Set([first, ...rest].map((f) => f.controlId)),
            )
          : undefined,
      ),
    );
    const out = new Set<string>();
    for (const f of page) if (scopes.get(keyOf(f))?.disabled.has(f.controlId.toLowerCase())) out.add(f.id);
    return out;
  }

  return { disabledIn };
}
