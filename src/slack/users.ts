import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

export interface SuppressionPermission {
  allowedUsers: readonly string[];
  allowedUserGroups: readonly string[];
}

export interface UserDirectoryOptions {
  client: WebClient;
  logger: Logger;
  /** How long a name or a group's members are trusted before asking Slack again. */
  cacheMs?: number;
  now?: () => number;
}

/**
 * Who a Slack user is (the name put in notes) and whether they may suppress, with Slack's answers
 * cached: a group's members are asked once per `cacheMs`, not on every click.
 */
export function createUserDirectory(options: UserDirectoryOptions) {
  const cacheMs = options.cacheMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  const names = new Map<string, { name: string; at: number }>();
  const groups = new Map<string, { members: Promise<Set<string>>; at: number }>();

  function members(groupId: string): Promise<Set<string>> {
    const cached = groups.get(groupId);
    if (cached && now() - cached.at < cacheMs) return cached.members;
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
    async name(userId: string): Promise<string> {
      const cached = names.get(userId);
      if (cached && now() - cached.at < cacheMs) return cached.name;
      try {
        const { user } = await options.client.users.info({ user: userId });
        const name =
          user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || userId;
        names.set(userId, { name, at: now() });
        return name;
      } catch (error) {
        options.logger.warn({ err: error, userId }, 'users.info failed; using the user ID as name');
        return userId;
      }
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
