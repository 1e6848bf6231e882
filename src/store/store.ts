import type { LanguagePreference } from '../i18n/index.ts';

/**
 * Everything the bot remembers. Methods are async so a shared store (one database for several
 * replicas) can implement the same interface; the default is SQLite on local disk.
 */
export interface Store {
  getUserLanguage(userId: string): Promise<LanguagePreference | null>;
  setUserLanguage(userId: string, language: LanguagePreference): Promise<void>;
  /**
   * Claims a key (a Slack request's trigger ID, an event ID) once. Returns false when it was
   * claimed before, so a retried delivery is acknowledged but not run twice.
   */
  claimOnce(key: string, ttlMs: number): Promise<boolean>;
  close(): void;
}
