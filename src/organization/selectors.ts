/**
 * Channel selectors: which accounts a channel (or a `check --account`) means. Organization mode knows
 * `*`, account IDs, names, OU IDs (with their child OUs) and `tag:key=value`; per-account mode only
 * IDs and names, as it always did.
 */

export type DirectoryMode = 'accounts' | 'organization';

export type Selector =
  | { kind: 'all'; text: string }
  | { kind: 'id'; text: string }
  | { kind: 'ou'; text: string }
  | { kind: 'tag'; text: string; key: string; value: string }
  | { kind: 'name'; text: string };

/** What a selector looks at: an account's ID, name, OU path and tags. */
export interface Selectable {
  id: string;
  name?: string | undefined;
  /** The OUs the account sits in, from the root's child down to its own parent. */
  ous: readonly string[];
  tags: Readonly<Record<string, string>>;
}

export function parseSelector(text: string): Selector {
  if (text === '*') return { kind: 'all', text };
  if (/^\d{12}$/.test(text)) return { kind: 'id', text };
  if (/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/.test(text)) return { kind: 'ou', text };
  const tag = /^tag:([^=]{1,128})=(.{0,256})$/s.exec(text);
  if (tag) return { kind: 'tag', text, key: tag[1] as string, value: tag[2] as string };
  return { kind: 'name', text };
}

/** Whether a word is meant as a selector rather than a name (for `check ou-... S3`). */
export function looksLikeSelector(word: string): boolean {
  const kind = parseSelector(word).kind;
  return kind === 'ou' || kind === 'tag' || kind === 'all';
}

export function matches(account: Selectable, selector: Selector, mode: DirectoryMode): boolean {
  // Per-account mode: a channel names accounts of the config by ID or name, nothing else.
  if (mode === 'accounts') return account.id === selector.text || account.name === selector.text;
  switch (selector.kind) {
    case 'all':
      return true;
    case 'id':
      return account.id === selector.text;
    case 'ou':
      return account.ous.includes(selector.text);
    case 'tag':
      return Object.hasOwn(account.tags, selector.key) && account.tags[selector.key] === selector.value;
    case 'name':
      return account.name === selector.text;
  }
}

export interface Route<A> {
  account: A;
  /** The channel's selectors that matched it, in the channel's order. */
  matchedBy: string[];
}

export interface Routing<A> {
  routes: Route<A>[];
  /** Accounts the `accounts` selectors matched and an `exclude` selector took out again. */
  excluded: { account: A; excludedBy: string[] }[];
  /** Selectors of `accounts` and `exclude` that matched no account (a typo, or an empty OU). */
  unmatched: string[];
}

/** Routes accounts to one channel: what `include` matches, less what `exclude` matches, in `accounts` order. */
export function route<A extends Selectable>(
  accounts: readonly A[],
  include: readonly string[],
  exclude: readonly string[],
  mode: DirectoryMode,
): Routing<A> {
  const includes = include.map(parseSelector);
  const excludes = exclude.map(parseSelector);
  const used = new Set<string>();
  const routing: Routing<A> = { routes: [], excluded: [], unmatched: [] };
  for (const account of accounts) {
    const matchedBy = includes.filter((s) => matches(account, s, mode)).map((s) => s.text);
    const excludedBy = excludes.filter((s) => matches(account, s, mode)).map((s) => s.text);
    for (const s of [...matchedBy, ...excludedBy]) used.add(s);
    if (matchedBy.length === 0) continue;
    if (excludedBy.length > 0) routing.excluded.push({ account, excludedBy });
    else routing.routes.push({ account, matchedBy });
  }
  routing.unmatched = [...new Set([...include, ...exclude])].filter((s) => !used.has(s));
  return routing;
}

/** The accounts one selector picks out of `within` (a channel's own), in that order. */
export function select<A extends Selectable>(
  within: readonly A[],
  selector: string,
  mode: DirectoryMode,
): A[] {
  const parsed = parseSelector(selector);
  return within.filter((a) => matches(a, parsed, mode));
}
