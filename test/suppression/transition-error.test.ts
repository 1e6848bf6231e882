import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/document/error-doc.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { SuppressionTransitionError } from '../../src/suppression/types.ts';

const i18n = createI18n();

describe('a refused suppression state change, as the user reads it', () => {
  it('names the state the record is in, in both languages', () => {
    const message = errorMessage(new SuppressionTransitionError(7, 'lifted', 'active'), i18n);
    expect(message).toContain('#7');
    expect(message).toContain('(now lifted)');
    expect(message).toContain('現在:');
    expect(message).not.toContain('suppressions.state');
  });

  it('says a record that no longer exists is unknown, with no raw locale key', () => {
    const error = new SuppressionTransitionError(7, 'missing', 'lifted');
    expect(error.code).toBe('unknown_suppression');
    const message = errorMessage(error, i18n);
    expect(message).toContain('There is no suppression #7 here.');
    expect(message).toContain('ここに抑制 #7 はありません。');
    expect(message).not.toMatch(/suppressions\.state|errors\./);
  });
});
