import { type LanguagePreference, languageFromLocale } from '../i18n/index.ts';
import type { Store } from '../store/store.ts';

export interface LanguageResolverOptions {
  store: Store;
  /** The user's Slack locale (cached by the user directory), undefined when unknown. */
  locale(userId: string): Promise<string | undefined>;
  defaultLanguage: LanguagePreference;
}

/** The user's `/fsbp lang` choice, else their Slack locale, else the config's default. */
export function createLanguageResolver(options: LanguageResolverOptions) {
  return async function resolve(userId: string): Promise<LanguagePreference> {
    return (
      (await options.store.getUserLanguage(userId)) ??
      languageFromLocale(await options.locale(userId)) ??
      options.defaultLanguage
    );
  };
}

export type LanguageResolver = ReturnType<typeof createLanguageResolver>;
