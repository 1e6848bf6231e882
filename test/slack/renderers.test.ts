import { describe, expect, it } from 'vitest';
import { controls } from '../../commands/controls.ts';
import { explain } from '../../commands/explain.ts';
import { helpDoc } from '../../commands/help.ts';
import { subcommands } from '../../commands/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { renderCheckReport, suppressGroup } from '../../src/document/check-doc.ts';
import { digestItemDoc } from '../../src/document/digest-doc.ts';
import type { Doc } from '../../src/document/doc.ts';
import type { CheckReport, ControlResult } from '../../src/engine/types.ts';
import { createI18n, type LanguagePreference, languagesFor } from '../../src/i18n/index.ts';
import { docToBlocks, fallbackText, paginateBlocks } from '../../src/slack/blocks/doc-to-blocks.ts';
import { limits } from '../../src/slack/limits.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import type { CommandContext } from '../../src/subcommand/define.ts';
import { blocksTextLength, validateMessageBlocks } from '../emulator/slack/block-kit.ts';

const catalog = loadCatalog();
const i18n = createI18n();
const preferences: LanguagePreference[] = ['ja', 'en', 'both'];

function ctx(language: LanguagePreference): CommandContext {
  return {
    surface: 'slack',
    language,
    i18n,
    catalog,
    services: {
      config: () => Promise.reject(new Error('unused')),
      accounts: () => Promise.reject(new Error('unused')),
      checkEngine: () => Promise.reject(new Error('unused')),
    },
  };
}

/** Every message a document becomes must pass Slack's own limits (as the emulator enforces them). */
function expectValidMessages(doc: Doc, label: string) {
  const pages = paginateBlocks(docToBlocks(doc));
  expect(pages.length, label).toBeGreaterThan(0);
  for (const page of pages) {
    expect(validateMessageBlocks(page), label).toEqual([]);
    expect(page.length, label).toBeLessThanOrEqual(limits.blocksPerMessage);
    expect(blocksTextLength(page), label).toBeLessThanOrEqual(13_000);
  }
  expect(fallbackText(doc).length).toBeLessThanOrEqual(limits.messageText);
  return pages;
}

function report(failingResources: number): CheckReport {
  const regions = ['ap-northeast-1', 'us-east-1', 'eu-west-1'];
  const results = regions.map((region) => ({
    accountId: '111111111111',
    accountName: 'prod',
    region,
    error: null,
    controls: catalog.controls.map(
      (c): ControlResult => ({
        controlId: c.id,
        severity: c.severity,
        status: c.id.endsWith('.2') ? 'ERROR' : c.id.endsWith('.3') ? 'NOT_EVALUATED' : 'FAILED',
        fresh: true,
        evaluatedAt: null,
        reason: null,
        error: c.id.endsWith('.2')
          ? {
              code: 'aws_access_denied',
              message: 'denied',
              action: 'config:GetComplianceDetailsByConfigRule',
            }
          : null,
        resources: Array.from({ length: failingResources }, (_, i) => ({
          resourceType: 'AWS::S3::Bucket',
          resourceId: `bucket-<!channel>-${i}-${'x'.repeat(40)}`,
          status: 'FAILED' as const,
          suppressed: false,
          findingId: null,
          workflowStatus: 'NEW',
          note: null,
          annotation: null,
        })),
      }),
    ),
  }));
  return {
    targets: ['all'],
    startedAt: '',
    finishedAt: '',
    results,
    summary: { PASSED: 0, FAILED: 1, SUPPRESSED: 0, NOT_EVALUATED: 0, ERROR: 0 },
  };
}

