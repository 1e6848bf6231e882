import { describe, expect, it } from 'vitest';
import { Config } from '../../src/config/schema.ts';
import { digestGroups } from '../../src/jobs/scheduler.ts';

const config = Config.parse({
  organization: {
    adminAccount: { id: '222222222222' },
    homeRegion: 'ap-northeast-1',
    memberRole: { name: 'FsbpMember' },
  },
  channels: [
    { id: 'C0AAAAAAAA1', accounts: ['*'] },
    { id: 'C0AAAAAAAA2', accounts: ['tag:team=payments'] },
    { id: 'C0AAAAAAAA3', accounts: ['*'], digest: { timezone: 'Europe/London' } },
    { id: 'C0AAAAAAAA4', accounts: ['*'], digest: { schedule: '0 18 * * *' } },
  ],
});

const ids = (groups: ReturnType<typeof digestGroups>) => groups.map((g) => g.map((c) => c.id));

describe('digest jobs', () => {
  it('organization mode: channels due at the same moment share one job (one read through the administrator)', () => {
    expect(ids(digestGroups(config.channels, true))).toEqual([
      ['C0AAAAAAAA1', 'C0AAAAAAAA2'],
      ['C0AAAAAAAA3'],
      ['C0AAAAAAAA4'],
    ]);
  });

  it('per-account mode: a job per channel, as before', () => {
    expect(ids(digestGroups(config.channels, false))).toEqual([
      ['C0AAAAAAAA1'],
      ['C0AAAAAAAA2'],
      ['C0AAAAAAAA3'],
      ['C0AAAAAAAA4'],
    ]);
  });
});
