import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { toControlFinding } from '../../src/aws/findings.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { planDigest } from '../../src/digest/plan.ts';
import { digestItemDoc, digestParentDoc } from '../../src/document/digest-doc.ts';
import type { ControlFinding } from '../../src/engine/ports.ts';
import { createI18n, type LanguagePreference } from '../../src/i18n/index.ts';
import { docToBlocks, paginateBlocks } from '../../src/slack/blocks/doc-to-blocks.ts';
import { blocksTextLength, validateMessageBlocks } from '../emulator/slack/block-kit.ts';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/real/securityhub/', import.meta.url));
const present = existsSync(fixtures);
if (!present)
  console.warn(
    `[digest-render] ${fixtures} not found (a plain clone): skipping the real-finding digest tests`,
  );

const catalog = loadCatalog();
const i18n = createI18n();
const t = (lang: 'ja' | 'en') => i18n.getFixedT(lang);

function realFindings(): ControlFinding[] {
  return readdirSync(fixtures)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => JSON.parse(readFileSync(`${fixtures}${f}`, 'utf8')) as AwsSecurityFinding[])
    .map(toControlFinding)
    .filter((f): f is ControlFinding => f !== null);
}

function expectValid(doc: Parameters<typeof docToBlocks>[0]) {
  const pages = paginateBlocks(docToBlocks(doc));
  expect(pages).toHaveLength(1);
  for (const page of pages) {
    expect(validateMessageBlocks(page)).toEqual([]);
    expect(blocksTextLength(page)).toBeLessThanOrEqual(13_000);
  }
}

describe.skipIf(!present)('digest messages for the real Security Hub findings', () => {
  it.each(['ja', 'en', 'both'] satisfies LanguagePreference[])(
    'render within Block Kit limits (%s)',
    (language) => {
      const failing = realFindings().filter((f) => f.complianceStatus === 'FAILED');
      expect(failing.length).toBeGreaterThan(10);
      const plan = planDigest({
        channel: 'C0123456789',
        date: '2026-11-30',
        startedAt: '2026-11-30T00:00:00.000Z',
        accounts: ['prod'],
        failing,
        reported: new Set(),
        previousFailingTotal: 3,
        consoleUrl: 'https://console.aws.amazon.com/securityhub/home#/findings',
      });
      expect(plan.items.length).toBeGreaterThan(5);
      expectValid(digestParentDoc(plan.summary, t, language));
      for (const item of plan.items) {
        expectValid(digestItemDoc({ ...item, runId: 1, ts: null }, catalog, t, language));
      }
    },
  );
});

describe('digest messages with suppressions (repo data only)', () => {
  const summary = {
    date: '2026-11-30',
    accounts: ['prod'],
    failing: { CRITICAL: 0, HIGH: 2, MEDIUM: 0, LOW: 0, INFORMATIONAL: 0 },
    newCount: 1,
    overflow: 0,
    resolvedCount: 0,
    previousFailingTotal: 2,
    resolvedIds: [],
    overflowIds: [],
    consoleUrl: null,
    expiringSoon: Array.from({ length: 12 }, (_, i) => ({
      id: i + 1,
      controlId: 'S3.8',
      accountId: '111111111111',
      region: 'ap-northeast-1',
      expiresAt: '2026-12-03T00:00:00.000Z',
      findings: 3,
      permalink: i === 0 ? 'https://example.slack.com/archives/C0123456789/p1700000000000100' : null,
    })),
    resuppressed: 2,
  };
  const item = {
    runId: 1,
    position: 0,
    key: 'AbCdEfGhIjKlMnOp',
    controlId: 'EC2.19',
    accountId: '111111111111',
    region: 'ap-northeast-1',
    findingIds: ['f1'],
    resources: ['sg-0abc'],
    label: 'suppression_expired' as const,
    ts: '1.2',
  };

  it.each(['ja', 'en', 'both'] satisfies LanguagePreference[])(
    'render within Block Kit limits (%s)',
    (language) => {
      const parent = digestParentDoc(summary, t, language);
      expectValid(parent);
      const text = JSON.stringify(docToBlocks(parent));
      expect(text).toContain('<https://example.slack.com/archives/C0123456789/p1700000000000100|#1 S3.8');
      expect(text).not.toContain('#11 S3.8'); // ten listed, the rest counted
      expectValid(digestItemDoc(item, catalog, t, language));
      const suppressed = digestItemDoc(item, catalog, t, language, {
        userName: 'alice <!here>',
        reason: 'accepted <https://evil.example|click>',
        expiresAt: '2026-12-30T00:00:00.000Z',
        updated: ['f1'],
      });
      expectValid(suppressed);
      const blocks = JSON.stringify(docToBlocks(suppressed));
      expect(blocks).not.toContain('suppress_open');
      expect(blocks).toContain('&lt;https://evil.example|click&gt;');
      expect(blocks).toContain('alice &lt;!here&gt;');
    },
  );

  it('labels findings back from an expired suppression in both languages', () => {
    const text = JSON.stringify(docToBlocks(digestItemDoc(item, catalog, t, 'both')));
    expect(text).toContain('抑制の期限切れ・再び失敗 / Suppression expired, failing again');
  });
});
