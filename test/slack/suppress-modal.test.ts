import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { DigestItem } from '../../src/digest/types.ts';
import { createI18n, type Language, type LanguagePreference, languagesFor } from '../../src/i18n/index.ts';
import {
  messageModal,
  readSuppressForm,
  readSuppressMetadata,
  suppressModal,
} from '../../src/slack/views/suppress-modal.ts';
import { validateView } from '../emulator/slack/block-kit.ts';

const catalog = loadCatalog();
const CHANNEL = 'C0123456789';
const i18n = createI18n();
const lang = (preference: LanguagePreference) => ({
  langs: languagesFor(preference),
  t: (l: Language) => i18n.getFixedT(l),
});

function item(resources: string[]): DigestItem {
  return {
    runId: 1,
    position: 0,
    key: 'AbCdEfGhIjKlMnOp',
    controlId: 'S3.8',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    findingIds: resources.map((r) => `finding/${r}`),
    resources,
    ts: '1.2',
  };
}

describe('the Suppress modal', () => {
  const many = Array.from(
    { length: 250 },
    (_, i) => `arn:aws:s3:::${'very-long-bucket-name-'.repeat(8)}${i}`,
  );

  it.each(['ja', 'en', 'both'] satisfies LanguagePreference[])(
    'is valid Block Kit for every control of the catalog (%s)',
    (preference) => {
      for (const control of catalog.controls) {
        const view = suppressModal(
          lang(preference),
          { ...item(many), controlId: control.id },
          control,
          { maxDays: 90, minReasonLength: 10 },
          CHANNEL,
        );
        expect(validateView(view), control.id).toEqual([]);
      }
    },
  );

  it('offers the policy’s maximum when it is under 90 days, and carries only the key and the channel', () => {
    const view = suppressModal(
      lang('en'),
      item(['a']),
      catalog.find('S3.8'),
      { maxDays: 14, minReasonLength: 20 },
      CHANNEL,
    );
    const text = JSON.stringify(view);
    expect(text).toContain('"value":"14"');
    expect(text).not.toContain('"value":"30"');
    expect(text).toContain('"min_length":20');
    expect(readSuppressMetadata(view.private_metadata)).toEqual({
      key: 'AbCdEfGhIjKlMnOp',
      channel: CHANNEL,
      approval: false,
      fromHome: false,
    });
    // From the Home tab, the submit is told to check the user's membership again.
    const fromHome = suppressModal(
      lang('en'),
      item(['a']),
      undefined,
      { maxDays: 14, minReasonLength: 20 },
      CHANNEL,
      null,
      true,
    );
    expect(readSuppressMetadata(fromHome.private_metadata).fromHome).toBe(true);
  });

  it('refuses metadata it did not write as an unknown target', () => {
    for (const raw of [
      'AbCdEfGhIjKlMnOp',
      '{"k":"short","c":"C1"}',
      '{"k":"AbCdEfGhIjKlMnOp","c":"<!here>"}',
      '{"k":"AbCdEfGhIjKlMnOp","c":"C1","h":true}',
      7,
    ]) {
      expect(() => readSuppressMetadata(raw)).toThrow(
        expect.objectContaining({ code: 'suppression_target_gone' }),
      );
    }
  });

  it('escapes the control ID, account and Region: a finding’s ControlId cannot become a live link', () => {
    const hostile = {
      ...item(['a']),
      controlId: '<https://evil.example|S3.1 – re-authenticate>',
      accountId: '<!channel>',
      region: 'a&<@U123>',
    };
    const view = suppressModal(
      lang('both'),
      hostile,
      undefined,
      { maxDays: 90, minReasonLength: 10 },
      CHANNEL,
    );
    const text = (view.blocks[0] as { text: { text: string } }).text.text;
    expect(text).toContain('&lt;https://evil.example|S3.1 – re-authenticate&gt;');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('a&amp;&lt;@U123&gt;');
    expect(text).not.toMatch(/<[^>]*>/);
    expect(validateView(view)).toEqual([]);
  });

  it('escapes resource names so they cannot mention or link', () => {
    const view = suppressModal(
      lang('en'),
      item(['<!channel>', 'a&b']),
      catalog.find('S3.8'),
      { maxDays: 90, minReasonLength: 10 },
      CHANNEL,
    );
    const text = JSON.stringify(view.blocks[0]);
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('a&amp;b');
  });

  it('message modals are valid and escaped', () => {
    const view = messageModal(lang('both'), ['Already suppressed by <@U123>: <!here> & more']);
    expect(validateView(view)).toEqual([]);
    expect(JSON.stringify(view)).toContain('&lt;@U123&gt;: &lt;!here&gt; &amp; more');
  });

  it('reads the submitted state leniently: missing inputs are null', () => {
    expect(readSuppressForm({})).toEqual({ reason: null, days: null, date: null, scope: null });
    expect(
      readSuppressForm({
        reason: { value: { type: 'plain_text_input', value: 'why' } },
        expiry: { value: { type: 'static_select', selected_option: { value: '7' } } },
        date: { value: { type: 'datepicker', selected_date: '2026-12-01' } },
        scope: { value: { type: 'radio_buttons', selected_option: { value: 'control' } } },
      }),
    ).toEqual({ reason: 'why', days: '7', date: '2026-12-01', scope: 'control' });
  });
});
