import { z } from 'zod';
import { AppError } from '../errors.ts';

export const SlackEnv = z.object({
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
  FSBP_STORE: z.string().min(1).default('./data/fsbp.db'),
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
