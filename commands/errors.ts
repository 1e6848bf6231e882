import type { i18n } from 'i18next';
import { type AppError, asAppError } from '../src/errors.ts';
import { languages } from '../src/i18n/index.ts';
import { type Doc, text } from './doc.ts';

/** Errors are always shown in both languages: the asker may not have chosen one yet. */
export function errorDoc(error: AppError, i18n: i18n): Doc {
  return languages.map((lang) => text([i18n.getFixedT(lang)(`errors.${error.code}`, error.params)]));
}

export function errorMessage(error: unknown, i18n: i18n): string {
  const appError = asAppError(error);
  return languages.map((lang) => i18n.getFixedT(lang)(`errors.${appError.code}`, appError.params)).join('\n');
}
