import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatIssuePath } from '../catalog/load.ts';
import { AppError } from '../errors.ts';
import { knownKeysAt, suggestKey } from './known-keys.ts';
import { type ChannelConfig, Config } from './schema.ts';

export class ConfigError extends AppError {
  readonly problems: string[];

  constructor(source: string, problems: string[]) {
    super('config_invalid', `${source} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      params: { source, count: problems.length },
    });
    this.problems = problems;
  }
}

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or `null` for the built-in single-account default. */
  source: string | null;
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** The account ID of the bot's own credentials; only asked when there is no config file. */
  whoAmI?: () => Promise<string>;
}

export const defaultConfigFile = 'fsbp.config.yaml';

/** Parses and validates config text; every problem is reported with its key path. */
export function parseConfig(text: string, source: string): Config {
  let raw: unknown;
  try {
    raw = source.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [
      `not valid ${source.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    ]);
  }
  const parsed = Config.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') return unknownKeyProblems(issue.path, issue.keys);
      const path = formatIssuePath(issue.path);
      return [path ? `${path}: ${issue.message}` : issue.message];
    });
    throw new ConfigError(source, problems);
  }
  return Object.freeze(parsed.data);
}

/** `suppression.alowedUsers: unknown key; did you mean allowedUsers?`, one line per key. */
function unknownKeyProblems(path: readonly PropertyKey[], keys: readonly string[]): string[] {
  const known = knownKeysAt(Config, path);
  return keys.map((key) => {
    const suggestion = suggestKey(key, known);
    const where = formatIssuePath([...path, key]);
    return `${where}: unknown key${suggestion ? `; did you mean ${suggestion}?` : ` (known here: ${known.join(', ')})`}`;
  });
}

/**
 * `FSBP_CONFIG`, else `./fsbp.config.yaml` when present, else one account: the bot's own
 * credentials in `AWS_REGION`.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.FSBP_CONFIG;
  const path = resolve(cwd, explicit ?? defaultConfigFile);
  if (explicit || existsSync(path)) {
    if (!existsSync(path)) throw new ConfigError(path, [`file not found (FSBP_CONFIG=${explicit})`]);
    return { config: parseConfig(readFileSync(path, 'utf8'), path), source: path };
  }
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError('environment', [
      `no ${defaultConfigFile} and no FSBP_CONFIG; set AWS_REGION to check the account of your own credentials`,
    ]);
  }
  if (!options.whoAmI)
    throw new ConfigError('environment', ['no config file and no way to find the own account']);
  const id = await options.whoAmI();
  const config = Config.parse({ accounts: [{ id, name: 'self', regions: [region] }] });
  return { config: Object.freeze(config), source: null };
}

/** Reads and validates one config file without starting anything (`fsbp config check --file F`). */
export function checkConfigFile(path: string): Config {
  if (!existsSync(path)) throw new ConfigError(path, ['file not found']);
  return parseConfig(readFileSync(path, 'utf8'), path);
}

export function findChannel(config: Config, channelId: string): ChannelConfig | undefined {
  return config.channels.find((c) => c.id === channelId);
}

/** The SLA in force for a channel: the top-level days with the channel's overrides. */
export function channelSla(config: Config, channel: ChannelConfig): Record<keyof Config['sla'], number> {
  return { ...config.sla, ...channel.sla };
}
