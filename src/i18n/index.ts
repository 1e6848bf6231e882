import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n, type TFunction } from 'i18next';
import { localesDir } from '../paths.ts';

export const languages = ['ja', 'en'] as const;
export type Language = (typeof languages)[number];
/** What a user or channel may choose: one language, or Japanese first then English. */
export type LanguagePreference = Language | 'both';

export type Translate = TFunction;

export function readLocale(lang: Language): Record<string, unknown> {
  return JSON.parse(readFileSync(join(localesDir, lang, 'translation.json'), 'utf8'));
}

/** A private i18next instance (never the global one), initialised synchronously. */
export function createI18n(): i18n {
  const instance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    lng: 'en',
    fallbackLng: false,
    supportedLngs: [...languages],
    // Slack and terminals are not HTML: escaping happens in the Slack renderer, per text.
    interpolation: { escapeValue: false },
    returnNull: false,
    resources: {
      ja: { translation: readLocale('ja') },
      en: { translation: readLocale('en') },
    },
  });
  return instance;
}

/** The languages to render for a preference, in display order. */
export function languagesFor(preference: LanguagePreference): Language[] {
  return preference === 'both' ? ['ja', 'en'] : [preference];
}

/** Maps a Slack or POSIX locale such as `ja-JP` or `en_US.UTF-8` to a language we speak. */
export function languageFromLocale(locale: string | undefined): Language | undefined {
  const prefix = locale?.slice(0, 2).toLowerCase();
  return prefix === 'ja' || prefix === 'en' ? prefix : undefined;
}
