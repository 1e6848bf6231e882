import { randomUUID } from 'node:crypto';
import type { DestinationStream, Logger } from 'pino';
import { subcommands } from '../commands/index.ts';
import { createAwsSetupProbe } from './aws/setup-probe.ts';
import { loadCatalog } from './catalog/load.ts';
import { runOrganizationDigests } from './digest/org-run.ts';
import { type DigestOutcome, runDigest } from './digest/run.ts';
import { digestPoster } from './document/digest-doc.ts';
import type { DocPoster } from './document/doc.ts';
import { errorInfo } from './engine/errors.ts';
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
  /** Runs a channel's digest now, as its schedule does. */
  runDigest(channel: string): Promise<DigestOutcome>;
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
  const shared = createServices(env, {
    now,
    // A server keeps its PostgreSQL connections open: a burst of commands does not wait to connect.
    keepStoreConnections: true,
    onCheckError: (where, error) =>
      logger.warn({ ...where, err: error }, 'an account Region could not be checked'),
    onControlsSyncError: (error) =>
      logger.warn({ err: error }, "AWS's list of controls could not be read; the last copy is used"),
    discovery: {
      onError: (error) =>
        logger.warn({ err: error }, 'discovering the organization failed; the saved accounts stay in use'),
      onDiscovered: (outcome) => logger.info(outcome, 'organization accounts discovered'),
    },
  });
  const aws = shared.aws();
  // Digests and the suppression job have their own AWS call budget: checks cannot starve them.
  const backgroundAws = aws.background;
  const { config, source } = await shared.config();
  const store = await shared.store();
  const engine = shared.checkEngine();
  const accounts = await shared.accounts();
  // Organization mode: the first start discovers; later ones read the saved list. A failure leaves
  // the bot up (commands say why, the schedule tries again).
  const startView = await accounts.view().catch((error: unknown) => {
    logger.error({ err: error }, 'the organization could not be discovered');
    return null;
  });
  const digestLease = { ttlMs: shared.env.FSBP_DIGEST_LEASE_SECONDS * 1000 };
  // What the log keeps of the error: its code, AWS's code, the refused action and role; no credentials.
  const onEnablementError = (where: { accountId: string; region: string }, error: unknown) =>
    logger.warn(
      { ...where, error: errorInfo(error) },
      'which controls are disabled there could not be read; its findings are reported as if all were enabled',
    );
  const i18n = createI18n();
  let scheduler: ReturnType<typeof scheduleDigests> | undefined;
  const digestServices = (poster: DocPoster) => ({
    aws: backgroundAws,
    store,
    poster,
    nextRun: (channel: string) => scheduler?.nextRun(channel) ?? null,
    now,
    lease: digestLease,
    enablement: shared.enablement(),
    onEnablementError,
  });
  let poster: DocPoster | undefined;
  const slack = createSlackApp(
    slackEnv,
    {
      config,
      accounts,
      catalog,
      i18n,
      store,
      aws,
      now,
      commands: subcommands,
      logger,
      services: {
        config: async () => config,
        accounts: async () => accounts,
        checkEngine: async () => engine,
        setUserLanguage: (userId, language) => store.setUserLanguage(userId, language),
        digest: async () => digestServices(poster as DocPoster),
        suppression: async () => ({ aws, store, now }),
        controls: async () => ({ catalog: shared.controls(), aws }),
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
  const maintain = () =>
    maintainSuppressions(
      { store, aws: backgroundAws, config, accounts, now, approvalLapsed: slack.approvalLapsed },
      randomUUID(),
    );
  const digestDeps = async () => ({
    config,
    accounts,
    store,
    aws: backgroundAws,
    poster: digestPoster(poster as DocPoster, await shared.controls().current(), i18n),
    now,
    lease: digestLease,
    enablement: shared.enablement(),
    onEnablementError,
  });
  const digestNow = async (channel: string) => {
    const outcome = await runDigest(await digestDeps(), channel);
    logRejectedControlIds(logger, outcome);
    return outcome;
  };
  /** Organization mode: channels due together share one read through the administrator. */
  const digestTogether = async (channels: string[]) => {
    for (const outcome of await runOrganizationDigests(await digestDeps(), channels)) {
      logRejectedControlIds(logger, outcome);
    }
  };
  scheduler = scheduleDigests({
    config,
    store,
    logger,
    run: digestNow,
    ...(config.organization ? { runTogether: digestTogether } : {}),
    maintain,
    ...(config.organization ? { discover: () => accounts.refreshIfDue() } : {}),
    ...(shared.env.FSBP_DIGEST_RESUME_SCHEDULE
      ? { resumeSchedule: shared.env.FSBP_DIGEST_RESUME_SCHEDULE }
      : {}),
    ...(shared.env.FSBP_SUPPRESSION_JOB_SCHEDULE
      ? { maintenanceSchedule: shared.env.FSBP_SUPPRESSION_JOB_SCHEDULE }
      : {}),
  });
  const port = await slack.start();
  logger.info(
    {
      mode: slack.mode,
      port,
      config: source ?? 'own account',
      store: describeStoreLocation(shared.storeLocation),
      accounts: startView?.all().length ?? 0,
      accountSource: accounts.mode,
    },
    'fsbp-bot is running',
  );
  return {
    slack,
    port,
    maintainSuppressions: maintain,
    runDigest: digestNow,
    async stop() {
      scheduler?.stop();
      await slack.stop();
      await shared.close();
    },
  };
}
