import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import { toControlFinding } from '../../src/aws/findings.ts';
import { isControlId, unknownControlId } from '../../src/catalog/control-id.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { planDigest } from '../../src/digest/plan.ts';
import { digestItemDoc } from '../../src/document/digest-doc.ts';
import { lineText } from '../../src/document/doc.ts';
import type { ControlFinding } from '../../src/engine/ports.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { docToBlocks } from '../../src/slack/blocks/doc-to-blocks.ts';
import { hostileValues, liveMarkup } from './corpus.ts';

const catalog = loadCatalog();
const i18n = createI18n();
const t = (lang: 'ja' | 'en') => i18n.getFixedT(lang);

function imported(
  controlId: string,
  where: 'ProductFields' | 'Compliance' | 'GeneratorId',
): AwsSecurityFinding {
  return {
    Id: `arn:aws:securityhub:ap-northeast-1:111111111111:product/111111111111/default/${where}`,
    ProductArn: 'arn:aws:securityhub:ap-northeast-1:111111111111:product/111111111111/default',
    GeneratorId: where === 'GeneratorId' ? `security-control/${controlId}` : undefined,
    AwsAccountId: '111111111111',
    Region: 'ap-northeast-1',
    Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::bucket' }],
    Compliance: { Status: 'FAILED', ...(where === 'Compliance' ? { SecurityControlId: controlId } : {}) },
    ProductFields: where === 'ProductFields' ? { ControlId: controlId } : {},
    Severity: { Label: 'HIGH' },
  } as AwsSecurityFinding;
}

describe('control IDs from findings are untrusted', () => {
  it('every control ID of the current and retired standard has the accepted shape', () => {
    for (const control of catalog.controls) {
      expect(isControlId(control.id)).toBe(true);
      expect(isControlId(control.securityControlId)).toBe(true);
    }
  });

  it.each(['ProductFields', 'Compliance', 'GeneratorId'] as const)(
    'a malformed one in %s becomes an unknown control, its value kept for the log only',
    (where) => {
      for (const hostile of [
        ...hostileValues,
        '<https://evil.example|S3.1 – re-authenticate>',
        'S3.1 ',
        'S3.1\u202E',
      ]) {
        const finding = toControlFinding(imported(hostile, where));
        expect(finding?.controlId).toBe(unknownControlId);
        // GeneratorId's control ID is its last path segment.
        const raw = where === 'GeneratorId' ? (hostile.split('/').at(-1) as string) : hostile;
        expect(finding?.rejectedControlId).toBe(raw.slice(0, 100));
      }
      expect(toControlFinding(imported('ELBv2.1', where))?.controlId).toBe('ELBv2.1');
    },
  );

  it('a digest reply for it names an unknown control in both languages and never the value', () => {
    const hostile = '<https://evil.example|S3.1 – re-authenticate>';
    const finding = toControlFinding(imported(hostile, 'ProductFields')) as ControlFinding;
    const plan = planDigest({
      channel: 'C0123456789',
      date: '2026-12-02',
      startedAt: '2026-12-02T00:00:00.000Z',
      accounts: ['prod'],
      failing: [finding],
      reported: new Set(),
      previousFailingTotal: null,
      consoleUrl: null,
    });
    const doc = digestItemDoc(plan.items[0] as never, catalog, t, 'both');
    const shown = doc.flatMap((b) => (b.type === 'text' ? b.lines.map(lineText) : []));
    expect(shown).toContain(t('ja')('untrusted.unknownControl'));
    expect(shown).toContain(t('en')('untrusted.unknownControl'));
    const blocks = JSON.stringify(docToBlocks(doc));
    expect(blocks).not.toContain('evil.example');
    expect(liveMarkup(docToBlocks(doc))).toEqual([]);
  });
});
