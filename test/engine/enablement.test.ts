import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import type { Control } from '../../src/catalog/schema.ts';
import { createEnablement } from '../../src/engine/enablement.ts';
import type { ControlAssociation, RegionAccess, SecurityControlsPort } from '../../src/engine/ports.ts';
import { AppError } from '../../src/errors.ts';

const catalog = loadCatalog();
const control = (id: string) => catalog.find(id) as Control;
const fsbp = 'standards/aws-foundational-security-best-practices/v/1.0.0';

/** A fake of the adapter's port (a unit test of the cache and the fallback, not of AWS). */
function access(
  account: string,
  port: { disabled: Record<string, string>; refuseBatch?: boolean; refuseDescribe?: boolean },
  asked: string[][],
): RegionAccess {
  const associations = (ids: readonly string[]): ControlAssociation[] =>
    ids.map((id) => ({
      controlId: id,
      standard: fsbp,
      enabled: !(id in port.disabled),
      reason: port.disabled[id] ?? null,
      updatedAt: null,
    }));
  const controls: SecurityControlsPort = {
    fsbpDefinitions: async () => [],
    async fsbpAssociations(ids) {
      asked.push(['batch', ...ids]);
      if (port.refuseBatch) {
        throw new AppError('aws_access_denied', 'refused', { params: { action: 'x' } });
      }
      return associations(ids.filter((id) => id !== 'Nope.1'));
    },
    controlAssociations: async () => [],
    async fsbpStandardsControls() {
      asked.push(['describe']);
      if (port.refuseDescribe) throw new AppError('aws_unavailable', 'unreachable');
      return associations(['S3.8', 'EC2.19', 'S3.1']);
    },
    securityControls: async () => [],
  };
  return { accountId: account, region: 'ap-northeast-1', controls } as unknown as RegionAccess;
}

describe('which controls an account-Region has disabled', () => {
  it('asks once for what it does not know, per account and Region, and says why', async () => {
    const enablement = createEnablement();
    const asked: string[][] = [];
    const prod = access('111111111111', { disabled: { 'EC2.19': 'Firewall Manager' } }, asked);
    expect(await enablement.disabled(prod, [control('EC2.19'), control('S3.8')])).toEqual([
      { controlId: 'EC2.19', reason: 'Firewall Manager' },
    ]);
    expect(await enablement.disabled(prod, [control('S3.8')])).toEqual([]);
    expect(await enablement.disabledIds(prod, ['EC2.19', 'S3.1', 'Nope.1'])).toEqual(
      new Map([['EC2.19', 'Firewall Manager']]),
    );
    await enablement.disabledIds(prod, ['Nope.1']);
    expect(asked).toEqual([
      ['batch', 'EC2.19', 'S3.8'],
      ['batch', 'S3.1', 'Nope.1'],
    ]);
    const staging = access('222222222222', { disabled: {} }, asked);
    expect(await enablement.disabled(staging, [control('EC2.19')])).toEqual([]);
    expect(asked).toHaveLength(3);
  });

  it('falls back to DescribeStandardsControls when the association API is refused, then asks nothing more', async () => {
    const enablement = createEnablement();
    const asked: string[][] = [];
    const prod = access('111111111111', { disabled: { 'S3.8': 'exception' }, refuseBatch: true }, asked);
    expect(await enablement.disabled(prod, [control('S3.8'), control('EC2.19')])).toEqual([
      { controlId: 'S3.8', reason: 'exception' },
    ]);
    expect(await enablement.disabled(prod, [control('S3.1')])).toEqual([]);
    expect(asked).toEqual([['batch', 'S3.8', 'EC2.19'], ['describe']]);
  });

  it('says why neither way answered, counts the controls enabled and asks again next time', async () => {
    const enablement = createEnablement();
    const asked: string[][] = [];
    const port = { disabled: { 'S3.8': 'exception' }, refuseBatch: true, refuseDescribe: true };
    const prod = access('111111111111', port, asked);
    const heard: unknown[] = [];
    expect(await enablement.disabledIds(prod, ['S3.8'], (error) => heard.push(error))).toEqual(new Map());
    expect(heard.map((e) => (e as AppError).code)).toEqual(['aws_unavailable']);
    await enablement.disabledIds(prod, ['S3.8']);
    expect(asked).toEqual([['batch', 'S3.8'], ['describe'], ['batch', 'S3.8'], ['describe']]);
  });

  it('keeps at most maxEntries account-Regions', async () => {
    const enablement = createEnablement({ maxEntries: 2, ttlMs: 60_000 });
    const asked: string[][] = [];
    for (const account of ['111111111111', '222222222222', '333333333333']) {
      await enablement.disabled(access(account, { disabled: {} }, asked), [control('S3.8')]);
    }
    expect(enablement.size()).toBe(2);
  });

  it('counts every control enabled where the port cannot ask', async () => {
    const enablement = createEnablement();
    const bare = { accountId: '111111111111', region: 'ap-northeast-1' } as RegionAccess;
    expect(await enablement.disabled(bare, [control('S3.8')])).toEqual([]);
  });
});
