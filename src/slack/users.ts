import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

export interface SuppressionPermission {
  allowedUsers: readonly string[];
  allowedUserGroups: readonly string[];
}

export interface UserDirectoryOptions {
  client: WebClient;
  logger: Logger;
  /** How long a user's name and locale are trusted before asking Slack again. */
  profileCacheMs?: number;
  /** How long a user group's members are trusted before asking Slack again. */
  groupCacheMs?: number;
  /**
   * Profiles kept at most (default 5,000): the least recently fetched goes first, so memory does not
   * grow with every user the bot has ever seen.
   */
  maxProfiles?: number;
  now?: () => number;
}

/** How long Slack's refusal to describe a user is kept (the user then gets the default language). */
const refusalCacheMs = 5 * 60 * 1000;

/** An answer from Slack saying no (`ok: false`), as opposed to Slack not answering or rate limiting. */
function isSlackRefusal(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'slack_webapi_platform_error';
}

interface Profile {
  name: string;
  locale: string | undefined;
}

/**
 * What the bot asks Slack about people, each answer cached and shared by concurrent callers: a user's
 * name (put in notes) and locale (the reply language) from one `users.info`, and whether they may
 * suppress, from the policy and `usergroups.users.list`.
 */
export function createUserDirectory(options: UserDirectoryOptions) {
  const profileCacheMs = options.profileCacheMs ?? 6 * 60 * 60 * 1000;
  const groupCacheMs = options.groupCacheMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  const profiles = new Map<string, { profile: Promise<Profile | null>; at: number }>();
  const groups = new Map<string, { members: Promise<Set<string>>; at: number }>();

  /** Sets an entry as the newest, dropping the oldest beyond the bound. */
  function keep(userId: string, entry: { profile: Promise<Profile | null>; at: number }) {
    profiles.delete(userId);
    profiles.set(userId, entry);
    if (profiles.size > (options.maxProfiles ?? 5_000)) {
      const oldest = profiles.keys().next().value;
      if (oldest !== undefined) profiles.delete(oldest);
    }
  }

  function profile(userId: string): Promise<Profile | null> {
    const cached = profiles.get(userId);
    if (cached && now() - cached.at < profileCacheMs) return cached.profile;
    const fetched = options.client.users
      .info({ user: userId, include_locale: true })
      .then(
        ({ user }): Profile => ({
          name:
            user?.profile?.display_name ||
            user?.profile?.real_name ||
            user?.real_name ||
            user?.name ||
            userId,
          locale: user?.locale,
        }),
      )
      .catch((error: unknown) => {
        if (isSlackRefusal(error)) {
          // Slack answered (user_not_found...): kept for a while, so this user's every command does not
          // cost another users.info and another log line. A failure to reach Slack is asked again next time.
          keep(userId, { profile: Promise.resolve(null), at: now() - profileCacheMs + refusalCacheMs });
        } else profiles.delete(userId);
        options.logger.warn({ err: error, userId }, 'users.info failed');
        return null;
      });
    keep(userId, { profile: fetched, at: now() });
    return fetched;
  }

  function members(groupId: string): Promise<Set<string>> {
    const cached = groups.get(groupId);
    if (cached && now() - cached.at < groupCacheMs) return cached.members;
    const fetched = options.client.usergroups.users
      .list({ usergroup: groupId })
      .then((answer) => new Set(answer.users ?? []))
      .catch((error: unknown) => {
        // Fail closed: a group Slack will not list grants nothing, and is asked again next time.
        groups.delete(groupId);
        options.logger.warn({ err: error, usergroup: groupId }, 'usergroups.users.list failed');
        return new Set<string>();
      });
    groups.set(groupId, { members: fetched, at: now() });
    return fetched;
  }

  return {
    /** The user's display name; the user ID when Slack does not answer. */
    async name(userId: string): Promise<string> {
      return (await profile(userId))?.name ?? userId;
    },
    /** The user's Slack locale (`ja-JP`...), if Slack answers. */
    async locale(userId: string): Promise<string | undefined> {
      return (await profile(userId))?.locale;
    },
    async mayModify(userId: string, permission: SuppressionPermission): Promise<boolean> {
      if (permission.allowedUsers.includes(userId)) return true;
      for (const group of permission.allowedUserGroups) {
        if ((await members(group)).has(userId)) return true;
      }
      return false;
    },
  };
}

export type UserDirectory = ReturnType<typeof createUserDirectory>;
