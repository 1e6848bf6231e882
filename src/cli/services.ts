import type { CommandServices } from '../../commands/define.ts';
import { createAwsPort } from '../aws/index.ts';
import { createAwsSetupProbe } from '../aws/setup-probe.ts';
import { loadConfig } from '../config/load.ts';
import type { Config } from '../config/schema.ts';
import { type CheckEngine, createCheckEngine } from '../engine/check.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { Store } from '../store/store.ts';

export interface CliServices extends CommandServices {
  close(): void;
}

/** Services for the terminal, built on first use: `explain` needs neither a config nor AWS. */
export function createCliServices(env: NodeJS.ProcessEnv): CliServices {
  let aws: ReturnType<typeof createAwsPort> | undefined;
  let config: Promise<Config> | undefined;
  let engine: CheckEngine | undefined;
  let store: Store | undefined;
  const awsPort = () => {
    aws ??= createAwsPort({
      maxAttempts: Number(env.FSBP_AWS_MAX_ATTEMPTS ?? 8),
      concurrency: Number(env.FSBP_CONCURRENCY ?? 8),
    });
    return aws;
  };
  return {
    config() {
      config ??= loadConfig({
        env,
        whoAmI: () => awsPort().whoAmI(env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'),
      }).then((loaded) => loaded.config);
      return config;
    },
    async checkEngine() {
      engine ??= createCheckEngine({ aws: awsPort() });
      return engine;
    },
    async suppression() {
      store ??= openSqliteStore({ path: env.FSBP_STORE ?? './data/fsbp.db' });
      return { aws: awsPort(), store };
    },
    async digest() {
      store ??= openSqliteStore({ path: env.FSBP_STORE ?? './data/fsbp.db' });
      // Loaded only here, so commands that never post do not load the Slack client.
      const { createCliPoster } = await import('../slack/poster.ts');
      return { aws: awsPort(), store, poster: createCliPoster(env) };
    },
    async doctor() {
      const { createSlackSetupProbe, slackSettings } = await import('../slack/setup-probe.ts');
      return {
        aws: createAwsSetupProbe({ concurrency: Number(env.FSBP_CONCURRENCY ?? 8) }),
        slack: env.SLACK_BOT_TOKEN
          ? {
              probe: createSlackSetupProbe(env),
              settings: slackSettings(env),
              socketMode: Boolean(env.SLACK_APP_TOKEN),
            }
          : undefined,
        homeRegion: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
      };
    },
    close() {
      aws?.close();
      store?.close();
    },
  };
}
