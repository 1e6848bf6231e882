/**
 * The mechanical part of controls/STYLE.md: terms the AWS Japanese console does not use, bracket and
 * parenthesis style, and English console labels that have a Japanese name. Sentence quality is for review.
 */
import type { Control } from '../../src/catalog/schema.ts';

export interface StyleFinding {
  id: string;
  field: string;
  rule: string;
  excerpt: string;
}

/** Words the console does not use, with the word it uses. */
const forbiddenTerms: [RegExp, string][] = [
  [/不合格/g, '失敗'],
  [/合格/g, '成功 (PASSED)'],
  [/購読/g, 'サブスクリプション / サブスクライブ'],
  [/保管中(?:の|に)(?:データの)?暗号化/g, '保管時の暗号化'],
  [/保管中に暗号化/g, '保管時に暗号化'],
  [/[（）]/g, 'half-width ( ) with spaces'],
  [/(?:CloudTrail|マルチリージョン)の?追跡/g, '証跡 (CloudTrail trail)'],
  [/をを|がが/g, 'one particle'],
  [/添付/g, 'アタッチ'],
  [/失敗とな|失敗にな/g, '失敗します'],
];

/**
 * English console labels whose Japanese console name is known. Only labels that cannot be a product or API
 * name are listed, so a hit is a label left untranslated.
 */
export const consoleLabels: Record<string, string> = {
  Edit: '編集',
  'Save changes': '変更を保存',
  Permissions: 'アクセス許可',
  Properties: 'プロパティ',
  'Block all public access': 'すべてのパブリックアクセスをブロック',
  'Default encryption': 'デフォルトの暗号化',
  'Server access logging': 'サーバーアクセスのログ記録',
  'Event notifications': 'イベント通知',
  'Bucket policy': 'バケットポリシー',
  'Apply immediately': 'すぐに適用',
  'Security credentials': 'セキュリティ認証情報',
  'Default root object': 'デフォルトルートオブジェクト',
  'Viewer protocol policy': 'ビューワープロトコルポリシー',
  'HTTPS only': 'HTTPS のみ',
  Behaviors: 'ビヘイビア',
  'Deletion protection': '削除保護',
  'Enhanced monitoring': '拡張モニタリング',
  'Additional configuration': '追加設定',
  'Modify instance': '変更',
  'Create trail': '証跡の作成',
};

/** Nouns and verbs that make a bracketed word a console label: `「編集」を選び`, `「プロパティ」タブ`. */
const labelContext =
  /^(?:\s*(?:タブ|ボタン|ページ|セクション|メニュー|ペイン|欄|チェックボックス|オプション|フィールド|リンク|>)|を(?:選|クリック|開|オン|オフ|有効|無効|チェック|入力)|で(?:編集|保存|作成)|にチェック)/;

function withoutCode(text: string): string {
  return text.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length));
}

function around(text: string, index: number, length: number): string {
  return text.slice(Math.max(0, index - 12), index + length + 12).replace(/\n/g, ' ');
}

/** Every style finding in one control's texts (Japanese rules on `ja`, the label rule on both). */
export function lintControl(control: Control): StyleFinding[] {
  const findings: StyleFinding[] = [];
  const add = (field: string, rule: string, text: string, index: number, length: number) =>
    findings.push({ id: control.id, field, rule, excerpt: around(text, index, length) });
  for (const field of ['title', 'category', 'summary', 'remediation'] as const) {
    const text = control[field].ja;
    const prose = withoutCode(text);
    for (const [pattern, use] of forbiddenTerms) {
      for (const m of prose.matchAll(pattern)) add(`${field}.ja`, `use ${use}`, text, m.index, m[0].length);
    }
    // A console label goes in [ ], as the Japanese AWS docs write it; 「」 stays for quoting other text.
    for (const m of prose.matchAll(/「([^」\n]{1,40})」/g)) {
      if (labelContext.test(prose.slice(m.index + m[0].length))) {
        add(`${field}.ja`, `console label in [ ]: [${m[1]}]`, text, m.index, m[0].length);
      }
    }
    // Half-width parentheses and label brackets take a space on the side that touches Japanese text.
    for (const m of prose.matchAll(/[\u3040-\u30ff\u4e00-\u9fff][([]|[)\]][\u3040-\u30ff\u4e00-\u9fff]/g)) {
      add(`${field}.ja`, 'space between Japanese text and ( ) or [ ]', text, m.index, m[0].length);
    }
    if (field === 'title' && /。$/.test(text))
      add('title.ja', 'a title ends without 。', text, text.length - 1, 1);
    for (const [label, ja] of Object.entries(consoleLabels)) {
      const pattern = new RegExp(`(?<![A-Za-z])${label.replace(/ /g, '\\s')}(?![A-Za-z])`, 'g');
      for (const m of prose.matchAll(pattern)) {
        add(`${field}.ja`, `English console label: [${ja}]`, text, m.index, m[0].length);
      }
    }
  }
  return findings;
}

/**
 * Catalog-wide uniformity: one Japanese category path per English one, so the same kind of check reads the
 * same everywhere.
 */
export function categoryFindings(controls: readonly Control[]): StyleFinding[] {
  const first = new Map<string, Control>();
  const findings: StyleFinding[] = [];
  for (const control of controls) {
    const seen = first.get(control.category.en);
    if (!seen) first.set(control.category.en, control);
    else if (seen.category.ja !== control.category.ja) {
      findings.push({
        id: control.id,
        field: 'category.ja',
        rule: `same English category as ${seen.id}: write "${seen.category.ja}"`,
        excerpt: control.category.ja,
      });
    }
  }
  return findings;
}
