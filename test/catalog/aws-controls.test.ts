import { describe, expect, it } from 'vitest';
import {
  type AwsControlDefinition,
  type DefinitionsSnapshot,
  diffDefinitions,
  liveCatalog,
} from '../../src/catalog/aws-controls.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { createControlCatalog } from '../../src/catalog/sync.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

const catalog = loadCatalog();
const current = catalog.controls.filter((c) => !c.deprecated);

function definition(id: string, extra: Partial<AwsControlDefinition> = {}): AwsControlDefinition {
  return {
    id,
    title: `${id} title from AWS`,
    description: `${id} description from AWS`,
    remediationUrl: `https://docs.aws.amazon.com/console/securityhub/${id}/remediation`,
    severity: 'HIGH',
    available: true,
    ...extra,
  };
}

/** AWS's list as the catalog has it (by security control ID), without `drop`, with `add`. */
function awsList(drop: string[] = [], add: AwsControlDefinition[] = []): AwsControlDefinition[] {
  const ids = [...new Set(current.map((c) => c.securityControlId))].filter((id) => !drop.includes(id));
  return [...ids.map((id) => definition(id)), ...add];
}

const snapshot = (
  definitions: AwsControlDefinition[],
  syncedAt = '2026-12-01T00:00:00.000Z',
): DefinitionsSnapshot => ({
  standard: 'standards/aws-foundational-security-best-practices/v/1.0.0',
  syncedAt,
  source: { accountId: '111111111111', region: 'ap-northeast-1' },
  definitions,
});

describe('the catalog as AWS has it', () => {
  it('finds what AWS added and what it dropped, by any name the catalog knows a control by', () => {
    const diff = diffDefinitions(catalog, awsList(['S3.13'], [definition('S3.99')]));
    expect(diff.awsOnly.map((d) => d.id)).toEqual(['S3.99']);
    expect(diff.retired.map((c) => c.id)).toEqual(['S3.13']);
    // Listed under an alias (ELBv2.1 is ELB.1): still listed.
    const elb = catalog.find('ELB.1');
    expect(elb?.aliases.length).toBeGreaterThan(0);
    const byAlias = awsList([elb?.securityControlId as string], [definition(elb?.aliases[0] as string)]);
    expect(diffDefinitions(catalog, byAlias)).toEqual({ awsOnly: [], retired: [] });
  });

  it('retires nothing on an empty answer', () => {
    expect(diffDefinitions(catalog, [])).toEqual({ awsOnly: [], retired: [] });
    expect(liveCatalog(catalog, snapshot([]))).toBe(catalog);
  });

  it('adds AWS-only controls to selection by service and marks dropped ones retired', () => {
    const live = liveCatalog(catalog, snapshot(awsList(['S3.13'], [definition('Bedrock.9')])));
    expect(live.find('bedrock.9')?.title).toEqual({
      ja: 'Bedrock.9 title from AWS',
      en: 'Bedrock.9 title from AWS',
    });
    expect(live.awsDefinition('Bedrock.9')?.remediationUrl).toBe(
      'https://docs.aws.amazon.com/console/securityhub/Bedrock.9/remediation',
    );
    expect(live.service('bedrock')).toBe('Bedrock');
    expect(live.find('S3.13')?.deprecated).toBe(true);
    expect(live.notListedByAws('S3.13')).toBe(true);
    expect(catalog.find('S3.13')?.deprecated).toBe(false);
    expect(live.syncedAt).toBe('2026-12-01T00:00:00.000Z');
  });
});

describe('reading AWS’s list at most daily', () => {
  it('reads once, keeps the copy in the store, reads again a day later, and keeps the old copy when AWS fails', async () => {
    let now = Date.parse('2026-12-01T00:00:00.000Z');
    const store = openSqliteStore({ path: ':memory:' });
    let reads = 0;
    let fail = false;
    const errors: unknown[] = [];
    const controls = createControlCatalog({
      catalog,
      store: async () => store,
      now: () => now,
      onSyncError: (e) => errors.push(e),
      source: async () => ({
        accountId: '111111111111',
        region: 'ap-northeast-1',
        async fetch() {
          reads += 1;
          if (fail) throw new Error('AccessDenied');
          return awsList([], [definition(`S3.${90 + reads}`)]);
        },
      }),
    });
    expect((await controls.current()).awsDefinition('S3.91')).toBeDefined();
    expect(reads).toBe(1);
    now += 23 * 3600_000;
    expect((await controls.current()).awsDefinition('S3.91')).toBeDefined();
    expect(reads).toBe(1);
    now += 2 * 3600_000;
    expect((await controls.current()).awsDefinition('S3.92')).toBeDefined();
    expect(reads).toBe(2);
    expect(
      (await store.controlDefinitions('standards/aws-foundational-security-best-practices/v/1.0.0'))
        ?.syncedAt,
    ).toBe(new Date(now).toISOString());
    now += 25 * 3600_000;
    fail = true;
    expect((await controls.current()).awsDefinition('S3.92')).toBeDefined();
    expect(errors).toHaveLength(1);
    await expect(controls.sync()).rejects.toThrow('AccessDenied');
    await store.close();
  });

  it('shares one read between callers arriving together, and reports both lists', async () => {
    const store = openSqliteStore({ path: ':memory:' });
    let reads = 0;
    const controls = createControlCatalog({
      catalog,
      store: async () => store,
      source: async () => ({
        accountId: '111111111111',
        region: 'ap-northeast-1',
        async fetch() {
          reads += 1;
          await new Promise((r) => setTimeout(r, 20));
          return awsList(['S3.13'], [definition('S3.99')]);
        },
      }),
    });
    const [a, b, report] = await Promise.all([controls.current(), controls.current(), controls.sync()]);
    expect(reads).toBe(1);
    expect(a.awsDefinition('S3.99')).toBeDefined();
    expect(b.find('S3.13')?.deprecated).toBe(true);
    expect(report.awsOnly.map((c) => c.id)).toEqual(['S3.99']);
    expect(report.retired.map((c) => c.id)).toEqual(['S3.13']);
    await store.close();
  });

  it('merges the list into the catalog once per list, not on every command', async () => {
    let now = Date.parse('2026-12-01T00:00:00.000Z');
    const store = openSqliteStore({ path: ':memory:' });
    let reads = 0;
    const controls = createControlCatalog({
      catalog,
      store: async () => store,
      now: () => now,
      source: async () => ({
        accountId: '111111111111',
        region: 'ap-northeast-1',
        async fetch() {
          reads += 1;
          return awsList([], [definition(`S3.${90 + reads}`)]);
        },
      }),
    });
    const first = await controls.current();
    expect(first).not.toBe(catalog);
    // The same list, from the process's copy: the same merged catalog.
    expect(await controls.current()).toBe(first);
    expect(await controls.cached()).toBe(first);
    // Read from the store again a few minutes later: merged once more, then kept.
    now += 2 * 60_000;
    const reread = await controls.cached();
    expect(reread.awsDefinition('S3.91')).toBeDefined();
    expect(await controls.cached()).toBe(reread);
    // A new list from AWS a day later: merged anew.
    now += 25 * 3600_000;
    const next = await controls.current();
    expect(next).not.toBe(reread);
    expect(next.awsDefinition('S3.92')).toBeDefined();
    await store.close();
  });
});
