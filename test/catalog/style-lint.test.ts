import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { Control } from '../../src/catalog/schema.ts';
import { readControlFile } from '../helpers/catalog.ts';
import { categoryFindings, lintControl } from './style-lint.ts';

const catalog = loadCatalog();

describe('the Japanese style of the catalog (controls/STYLE.md)', () => {
  it('has no mechanical style finding in any control', () => {
    const findings = [...catalog.controls.flatMap(lintControl), ...categoryFindings(catalog.controls)];
    console.info(`style lint: ${catalog.controls.length} controls, ${findings.length} findings`);
    expect(findings.map((f) => `${f.id} ${f.field}: ${f.rule} (…${f.excerpt}…)`)).toEqual([]);
  });
});

describe('the style lint', () => {
  const base = readControlFile('S3.1') as unknown as Control;
  const withJa = (summary: string, remediation = '修復します。'): Control => ({
    ...base,
    summary: { ...base.summary, ja: summary },
    remediation: { ...base.remediation, ja: remediation },
  });
  const rules = (c: Control) => lintControl(c).map((f) => f.rule);

  it('names the console term to use instead of a forbidden one', () => {
    expect(rules(withJa('すべて満たせば合格です。'))).toEqual(['use 成功 (PASSED)']);
    expect(rules(withJa('トピックを購読します。'))).toEqual(['use サブスクリプション / サブスクライブ']);
    expect(rules(withJa('保管中の暗号化を有効にします。'))).toEqual(['use 保管時の暗号化']);
    expect(rules(withJa('マルチリージョンの追跡を作成します。'))).toEqual(['use 証跡 (CloudTrail trail)']);
    expect(rules({ ...withJa('x'), title: { ...base.title, ja: '有効にする必要があります。' } })).toEqual([
      'a title ends without 。',
    ]);
    expect(rules(withJa('全角の（括弧）です。'))).toEqual([
      'use half-width ( ) with spaces',
      'use half-width ( ) with spaces',
    ]);
  });

  it('wants console labels in [ ] and leaves other quotes alone', () => {
    expect(rules(withJa('x', '「アクセス許可」タブで「編集」を選びます。'))).toEqual([
      'console label in [ ]: [アクセス許可]',
      'console label in [ ]: [編集]',
    ]);
    expect(rules(withJa('x', '[アクセス許可] タブで [編集] を選びます。'))).toEqual([]);
    // A quoted phrase that is not a label is not a finding.
    expect(rules(withJa('AWS は「最小権限」を原則としています。「公開しない」が既定です。'))).toEqual([]);
  });

  it('wants a space between Japanese and ( ) or [ ], and never inside code', () => {
    expect(rules(withJa('設定(既定)です。'))).toEqual([
      'space between Japanese text and ( ) or [ ]',
      'space between Japanese text and ( ) or [ ]',
    ]);
    expect(rules(withJa('設定 (既定) です。', '[編集]を選びます。'))).toEqual([
      'space between Japanese text and ( ) or [ ]',
    ]);
    expect(rules(withJa('`Rules=[{ObjectOwnership=BucketOwnerEnforced}]` を指定します。'))).toEqual([]);
  });

  it('finds English console labels that have a Japanese name, not English in code', () => {
    expect(rules(withJa('x', 'Permissions タブで Edit を選びます。'))).toEqual([
      'English console label: [編集]',
      'English console label: [アクセス許可]',
    ]);
    expect(rules(withJa('x', '`aws s3api get-bucket-policy --bucket Edit` を実行します。'))).toEqual([]);
  });

  it('asks for one Japanese category per English one', () => {
    const a = withJa('x');
    const b = { ...a, id: 'S3.2', category: { en: a.category.en, ja: '保護 > 安全なネットワーク設定' } };
    expect(categoryFindings([a, b]).map((f) => f.id)).toEqual(['S3.2']);
  });
});
