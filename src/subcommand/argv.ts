import { invalidArguments } from '../errors.ts';

export type FlagType = 'boolean' | 'string' | 'strings';
export type FlagSpec = Readonly<Record<string, FlagType>>;
export type FlagValues = Record<string, boolean | string | string[] | undefined>;

export interface ParsedArgv {
  positionals: string[];
  flags: FlagValues;
}

/** Longest input we look at; Slack allows far longer command text than any real use. */
export const maxCommandTextLength = 2000;

const quotePairs: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '「': '」' };

/**
 * Splits command text into words; quotes (also the curly ones Slack clients type) group words,
 * so `--reason "accepted risk"` is one value.
 */
export function tokenize(input: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let closing: string | undefined;
  for (const char of input) {
    if (closing) {
      if (char === closing) closing = undefined;
      else current += char;
    } else if (quotePairs[char]) {
      closing = quotePairs[char];
      inToken = true;
    } else if (/\s/.test(char)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += char;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** Parses `--flag value`, `--flag=value`, `--no-flag` and positionals against a flag spec. */
export function parseArgv(tokens: readonly string[], spec: FlagSpec): ParsedArgv {
  const positionals: string[] = [];
  const flags: FlagValues = {};
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') {
      positionals.push(...tokens.slice(i + 1));
      break;
    }
    if (!token.startsWith('--') || token.length === 2) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    let name = token.slice(2, eq === -1 ? undefined : eq);
    let inline = eq === -1 ? undefined : token.slice(eq + 1);
    let type = spec[name];
    if (!type && name.startsWith('no-') && spec[name.slice(3)] === 'boolean') {
      name = name.slice(3);
      type = 'boolean';
      inline = 'false';
    }
    if (!type) throw invalidArguments('args.unknownOption', { option: `--${name.slice(0, 40)}` });
    if (type === 'boolean') {
      flags[name] = inline === undefined ? true : inline !== 'false';
      continue;
    }
    const value = inline ?? tokens[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw invalidArguments('args.needsValue', { option: `--${name}` });
    }
    if (type === 'string') {
      flags[name] = value;
    } else {
      const list = (flags[name] as string[] | undefined) ?? [];
      list.push(...value.split(',').filter(Boolean));
      flags[name] = list;
    }
  }
  return { positionals, flags };
}
