import { describe, expect, it } from 'vitest';
import { runWithConfig } from '../helpers/cli.ts';

const config = {
  accounts: [
    { id: '111111111111', name: 'prod', regions: ['ap-northeast-1'] },
    { id: '222222222222', regions: ['us-east-1', 'us-west-2'] },
    { id: '333333333333', name: 'spare', regions: ['eu-west-1'] },
  ],
  channels: [
    { id: 'C0123456789', accounts: ['prod', '222222222222'] },
    { id: 'C0987654321', accounts: ['222222222222'] },
  ],
};

describe('fsbp accounts in per-account mode', () => {
  it('lists each channel its config accounts, by the ID or name that named them, and what no channel gets', async () => {
    const run = await runWithConfig(config, ['accounts', '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.mode).toBe('accounts');
    expect(json.organization).toBeNull();
    expect(json.channels).toEqual([
      {
        channel: 'C0123456789',
        accounts: [
          { id: '111111111111', name: 'prod', regions: ['ap-northeast-1'], matchedBy: ['prod'] },
          {
            id: '222222222222',
            name: null,
            regions: ['us-east-1', 'us-west-2'],
            matchedBy: ['222222222222'],
          },
        ],
        excluded: [],
        unmatched: [],
      },
      {
        channel: 'C0987654321',
        accounts: [
          {
            id: '222222222222',
            name: null,
            regions: ['us-east-1', 'us-west-2'],
            matchedBy: ['222222222222'],
          },
        ],
        excluded: [],
        unmatched: [],
      },
    ]);
    expect(json.unrouted).toEqual([{ id: '333333333333', name: 'spare' }]);
  });

  it('shows one channel with --channel, says there is nothing to discover with --refresh, and refuses an unknown channel', async () => {
    const one = await runWithConfig(config, [
      'accounts',
      '--channel',
      'C0987654321',
      '--refresh',
      '--lang',
      'en',
    ]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('nothing to discover');
    expect(one.stdout).toContain('222222222222');
    expect(one.stdout).not.toContain('prod');
    const unknown = await runWithConfig(config, ['accounts', '--channel', 'C0NOSUCH001']);
    expect(unknown.code).toBe(2);
  });
});