describe('Block Kit renderers stay within Slack limits for the whole catalog', () => {
  it.each(preferences)('controls (all %s)', async (language) => {
    const reply = await controls.run({ filter: undefined, sync: false }, ctx(language));
    const pages = expectValidMessages(reply.doc, `controls ${language}`);
    // Every control, retired ones included, is listed across the pages; none is dropped to fit.
    const all = JSON.stringify(pages);
    for (const control of catalog.controls) expect(all).toContain(`\`${control.id}\``);
  });

  it.each(preferences)('explain, every control (%s)', async (language) => {
    for (const control of catalog.controls) {
      const reply = await explain.run({ controlId: control.id, accounts: [], regions: [] }, ctx(language));
      const pages = expectValidMessages(reply.doc, `explain ${control.id} ${language}`);
      expect(pages, control.id).toHaveLength(1);
    }
  });

  it.each(preferences)(
    'the digest reply of every control, failing on 10 named resources and more (%s)',
    (language) => {
      const resources = Array.from({ length: 25 }, (_, i) => `arn:aws:s3:::${'bucket-name-'.repeat(10)}${i}`);
      for (const control of catalog.controls) {
        const doc = digestItemDoc(
          {
            key: 'AbCdEfGhIjKlMnOp',
            controlId: control.id,
            accountId: '111111111111',
            region: 'ap-northeast-1',
            resources,
            findingIds: resources.map((r) => `${r}/finding`),
            runId: 1,
            position: 0,
            ts: null,
          },
          catalog,
          (lang) => i18n.getFixedT(lang),
          language,
        );
        const pages = expectValidMessages(doc, `digest ${control.id} ${language}`);
        expect(pages, control.id).toHaveLength(1);
        if (control.deprecated)
          expect(JSON.stringify(pages)).toContain(language === 'en' ? 'retired' : '廃止');
      }
    },
  );

  it.each(preferences)('help (%s)', (language) => {
    expectValidMessages(helpDoc(ctx(language), subcommands), `help ${language}`);
  });

  it.each(preferences)(
    'a check with every control failing on 60 resources in 3 Regions (%s), split into a thread',
    (language) => {
      const big = report(60);
      // Every failing control gets a Suppress button (a section accessory: no extra blocks).
      const keys = new Map(
        big.results.flatMap((r) =>
          r.controls.map(
            (c) => [suppressGroup(r.accountId, r.region, c.controlId), 'AbCdEfGhIjKlMnOp'] as const,
          ),
        ),
      );
      const doc = languagesFor(language).flatMap((lang) =>
        renderCheckReport(big, {
          t: i18n.getFixedT(lang),
          lang,
          catalog,
          reevaluate: true,
          suppress: { keys, label: '抑制 / Suppress' },
        }),
      );
      const pages = expectValidMessages(doc, `check ${language}`);
      expect(pages.length).toBeGreaterThan(3);
      const all = JSON.stringify(pages);
      // Nothing is cut silently: every failing control appears, and each names how many more resources it has.
      for (const control of catalog.controls.filter((c) => !c.id.endsWith('.2') && !c.id.endsWith('.3'))) {
        expect(all).toContain(` ${control.id}*`);
      }
      expect(all).toContain(language === 'en' ? 'and 50 more' : 'ほか 50 件');
      expect(all).not.toContain('<!channel>');
      expect(all).toContain('&lt;!channel&gt;');
      expect(all).toContain(
        '"accessory":{"type":"button","text":{"type":"plain_text","text":"抑制 / Suppress"',
      );
    },
  );
});

describe('mrkdwn escaping', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & <b> <!channel> <@U1> <https://x|y>')).toBe(
      'a &amp; &lt;b&gt; &lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt;',
    );
  });

  it('keeps bold and code spans closed whatever the text holds', () => {
    const blocks = docToBlocks([
      {
        type: 'text',
        lines: [[{ bold: 'a*b' }, ' ', { code: 'x`y' }, ' ', { link: 'javascript:alert(1)', text: 'click' }]],
      },
    ]);
    const text = JSON.stringify(blocks);
    expect(text).toContain('*a∗b*');
    expect(text).toContain('`xˋy`');
    expect(text).not.toContain('javascript:');
  });
});
