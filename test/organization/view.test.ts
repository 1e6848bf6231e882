import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/schema.ts';
import type { DiscoverySnapshot } from '../../src/organization/snapshot.ts';
import { buildAccountView } from '../../src/organization/view.ts';

const payments = 'ou-ab12-payments1';
const workloads = 'ou-ab12-workload1';

const snapshot: DiscoverySnapshot = {
  source: 'organizations',
  discoveredAt: '2026-11-30T00:00:00.000Z',
  accounts: [
    { id: '111111111111', name: 'Payments Prod', ous: [workloads, payments], tags: { team: 'payments' } },
    { id: '222222222222', name: 'Web', ous: [workloads], tags: { team: 'web' } },
    { id: '333333333333', name: 'Audit', ous: [], tags: {} },
  ],
  ouNames: { [workloads]: 'Workloads', [payments]: 'Payments' },
  aggregation: { mode: 'SPECIFIED_REGIONS', regions: ['us-west-2', 'eu-west-1'] },
};

function orgConfig(extra: Record<string, unknown> = {}) {
  return Config.parse({
    organization: {
      adminAccount: { id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/fsbp-admin' },
      homeRegion: 'ap-northeast-1',
      regions: ['ap-northeast-1', 'us-west-2'],
      memberRole: { name: 'fsbp-member', externalId: 'ext-member' },
      discover: { source: 'organizations' },
    },
    channels: [
      { id: 'C0PAYMENTS1', accounts: [payments] },
      { id: 'C0WORKLOAD1', accounts: [workloads], exclude: ['tag:team=payments'] },
      { id: 'C0EVERYONE1', accounts: ['*'] },
    ],
    ...extra,
  });
}

describe('the account view in organization mode', () => {
  it('turns discovered accounts into accounts the engine can use: member role, linked Regions narrowed', () => {
    const view = buildAccountView(orgConfig(), snapshot);
    expect(view.mode).toBe('organization');
    expect(view.find('Payments Prod')).toEqual({
      id: '111111111111',
      name: 'Payments Prod',
      roleArn: 'arn:aws:iam::111111111111:role/fsbp-member',
      externalId: 'ext-member',
      regions: ['ap-northeast-1', 'us-west-2'],
      ous: [workloads, payments],
      tags: { team: 'payments' },
      source: 'discovered',
    });
    expect(view.organization).toMatchObject({
      adminAccount: { id: '999999999999', roleArn: 'arn:aws:iam::999999999999:role/fsbp-admin' },
      homeRegion: 'ap-northeast-1',
      regions: ['ap-northeast-1', 'us-west-2'],
      discoveredAt: '2026-11-30T00:00:00.000Z',
    });
    expect(view.ouName(payments)).toBe('Payments');
  });

  it('routes each channel and knows the channels of each account', () => {
    const config = orgConfig();
    const view = buildAccountView(config, snapshot);
    const [pay, work] = config.channels;
    if (!pay || !work) throw new Error('channels');
    expect(view.forChannel(pay).map((a) => a.id)).toEqual(['111111111111']);
    expect(view.forChannel(work).map((a) => a.id)).toEqual(['222222222222']);
    expect(view.channelsOf('111111111111')).toEqual(['C0PAYMENTS1', 'C0EVERYONE1']);
    expect(view.channelsOf('333333333333')).toEqual(['C0EVERYONE1']);
    expect(view.channelsOf('000000000000')).toEqual([]);
  });

  it('lets the config name an account, give it its own role and Regions, and add one outside the organization', () => {
    const config = orgConfig({
      accounts: [
        {
          id: '444444444444',
          name: 'legacy',
          roleArn: 'arn:aws:iam::444444444444:role/old',
          regions: ['eu-west-1'],
        },
        { id: '333333333333', name: 'audit', regions: ['ap-northeast-1'] },
        { id: '555555555555', name: 'outside', regions: ['ap-northeast-1'] },
      ],
    });
    const view = buildAccountView(config, snapshot);
    expect(view.all().map((a) => [a.id, a.name, a.source])).toEqual([
      ['444444444444', 'legacy', 'config'],
      ['333333333333', 'audit', 'config'],
      ['555555555555', 'outside', 'config'],
      ['111111111111', 'Payments Prod', 'discovered'],
      ['222222222222', 'Web', 'discovered'],
    ]);
    expect(view.find('audit')).toMatchObject({ regions: ['ap-northeast-1'], ous: [] });
    // A member listed only for its name is still reached through memberRole, never the bot's own account.
    expect(view.find('audit')).toMatchObject({
      roleArn: 'arn:aws:iam::333333333333:role/fsbp-member',
      externalId: 'ext-member',
    });
    // Outside the organization an account is used as written (no role: the bot's own account).
    expect(view.find('outside')?.roleArn).toBeUndefined();
    expect(view.find('legacy')?.roleArn).toBe('arn:aws:iam::444444444444:role/old');
  });

  it('has only the config accounts until a discovery succeeded', () => {
    const view = buildAccountView(orgConfig(), null);
    expect(view.all()).toEqual([]);
    expect(view.organization?.discoveredAt).toBeNull();
    expect(view.organization?.regions).toEqual(['ap-northeast-1']);
  });

  it('uses the partition of the home Region in role ARNs', () => {
    const config = Config.parse({
      organization: {
        adminAccount: { id: '999999999999' },
        homeRegion: 'cn-north-1',
        memberRole: { name: 'fsbp-member' },
      },
    });
    const view = buildAccountView(config, { ...snapshot, aggregation: null });
    expect(view.find('111111111111')?.roleArn).toBe('arn:aws-cn:iam::111111111111:role/fsbp-member');
    expect(view.find('111111111111')?.regions).toEqual(['cn-north-1']);
  });
});

describe('the account view in per-account mode', () => {
  it('is the config as it always was: config order, ID or name, nothing discovered', () => {
    const config = Config.parse({
      accounts: [
        { id: '111111111111', name: 'prod', regions: ['ap-northeast-1'] },
        { id: '222222222222', regions: ['us-east-1', 'us-west-2'] },
      ],
      channels: [{ id: 'C0123456789', accounts: ['222222222222', 'prod'] }],
    });
    const view = buildAccountView(config, null);
    expect(view.mode).toBe('accounts');
    expect(view.organization).toBeNull();
    const [channel] = config.channels;
    if (!channel) throw new Error('channel');
    expect(view.forChannel(channel).map((a) => a.id)).toEqual(['111111111111', '222222222222']);
    expect(view.find('prod')).toEqual({ ...config.accounts[0], ous: [], tags: {}, source: 'config' });
    expect(view.routing(channel).routes.map((r) => r.matchedBy)).toEqual([['prod'], ['222222222222']]);
  });
});
