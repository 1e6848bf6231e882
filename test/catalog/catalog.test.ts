import { describe, expect, it } from 'vitest';
import { CatalogError, loadCatalog } from '../../src/catalog/load.ts';
import { readControlFile, tempControls } from '../helpers/catalog.ts';

const catalog = loadCatalog();

describe('the shipped catalog', () => {
  it('holds one file per control, named by ID, and no TODO left by a skeleton', () => {
    expect(new Set(catalog.controls.map((c) => c.id.toLowerCase())).size).toBe(catalog.controls.length);
    for (const c of catalog.controls) {
      expect(JSON.stringify([c.title, c.category, c.summary, c.remediation]), c.id).not.toMatch(/\bTODO\b/);
    }
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

  it('keeps old IDs working: ELBv2.1 is ELB.1, re-cased IDs are aliases, retired controls stay', () => {
    expect(catalog.find('ELBv2.1')?.id).toBe('ELB.1');
    expect(catalog.find('ELB.1')?.aliases).toEqual(['ELBv2.1']);
    expect(catalog.find('OpenSearch.1')?.id).toBe('Opensearch.1');
    expect(catalog.find('AutoScaling.5')?.id).toBe('Autoscaling.5');
    expect(catalog.find('Lambda.4')?.deprecated).toBe(true);
    expect(catalog.find('CloudFront.2')?.deprecated).toBe(true);
    expect(catalog.find('Athena.1')?.deprecated).toBe(true);
    expect(catalog.find('Redshift.1')?.title.en).toMatch(/Redshift/);
    expect(catalog.find('NetworkFirewall.6')?.service).toBe('NetworkFirewall');
  });

  it('keeps one service whatever the case of its IDs (AutoScaling.1 and Autoscaling.5)', () => {
    expect(catalog.services.filter((s) => s.toLowerCase() === 'autoscaling')).toHaveLength(1);
    expect(catalog.byService('autoscaling').map((c) => c.id)).toContain('Autoscaling.5');
    expect(catalog.byService('AutoScaling').map((c) => c.id)).toContain('AutoScaling.1');
  });

  it('fixes the 2022 metadata the review found wrong', () => {
    expect(catalog.find('SecretsManager.4')?.parameters).toEqual({ maxDaysSinceRotation: '90' });
    expect(catalog.find('EC2.17')?.parameters).toEqual({ NetworkInterfaceIds: null });
    expect(catalog.find('ELB.5')?.resourceTypes).toEqual([
      'AWS::ElasticLoadBalancing::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    ]);
    // Every fact changed from the 2022 file is explained in a note.
    expect(catalog.find('CloudFront.1')?.notes.join(' ')).toMatch(/Severity HIGH/);
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
    expect(catalog.find('elbv2.1')?.id).toBe('ELB.1');
    expect(catalog.find('opensearch.2')?.id).toBe('Opensearch.2');
    expect(catalog.find('S3.99')).toBeUndefined();
  });

  it('suggests the closest IDs for an unknown one', () => {
    expect(catalog.suggest('S3.14')).toEqual(['S3.1', 'S3.4', 'S3.10', 'S3.11', 'S3.12']);
    expect(catalog.suggest('S3.99').slice(0, 2)).toEqual(['S3.9', 'S3.19']);
    expect(catalog.suggest('IAM.33')).toContain('IAM.3');
    expect(catalog.suggest('zzzzzzzzzz')).toEqual([]);
  });

  it('knows services by any case', () => {
    expect(catalog.service('s3')).toBe('S3');
    expect(catalog.service('elb')).toBe('ELB');
    expect(catalog.service('opensearch')).toBe('Opensearch');
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

describe('metadata rules', () => {
  function problemsOf(entries: Record<string, unknown>): string[] {
    try {
      loadCatalog(tempControls(entries));
    } catch (error) {
      if (error instanceof CatalogError)
        return error.problems.map((p) => `${p.file} ${p.path}: ${p.message}`);
      throw error;
    }
    return [];
  }

  it('takes only Config rule parameter names, CloudFormation resource types and the docs anchor of the ID', () => {
    const s31 = readControlFile('S3.1');
    const problems = problemsOf({
      'S3.1.json': {
        ...s31,
        parameters: { ローテーション期間: 'デフォルトで 90 日', 'max age': '1' },
        resourceTypes: ['AWS::RDS:DBCluster', 'Bucket'],
        scheduleType: 'CHANGE_TRIGGERED_AND_PERIODIC',
      },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^S3\.1\.json parameters\.ローテーション期間: must be the Config rule parameter name/,
        ),
        expect.stringMatching(/^S3\.1\.json parameters\.max age: /),
        expect.stringMatching(/^S3\.1\.json resourceTypes\[0\]: must look like AWS::S3::Bucket/),
        expect.stringMatching(/^S3\.1\.json resourceTypes\[1\]: /),
        expect.stringMatching(/^S3\.1\.json scheduleType: /),
      ]),
    );
    const links = {
      ja: 'https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/s3-controls.html#s3-2',
      en: 'https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html',
    };
    expect(problemsOf({ 'S3.1.json': { ...s31, links } })).toEqual([
      'S3.1.json links.ja: must be https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/s3-controls.html#s3-1',
      'S3.1.json links.en: must be https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-1',
    ]);
    // The account-level form is the one resource type without a service.
    expect(problemsOf({ 'S3.1.json': { ...s31, resourceTypes: ['AWS::::Account'] } })).toEqual([]);
  });

  it('lets a retired control link to its page without the anchor, and only a retired one be replaced', () => {
    const s31 = readControlFile('S3.1');
    const pageOnly = {
      ja: 'https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/s3-controls.html',
      en: 'https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html',
    };
    expect(problemsOf({ 'S3.1.json': { ...s31, deprecated: true, links: pageOnly } })).toEqual([]);
    expect(problemsOf({ 'S3.1.json': { ...s31, links: pageOnly } })).toHaveLength(2);
    expect(problemsOf({ 'S3.1.json': { ...s31, replacedBy: 'S3.1' } })).toEqual([
      'S3.1.json replacedBy: only a retired control is replaced',
    ]);
    expect(problemsOf({ 'S3.1.json': { ...s31, deprecated: true, replacedBy: 'S3.99' } })).toEqual([
      'S3.1.json replacedBy: S3.99 is not in the catalog',
    ]);
  });

  it('keeps every name unique across the catalog, ignoring case', () => {
    const s31 = readControlFile('S3.1');
    const s32 = readControlFile('S3.2');
    expect(problemsOf({ 'S3.1.json': s31, 'S3.2.json': { ...s32, aliases: ['s3.1'] } })).toEqual([
      'S3.2.json aliases[0]: s3.1 is already used by S3.1',
    ]);
    expect(
      problemsOf({ 'S3.1.json': { ...s31, aliases: ['S3.9'] }, 'S3.2.json': { ...s32, aliases: ['S3.9'] } }),
    ).toEqual(['S3.2.json aliases[0]: S3.9 is already used by S3.1']);
    expect(problemsOf({ 'S3.1.json': { ...s31, aliases: ['S3.1'] } })).toEqual([
      'S3.1.json aliases[0]: must differ from the id',
    ]);
    // The older spelling of the same ID is an alias, not a clash.
    expect(problemsOf({ 'S3.1.json': { ...s31, aliases: ['s3.1'] } })).toEqual([]);
  });

  it('refuses two files whose names differ only by case', () => {
    const s31 = readControlFile('S3.1');
    const problems = problemsOf({ 'S3.1.json': s31, 's3.1.json': { ...s31, id: 's3.1', service: 's3' } });
    expect(problems).toContain('s3.1.json : differs from S3.1.json only by case');
  });

  it('finds a control by an alias', () => {
    const dir = tempControls({ 'S3.1.json': { ...readControlFile('S3.1'), aliases: ['OldS3.1'] } });
    expect(loadCatalog(dir).find('olds3.1')?.id).toBe('S3.1');
  });
});
