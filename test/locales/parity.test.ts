import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../src/errors.ts';
import { createI18n, readLocale } from '../../src/i18n/index.ts';

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function placeholders(value: unknown, prefix = ''): Record<string, string[]> {
  if (typeof value === 'string')
    return { [prefix]: [...value.matchAll(/{{(\w+)}}/g)].map((m) => m[1] as string).sort() };
  if (typeof value !== 'object' || value === null) return {};
  return Object.assign(
    {},
    ...Object.entries(value).map(([k, v]) => placeholders(v, prefix ? `${prefix}.${k}` : k)),
  );
}

describe('locales', () => {
  const ja = readLocale('ja');
  const en = readLocale('en');

  it('have the same keys in Japanese and English', () => {
    expect(keys(ja).sort()).toEqual(keys(en).sort());
  });

  it('use the same placeholders in both languages', () => {
    expect(placeholders(ja)).toEqual(placeholders(en));
  });

  it('have a message for every error code and no stale ones', () => {
    expect(Object.keys(en.errors as object).sort()).toEqual([...errorCodes].sort());
  });

  it('translate through a private i18next instance', () => {
    const i18n = createI18n();
    expect(i18n.getFixedT('ja')('severity.CRITICAL')).toBe('重大');
    expect(i18n.getFixedT('en')('errors.unknown_control', { id: 'S3.99', suggestions: 'S3.9' })).toBe(
      'Unknown control "S3.99". Closest: S3.9',
    );
  });
});
