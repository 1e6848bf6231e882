import type { i18n } from 'i18next';
import { type AppError, asAppError } from '../errors.ts';
import { type Language, languages } from '../i18n/index.ts';
import { type Doc, text } from './doc.ts';

/** Errors are always shown in both languages: the asker may not have chosen one yet. */
export function errorDoc(error: AppError, i18n: i18n): Doc {
  return languages.map((lang) => text([localizedError(error, i18n, lang)]));
}

export function errorMessage(error: unknown, i18n: i18n): string {
  const appError = asAppError(error);
  return languages.map((lang) => localizedError(appError, i18n, lang)).join('\n');
}

function localizedError(error: AppError, i18n: i18n, lang: Language): string {
  const t = i18n.getFixedT(lang);
  const { detailKey } = error.params;
  const detail = typeof detailKey === 'string' ? t(detailKey, error.params) : error.params.detail;
  return t(`errors.${error.code}`, { ...error.params, detail });
}
