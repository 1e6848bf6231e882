import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog } from '../../src/catalog/load.ts';
import { readControlFile, tempControls } from '../helpers/catalog.ts';

const catalog = loadCatalog();

describe('the shipped catalog', () => {
  it('holds all 154 FSBP controls, one file each, named by ID', () => {
    expect(catalog.controls).toHaveLength(154);
    expect(new Set(catalog.controls.map((c) => c.id)).size).toBe(154);
  });

  it('gives every control non-empty Japanese and English title, summary and remediation', () => {
    for (const c of catalog.controls) {
      for (const field of [c.title, c.summary, c.remediation]) {
        expect(field.ja.trim(), c.id).not.toBe('');
        expect(field.en.trim(), c.id).not.toBe('');
      }
    }
  });

  it('writes Japanese in Japanese and English in English', () => {
    const japanese = /[\u3040-\u30ff\u4e00-\u9fff]/;
    for (const c of catalog.controls) {
      expect(c.summary.ja, c.id).toMatch(japanese);
      expect(c.remediation.ja, c.id).toMatch(japanese);
      expect(c.summary.en, c.id).not.toMatch(japanese);
      expect(c.remediation.en, c.id).not.toMatch(japanese);
    }
  });

  it('links each control to its user guide page in both languages', () => {
    for (const c of catalog.controls) {
      expect(c.links.en, c.id).toMatch(
        /^https:\/\/docs\.aws\.amazon\.com\/securityhub\/latest\/userguide\/[a-z0-9-]+\.html/,
      );
      expect(c.links.ja, c.id).toBe(c.links.en.replace('amazon.com/', 'amazon.com/ja_jp/'));
    }
  });

  it('keeps the source quirks: ELBv2.1 is ELB.1 in consolidated findings, Lambda.4 is retired', () => {
    expect(catalog.find('ELB.1')?.id).toBe('ELBv2.1');
    expect(catalog.find('elbv2.1')?.securityControlId).toBe('ELB.1');
    expect(catalog.find('Lambda.4')?.deprecated).toBe(true);
    expect(catalog.controls.filter((c) => c.deprecated).map((c) => c.id)).toEqual(['Lambda.4']);
    expect(catalog.find('Redshift.1')?.title.en).toMatch(/Redshift/);
    expect(catalog.find('NetworkFirewall.6')?.service).toBe('NetworkFirewall');
  });

  it('keeps every remediation within four lines', () => {
    for (const c of catalog.controls) {
      expect(c.remediation.ja.split('\n').length, c.id).toBeLessThanOrEqual(4);
      expect(c.remediation.en.split('\n').length, c.id).toBeLessThanOrEqual(4);
    }
  });
});

describe('finding controls', () => {
  it('matches IDs case-insensitively and by security control ID', () => {
    expect(catalog.find('s3.1')?.id).toBe('S3.1');
    expect(catalog.find(' EC2.19 ')?.id).toBe('EC2.19');
    expect(catalog.find('elb.1')?.id).toBe('ELBv2.1');
    expect(catalog.find('S3.99')).toBeUndefined();
  });

  it('suggests the closest IDs for an unknown one', () => {
    expect(catalog.suggest('S3.13')).toEqual(['S3.1', 'S3.3', 'S3.10', 'S3.11', 'S3.12']);
    expect(catalog.suggest('S3.99').slice(0, 2)).toEqual(['S3.9', 'S3.1']);
    expect(catalog.suggest('IAM.33')).toContain('IAM.3');
    expect(catalog.suggest('zzzzzzzzzz')).toEqual([]);
  });

  it('knows services by any case', () => {
    expect(catalog.service('s3')).toBe('S3');
    expect(catalog.service('elbv2')).toBe('ELBv2');
    expect(catalog.service('nope')).toBeUndefined();
  });
});

describe('loading a broken catalog', () => {
  it('names every bad file and field at once', () => {
    const good = readControlFile('S3.1');
    const dir = tempControls({
      'S3.1.json': good,
      'S3.2.json': { ...readControlFile('S3.2'), severity: 'SEVERE', summary: { ja: '', en: 'x' } },
      'S3.3.json': '{ not json',
      'S3.4.json': { ...readControlFile('S3.5'), links: { ja: 'http://example.com', en: 'ftp://x' } },
    });
    let error: unknown;
    try {
      loadCatalog(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const problems = (error as CatalogError).problems.map((p) => `${p.file} ${p.path}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'S3.2.json severity',
        'S3.2.json summary.ja',
        'S3.3.json ',
        'S3.4.json links.ja',
        'S3.4.json links.en',
      ]),
    );
    expect(problems).not.toContain('S3.1.json ');
    expect((error as CatalogError).message).toContain('S3.2.json severity');
  });

  it('refuses a file whose name is not its ID, and unknown fields', () => {
    const dir = tempControls({ 'S3.7.json': { ...readControlFile('S3.1'), extra: true } });
    expect(() => loadCatalog(dir)).toThrow(/S3\.7\.json.*extra|Unrecognized key/s);
    const renamed = tempControls({ 'S3.7.json': readControlFile('S3.1') });
    expect(() => loadCatalog(renamed)).toThrow(/S3\.7\.json id: must equal the file name/);
  });
});
