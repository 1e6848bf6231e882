import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { type LanguagePreference, languageFromLocale } from '../i18n/index.ts';
import type { Store } from '../store/store.ts';

export interface LanguageResolverOptions {
  store: Store;
  client: WebClient;
  defaultLanguage: LanguagePreference;
  logger: Logger;
  /** How long a user's Slack locale is trusted before asking again. */
  cacheMs?: number;
  now?: () => number;
}

/** The user's `/fsbp lang` choice, else their Slack locale (cached), else the config's default. */
export function createLanguageResolver(options: LanguageResolverOptions) {
  const cacheMs = options.cacheMs ?? 6 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const locales = new Map<string, { language: LanguagePreference | null; at: number }>();

  async function fromSlack(userId: string): Promise<LanguagePreference | null> {
    const cached = locales.get(userId);
    if (cached && now() - cached.at < cacheMs) return cached.language;
    try {
      const info = await options.client.users.info({ user: userId, include_locale: true });
      const language = languageFromLocale(info.user?.locale) ?? null;
      locales.set(userId, { language, at: now() });
      return language;
    } catch (error) {
      options.logger.warn({ err: error, userId }, 'users.info failed; using the default language');
      return null;
    }
  }

  return async function resolve(userId: string): Promise<LanguagePreference> {
    return (
      (await options.store.getUserLanguage(userId)) ?? (await fromSlack(userId)) ?? options.defaultLanguage
    );
  };
}

export type LanguageResolver = ReturnType<typeof createLanguageResolver>;
