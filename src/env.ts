import { z } from 'zod';
import { isCron } from './config/schema.ts';
import { AppError } from './errors.ts';

/**
 * The environment, in one schema: what every process reads (the store, AWS limits), and what the
 * bot adds to serve Slack. `serve` and the CLI both read it through here.
 */
export const RuntimeEnv = z.object({
  /** A SQLite file (path or sqlite: URL) or a postgres:// URL; see src/store/open.ts. */
  FSBP_STORE: z.string().min(1).optional(),
  /** Connections each process keeps to PostgreSQL. */
  FSBP_STORE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /** AWS calls in flight across all accounts and Regions. */
  FSBP_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** AWS calls in flight for the digest and the suppression job (their own budget). */
  FSBP_BACKGROUND_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  FSBP_AWS_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  LOG_LEVEL: z.string().min(1).optional(),
  /**
   * A digest run's lease: renewed every third of it while the run works, so a replica that dies
   * mid-run is replaced after at most this long (plus the minute the resume job waits).
   */
  FSBP_DIGEST_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  /** The resume job's cron (tests use seconds: every minute by default). */
  FSBP_DIGEST_RESUME_SCHEDULE: z.string().min(1).optional(),
  /** The suppression job's cron (every 10 minutes by default; every replica fires it, one runs it). */
  FSBP_SUPPRESSION_JOB_SCHEDULE: z
    .string()
    .refine(isCron, 'must be a cron expression such as "*/10 * * * *"')
    .optional(),
});

export type RuntimeEnv = z.infer<typeof RuntimeEnv>;

/** The Region the bot's own credentials are used in when nothing else says. */
export function homeRegion(env: RuntimeEnv): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

export const SlackEnv = RuntimeEnv.extend({
  SLACK_BOT_TOKEN: z
    .string({ error: 'is not set (the bot token, xoxb-...)' })
    .regex(/^xoxb-[A-Za-z0-9-]+$/, 'must be a bot token starting with xoxb-'),
  SLACK_SIGNING_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9]{16,}$/, 'must be the app signing secret (letters and digits)')
    .optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-[A-Za-z0-9-]+$/, 'must be an app-level token starting with xapp-')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Slash commands worked on at once; more wait in a queue after their ack. */
  FSBP_COMMAND_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
});

export type SlackEnv = z.infer<typeof SlackEnv>;

/** Validates the Slack variables; every problem names its variable, and no value is ever echoed. */
export function parseSlackEnv(env: NodeJS.ProcessEnv): SlackEnv {
  const parsed = SlackEnv.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`);
  if (parsed.success && !parsed.data.SLACK_APP_TOKEN && !parsed.data.SLACK_SIGNING_SECRET) {
    problems.push(
      'SLACK_SIGNING_SECRET is not set (needed in HTTP mode; set SLACK_APP_TOKEN for Socket Mode instead)',
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new AppError(
      'config_invalid',
      `Slack settings are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        params: { source: 'environment', count: problems.length },
      },
    );
  }
  return parsed.data;
}

function invalid(problems: string[]): AppError {
  return new AppError(
    'config_invalid',
    `settings are invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    {
      params: { source: 'environment', count: problems.length },
    },
  );
}

/** Validates what every process reads; each problem names its variable, never its value. */
export function parseRuntimeEnv(env: NodeJS.ProcessEnv): RuntimeEnv {
  const parsed = RuntimeEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
}
