import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { type DigestPoster, runDigest } from '../commands/digest-run.ts';
import { subcommands } from '../commands/index.ts';
import { createAwsPort } from './aws/index.ts';
import { createAwsSetupProbe } from './aws/setup-probe.ts';
import { loadCatalog } from './catalog/load.ts';
import { loadConfig } from './config/load.ts';
import { createCheckEngine } from './engine/check.ts';
import { createI18n } from './i18n/index.ts';
import { createLogger } from './log.ts';
import { createSlackApp, type SlackAppHandle } from './slack/app.ts';
import { parseSlackEnv } from './slack/env.ts';
import { createSlackPoster } from './slack/poster.ts';
import { scheduleDigests } from './slack/scheduler.ts';
import { openSqliteStore } from './store/sqlite.ts';
import { type MaintenanceReport, maintainSuppressions } from './suppression/maintain.ts';

export interface RunningBot {
  slack: SlackAppHandle;
  /** The HTTP port in HTTP mode (useful with PORT=0), null in Socket Mode. */
  port: number | null;
  /** Runs the suppression job now (it also runs on its schedule). */
  maintainSuppressions(): Promise<MaintenanceReport>;
  stop(): Promise<void>;
}

/**
 * The composition root: the only module that knows every layer. Validates the environment and the
 * config before anything listens, so a bad setting stops start-up with a message naming it.
 */
export interface StartOptions {
  /** Where log lines go (stdout when left out); tests read them to prove no secret is logged. */
  logDestination?: DestinationStream;
  /** The clock (tests move it forward to let suppressions expire). */
  now?: () => number;
}

export async function startBot(
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningBot> {
  const logger = createLogger({ level: env.LOG_LEVEL, destination: options.logDestination });
  const slackEnv = parseSlackEnv(env);
  const catalog = loadCatalog();
  const aws = createAwsPort({
    maxAttempts: Number(env.FSBP_AWS_MAX_ATTEMPTS ?? 8),
    concurrency: Number(env.FSBP_CONCURRENCY ?? 8),
  });
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const { config, source } = await loadConfig({ env, whoAmI: () => aws.whoAmI(region) });
  const now = options.now ?? Date.now;
  const store = openSqliteStore({ path: slackEnv.FSBP_STORE, now });
  const engine = createCheckEngine({ aws });
  const i18n = createI18n();
  let scheduler: ReturnType<typeof scheduleDigests> | undefined;
  const digestServices = (poster: DigestPoster) => ({
    aws,
    store,
    poster,
    nextRun: (channel: string) => scheduler?.nextRun(channel) ?? null,
    now,
  });
  let poster: DigestPoster | undefined;
  const slack = createSlackApp(
    slackEnv,
    {
      config,
      catalog,
      i18n,
      store,
      aws,
      now,
      commands: subcommands,
      logger,
      services: {
        config: async () => config,
        checkEngine: async () => engine,
        setUserLanguage: (userId, language) => store.setUserLanguage(userId, language),
        digest: async () => digestServices(poster as DigestPoster),
        suppression: async () => ({ aws, store, now }),
        doctor: async () => ({
          aws: createAwsSetupProbe({ concurrency: Number(env.FSBP_CONCURRENCY ?? 8) }),
          homeRegion: region,
        }),
      },
    },
    logger,
  );
  poster = createSlackPoster(slack.app.client, slack.pace);
  // A holder per run: the store's lease then keeps any two runs (here or in a replica) apart.
  const maintain = () => maintainSuppressions({ store, aws, config, now }, randomUUID());
  scheduler = scheduleDigests({
    config,
    store,
    logger,
    run: (channel) => runDigest({ config, catalog, i18n, store, aws, poster, now }, channel),
    maintain,
  });
  const port = await slack.start();
  logger.info(
    {
      mode: slack.mode,
      port,
      config: source ?? 'own account',
      accounts: config.accounts.length,
    },
    'fsbp-bot is running',
  );
  return {
    slack,
    port,
    maintainSuppressions: maintain,
    async stop() {
      scheduler?.stop();
      await slack.stop();
      aws.close();
      store.close();
    },
  };
}
