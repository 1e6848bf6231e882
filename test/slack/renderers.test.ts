import { describe, expect, it } from 'vitest';
import { controls } from '../../commands/controls.ts';
import { explain } from '../../commands/explain.ts';
import { helpDoc } from '../../commands/help.ts';
import { subcommands } from '../../commands/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { renderCheckReport, suppressGroup } from '../../src/document/check-doc.ts';
import { digestItemDoc } from '../../src/document/digest-doc.ts';
import { type Doc, lineText } from '../../src/document/doc.ts';
import type { CheckErrorInfo, CheckReport, ControlResult } from '../../src/engine/types.ts';
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

describe('check status lines', () => {
  const refused = {
    code: 'aws_assume_role_failed',
    message: 'not authorized to perform sts:AssumeRole',
    awsCode: 'AccessDenied',
    role: 'arn:aws:iam::300000000002:role/FsbpMember',
  };
  const optedOut = {
    code: 'aws_region_disabled',
    message: 'opted out',
    awsCode: 'UnrecognizedClientException',
  };
  const region = (accountId: string, name: string | null, where: string, error: CheckErrorInfo | null) => ({
    accountId,
    accountName: name,
    region: where,
    error,
    controls: [],
  });
  const regions = ['ap-northeast-1', 'us-east-1', 'us-west-2', 'eu-west-1'];
  const render = (results: CheckReport['results'], lang: 'ja' | 'en') =>
    renderCheckReport(
      { targets: ['S3'], startedAt: '', finishedAt: '', results, summary: report(0).summary },
      { t: i18n.getFixedT(lang), lang, catalog, reevaluate: true },
    );
  const statusLines = (results: CheckReport['results'], lang: 'ja' | 'en') => {
    const block = render(results, lang)[1];
    return block?.type === 'text' ? block.lines.map(lineText) : [];
  };

  it('folds an account refused alike in every Region into one line naming how many Regions', () => {
    const results = [
      ...regions.map((r) => region('300000000002', 'pay-dev', r, refused)),
      region('300000000001', null, 'ap-northeast-1', null),
    ];
    const en = statusLines(results, 'en');
    expect(en).toEqual([
      'pay-dev (300000000002) could not be checked in any of its 4 Regions: Could not assume arn:aws:iam::300000000002:role/FsbpMember: AccessDenied',
      '300000000001 ap-northeast-1 0 failed · 0 passed · 0 suppressed · 0 not evaluated · 0 errors',
    ]);
    const ja = statusLines(results, 'ja');
    expect(ja[0]).toBe(
      'pay-dev (300000000002) 全 4 リージョンでチェックできませんでした: arn:aws:iam::300000000002:role/FsbpMember を引き受けられませんでした: AccessDenied',
    );
    expect(ja).toHaveLength(2);
    // Nothing failed where the check got in, but that is not "no failing controls".
    const verdict = (lang: 'ja' | 'en') => {
      const block = render(results, lang)[2];
      return block?.type === 'text' ? block.lines.map(lineText) : [];
    };
    expect(verdict('en')).toEqual([
      'No failing controls where the check got in; 4 account Region(s) could not be checked (above).',
    ]);
    expect(verdict('ja')).toEqual([
      'チェックできた範囲では失敗しているコントロールはありません。4 件のアカウント・リージョンはチェックできませんでした (上記)。',
    ]);
  });

  it('keeps one line per Region when the Regions failed differently, or only one Region was asked', () => {
    const mixed = regions.map((r, i) => region('300000000002', 'pay-dev', r, i === 3 ? optedOut : refused));
    const lines = statusLines(mixed, 'en');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(
      'pay-dev (300000000002) eu-west-1 could not be checked: Region eu-west-1 is not enabled for account 300000000002.',
    );
    expect(lines.slice(0, 3).every((l) => l.includes('could not be checked: Could not assume'))).toBe(true);
    expect(statusLines([region('300000000002', null, 'us-east-1', refused)], 'en')).toEqual([
      '300000000002 us-east-1 could not be checked: Could not assume arn:aws:iam::300000000002:role/FsbpMember: AccessDenied',
    ]);
  });

  it('names the Regions for an access refusal read alike everywhere, never as a pass', () => {
    const denied = {
      code: 'aws_access_denied',
      message: 'denied',
      awsCode: 'AccessDeniedException',
      action: 'securityhub:GetFindings',
    };
    const lines = statusLines(
      regions.slice(0, 2).map((r) => region('300000000003', null, r, denied)),
      'en',
    );
    expect(lines).toEqual([
      '300000000003 could not be checked in any of its 2 Regions: AWS denied access in account 300000000003 (2 Regions): the role needs securityhub:GetFindings.',
    ]);
    expect(lines.join()).not.toContain('passed');
  });
});
