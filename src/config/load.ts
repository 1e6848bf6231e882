import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatIssuePath } from '../catalog/load.ts';
import { AppError } from '../errors.ts';
import { type AccountConfig, type ChannelConfig, Config } from './schema.ts';

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
    const problems = parsed.error.issues.map((issue) => {
      const path = formatIssuePath(issue.path);
      return path ? `${path}: ${issue.message}` : issue.message;
    });
    throw new ConfigError(source, problems);
  }
  return Object.freeze(parsed.data);
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

export function findAccount(config: Config, ref: string): AccountConfig | undefined {
  return config.accounts.find((a) => a.id === ref || a.name === ref);
}

export function findChannel(config: Config, channelId: string): ChannelConfig | undefined {
  return config.channels.find((c) => c.id === channelId);
}

/** The accounts a channel may check, in config order. */
export function channelAccounts(config: Config, channel: ChannelConfig): AccountConfig[] {
  return config.accounts.filter(
    (a) => channel.accounts.includes(a.id) || (a.name && channel.accounts.includes(a.name)),
  );
}
