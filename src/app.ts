import { randomUUID } from 'node:crypto';
import type { DestinationStream, Logger } from 'pino';
import { digestPoster } from '../commands/digest-render.ts';
import type { DocPoster } from '../commands/doc.ts';
import { subcommands } from '../commands/index.ts';
import { createAwsSetupProbe } from './aws/setup-probe.ts';
import { loadCatalog } from './catalog/load.ts';
import { type DigestOutcome, runDigest } from './digest/run.ts';
import { homeRegion, parseSlackEnv } from './env.ts';
import { createI18n } from './i18n/index.ts';
import { scheduleDigests } from './jobs/scheduler.ts';
import { createLogger } from './log.ts';
import { createServices } from './services.ts';
import { createSlackApp, type SlackAppHandle } from './slack/app.ts';
import { createSlackPoster } from './slack/poster.ts';
import { describeStoreLocation } from './store/open.ts';
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

/** Findings whose control ID was malformed were reported as an unknown control; the values go here only. */
function logRejectedControlIds(logger: Logger, outcome: DigestOutcome): void {
  if (outcome.rejectedControlIds.length === 0) return;
  logger.warn(
    { channel: outcome.channel, rejectedControlIds: outcome.rejectedControlIds },
    'findings with a malformed control ID were reported as an unknown control',
  );
}

export async function startBot(
  env: NodeJS.ProcessEnv = process.env,
  options: StartOptions = {},
): Promise<RunningBot> {
  const logger = createLogger({ level: env.LOG_LEVEL, destination: options.logDestination });
  const slackEnv = parseSlackEnv(env);
  const catalog = loadCatalog();
  const now = options.now ?? Date.now;
  const shared = createServices(env, { now });
  const aws = shared.aws();
  const { config, source } = await shared.config();
  const store = await shared.store();
  const engine = shared.checkEngine();
  const digestLease = { ttlMs: shared.env.FSBP_DIGEST_LEASE_SECONDS * 1000 };
  const i18n = createI18n();
  let scheduler: ReturnType<typeof scheduleDigests> | undefined;
  const digestServices = (poster: DocPoster) => ({
    aws,
    store,
    poster,
    nextRun: (channel: string) => scheduler?.nextRun(channel) ?? null,
    now,
    lease: digestLease,
  });
  let poster: DocPoster | undefined;
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
        digest: async () => digestServices(poster as DocPoster),
        suppression: async () => ({ aws, store, now }),
        doctor: async () => ({
          aws: createAwsSetupProbe({ concurrency: shared.env.FSBP_CONCURRENCY }),
          homeRegion: homeRegion(shared.env),
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
    run: async (channel) => {
      const outcome = await runDigest(
        {
          config,
          store,
          aws,
          poster: digestPoster(poster as DocPoster, catalog, i18n),
          now,
          lease: digestLease,
        },
        channel,
      );
      logRejectedControlIds(logger, outcome);
      return outcome;
    },
    maintain,
    ...(shared.env.FSBP_DIGEST_RESUME_SCHEDULE
      ? { resumeSchedule: shared.env.FSBP_DIGEST_RESUME_SCHEDULE }
      : {}),
  });
  const port = await slack.start();
  logger.info(
    {
      mode: slack.mode,
      port,
      config: source ?? 'own account',
      store: describeStoreLocation(shared.storeLocation),
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
      await shared.close();
    },
  };
}
