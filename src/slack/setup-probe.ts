import { WebClient } from '@slack/web-api';
import type { ChannelAccess, SlackSettings, SlackSetupProbe } from '../doctor/ports.ts';
import { SlackProbeError } from '../doctor/ports.ts';

/** Slack's error code from a Web API failure (`invalid_auth`, `missing_scope`, ...). */
function slackCode(error: unknown): string {
  const data = (error as { data?: { error?: unknown } }).data;
  return typeof data?.error === 'string' ? data.error : 'request_failed';
}

async function slackCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw new SlackProbeError(slackCode(error));
  }
}

export interface SlackProbeEnv {
  SLACK_BOT_TOKEN?: string | undefined;
  SLACK_APP_TOKEN?: string | undefined;
  SLACK_SIGNING_SECRET?: string | undefined;
  SLACK_API_URL?: string | undefined;
}

/** What doctor may know of the environment: which secrets are there, never what they are. */
export function slackSettings(env: SlackProbeEnv): SlackSettings {
  return {
    botToken: Boolean(env.SLACK_BOT_TOKEN),
    signingSecret: Boolean(env.SLACK_SIGNING_SECRET),
    appToken: Boolean(env.SLACK_APP_TOKEN),
  };
}

/** Doctor's Slack side over the Web API; no retries, so a broken setup answers at once. */
export function createSlackSetupProbe(env: SlackProbeEnv): SlackSetupProbe {
  const options = {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    retryConfig: { retries: 0 },
  };
  const bot = new WebClient(env.SLACK_BOT_TOKEN, options);
  return {
    async identify() {
      const result = await slackCall(() => bot.auth.test());
      return {
        team: result.team ?? '',
        botUserId: result.user_id ?? '',
        scopes: result.response_metadata?.scopes ?? [],
      };
    },
    async channel(id): Promise<ChannelAccess> {
      try {
        const { channel } = await bot.conversations.info({ channel: id });
        return {
          found: true,
          member: channel?.is_member === true,
          private: channel?.is_private === true,
          archived: channel?.is_archived === true,
        };
      } catch (error) {
        return { found: false, error: slackCode(error) };
      }
    },
    async openSocket() {
      const app = new WebClient(env.SLACK_APP_TOKEN, options);
      await slackCall(() => app.apps.connections.open());
    },
  };
}
