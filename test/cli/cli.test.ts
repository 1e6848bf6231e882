import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { packageRoot } from '../../src/paths.ts';
import { runCliCaptured } from '../helpers/cli.ts';

function cli(...argv: string[]) {
  return runCliCaptured(argv, { LANG: 'C' });
}

describe('fsbp controls', () => {
  it('prints every control of the catalog, retired ones included, as JSON with the catalog fields', async () => {
    const { code, stdout } = await cli('controls', '--json');
    expect(code).toBe(0);
    const entries = JSON.parse(stdout) as Record<string, unknown>[];
    const catalog = loadCatalog();
    expect(entries.map((e) => e.id)).toEqual(catalog.controls.map((c) => c.id));
    expect(entries.some((e) => e.deprecated)).toBe(true);
    expect(Object.keys(entries[0] as object).sort()).toEqual(
      [
        'aliases',
        'category',
        'configRule',
        'configRuleIsSecurityHubCustom',
        'deprecated',
        'id',
        'links',
        'notes',
        'parameters',
        'remediation',
        'replacedBy',
        'resourceTypes',
        'scheduleType',
        'securityControlId',
        'service',
        'severity',
        'summary',
        'title',
      ].sort(),
    );
  });

  it('filters by service or severity, any case', async () => {
    const s3 = JSON.parse((await cli('controls', 's3', '--json')).stdout) as { id: string }[];
    expect(s3.map((c) => c.id)).toEqual(
      loadCatalog()
        .byService('S3')
        .map((c) => c.id),
    );
    expect(s3.map((c) => c.id).slice(0, 3)).toEqual(['S3.1', 'S3.2', 'S3.3']);
    // A listing shows retired controls, marked; a check never selects them by service.
    expect(s3.filter((c) => (c as { deprecated?: boolean }).deprecated).map((c) => c.id)).toEqual([
      'S3.4',
      'S3.10',
      'S3.11',
    ]);
    const critical = JSON.parse((await cli('controls', 'critical', '--json')).stdout) as {
      severity: string;
    }[];
    expect(critical).toHaveLength(loadCatalog().bySeverity('CRITICAL').length);
    expect(critical.length).toBeGreaterThan(0);
    expect(new Set(critical.map((c) => c.severity))).toEqual(new Set(['CRITICAL']));
  });

  it('lists in text in the chosen language', async () => {
    const { stdout } = await cli('controls', 'kms', '--lang', 'ja');
    expect(stdout).toContain(`FSBP コントロール (${loadCatalog().byService('KMS').length} 件)`);
    expect(stdout).toContain('KMS.1 [中]');
  });
});

describe('fsbp explain', () => {
  it('explains a control in Japanese and in English', async () => {
    const ja = await cli('explain', 's3.1', '--lang', 'ja');
    expect(ja.code).toBe(0);
    expect(ja.stdout).toContain(
      'S3.1 S3 汎用バケットではブロックパブリックアクセス設定を有効にする必要があります',
    );
    expect(ja.stdout).toContain('重要度 中');
    expect(ja.stdout).toContain(
      'https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/s3-controls.html#s3-1',
    );
    const en = await cli('explain', 's3.1', '--lang', 'en');
    expect(en.stdout).toContain(
      'S3.1 S3 general purpose buckets should have block public access settings enabled',
    );
    expect(en.stdout).toContain('Severity Medium');
    expect(en.stdout).toContain(
      'https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-1',
    );
  });

  it('shows both languages, Japanese first', async () => {
    const { stdout } = await cli('explain', 'ELBv2.1', '--lang', 'both');
    expect(stdout.indexOf('ELB.1 Application Load Balancer は')).toBeGreaterThanOrEqual(0);
    expect(stdout.indexOf('ELB.1 Application Load Balancer should')).toBeGreaterThan(
      stdout.indexOf('ELB.1 Application Load Balancer は'),
    );
    expect(stdout).toContain('ELBv2.1');
  });

  it('says a retired control is retired, and what replaced it', async () => {
    const { code, stdout } = await cli('explain', 'Athena.1', '--lang', 'en');
    expect(code).toBe(0);
    expect(stdout).toContain('This control is retired');
    const replaced = await cli('explain', 'CloudFront.2', '--lang', 'ja');
    expect(replaced.stdout).toContain('後継のコントロール: CloudFront.13');
    const renamed = await cli('explain', 'OpenSearch.10', '--lang', 'en');
    expect(renamed.stdout).toContain('Opensearch.10');
  });

  it('exits 2 with a bilingual message and suggestions for an unknown ID', async () => {
    const { code, stdout, stderr } = await cli('explain', 'S3.99');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'コントロール「S3.99」は見つかりません。近いもの: S3.9, S3.19, S3.1, S3.2, S3.3\n' +
        'Unknown control "S3.99". Closest: S3.9, S3.19, S3.1, S3.2, S3.3\n',
    );
  });

  it('exits 2 on bad input of every kind', async () => {
    expect((await cli('explain')).code).toBe(2);
    expect((await cli('explain', 'S3.1', '--lang', 'fr')).code).toBe(2);
    expect((await cli('explian', 'S3.1')).stderr).toContain('Did you mean "explain"?');
    expect((await cli('controls', 'bogus')).stderr).toContain('Unknown target "bogus"');
  });
});

describe('the fsbp binary', () => {
  it('runs from bin/ after the build, as npx fsbp does', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      process.execPath,
      ['bin/fsbp.js', 'explain', 'EC2.19', '--lang', 'en', '--json'],
      {
        cwd: packageRoot,
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ id: 'EC2.19', severity: 'CRITICAL' });
    const failed = await run(process.execPath, ['bin/fsbp.js', 'explain', 'S3.99'], {
      cwd: packageRoot,
    }).catch((e) => e);
    expect(failed.code).toBe(2);
  });
});
