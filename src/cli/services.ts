import type { CommandServices } from '../../commands/define.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';

/** Services for the terminal: config is read on first use, so `explain` needs neither config nor AWS. */
export function createCliServices(env: NodeJS.ProcessEnv): CommandServices {
  let config: Promise<Config> | undefined;
  return {
    config() {
      config ??= loadConfig({ env }).then((loaded) => loaded.config);
      return config;
    },
  };
}
