import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.ts';
import { buildAccountView } from '../../src/organization/view.ts';

const valid = `
defaultLanguage: ja
accounts:
  - id: "111111111111"
    name: prod
    roleArn: arn:aws:iam::111111111111:role/FsbpBotRole
    externalId: example-external-id
    regions: [ap-northeast-1, us-east-1]
  - id: "222222222222"
    name: staging
    regions: [ap-northeast-1]
channels:
  - id: C0123456789
    accounts: [prod, "222222222222"]
    digest: { schedule: "0 9 * * *", timezone: Asia/Tokyo, minSeverity: MEDIUM, language: both }
suppression:
  allowedUsers: [U0123456789]
  allowedUserGroups: [S0123456789]
  maxDays: 90
  minReasonLength: 10
`;

function problemsOf(text: string, source = 'fsbp.config.yaml'): string[] {
  try {
    parseConfig(text, source);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config', () => {
  it('reads the documented shape and fills defaults', () => {
    const config = parseConfig(valid, 'fsbp.config.yaml');
    expect(config.accounts[0]).toEqual({
      id: '111111111111',
      name: 'prod',
      roleArn: 'arn:aws:iam::111111111111:role/FsbpBotRole',
      externalId: 'example-external-id',
      regions: ['ap-northeast-1', 'us-east-1'],
    });
    expect(config.channels[0]?.digest).toEqual({
      enabled: true,
      schedule: '0 9 * * *',
      timezone: 'Asia/Tokyo',
      minSeverity: 'MEDIUM',
      language: 'both',
    });
    const [channel] = config.channels;
    if (!channel) throw new Error('no channel parsed');
    expect(
      buildAccountView(config, null)
        .forChannel(channel)
        .map((a) => a.id),
    ).toEqual(['111111111111', '222222222222']);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('accepts JSON too, and defaults what it may', () => {
    const config = parseConfig(
      JSON.stringify({
        accounts: [{ id: '111111111111', regions: ['us-east-1'] }],
        channels: [{ id: 'C0123456789', accounts: ['111111111111'] }],
      }),
      'config.json',
    );
    expect(config.defaultLanguage).toBe('ja');
    expect(config.suppression).toEqual({
      allowedUsers: [],
      allowedUserGroups: [],
      maxDays: 90,
      minReasonLength: 10,
    });
    expect(config.channels[0]?.digest.schedule).toBe('0 9 * * *');
  });

  it('lists every problem with its key path at once', () => {
    const broken = `
defaultLanguage: fr
accounts:
  - id: 11111111111
    roleArn: arn:aws:iam::999999999999:role/FsbpBotRole
    regions: [tokyo]
  - id: "222222222222"
    regions: []
channels:
  - id: general
    accounts: [prod]
    digest: { schedule: "every morning", timezone: Mars/Base, minSeverity: URGENT }
suppression:
  maxDays: 1000
`;
    expect(problemsOf(broken)).toEqual([
      expect.stringMatching(/^defaultLanguage: /),
      expect.stringMatching(/^accounts\[0\]\.id: must be a 12-digit AWS account ID/),
      expect.stringMatching(/^accounts\[0\]\.regions\[0\]: must be an AWS Region code/),
      expect.stringMatching(/^accounts\[1\]\.regions: must list at least one region/),
      expect.stringMatching(/^channels\[0\]\.id: must be a Slack channel ID/),
      expect.stringMatching(/^channels\[0\]\.digest\.schedule: must be a cron expression/),
      expect.stringMatching(/^channels\[0\]\.digest\.timezone: must be an IANA time zone/),
      expect.stringMatching(/^channels\[0\]\.digest\.minSeverity: /),
      expect.stringMatching(/^suppression\.maxDays: /),
    ]);
  });

  it('checks references between sections once the shapes are right', () => {
    const text = `
accounts:
  - { id: "111111111111", name: prod, roleArn: "arn:aws:iam::999999999999:role/R", regions: [us-east-1] }
  - { id: "222222222222", name: prod, regions: [us-east-1, us-east-1] }
channels:
  - { id: C0123456789, accounts: [prod, qa] }
  - { id: C0123456789, accounts: [prod] }
`;
    expect(problemsOf(text)).toEqual([
      'accounts[0].roleArn: is in account 999999999999, not 111111111111',
      'accounts[1].regions: lists a region twice',
      'accounts[1]: "prod" is used by another account',
      'channels[0].accounts[1]: "qa" is not the id or name of an account above',
      'channels[1].id: is listed twice',
    ]);
  });

  it('reports bad YAML as one problem', () => {
    expect(problemsOf('accounts: [')).toEqual([expect.stringMatching(/^not valid YAML/)]);
  });

  it('finds FSBP_CONFIG, then ./fsbp.config.yaml, else serves the own account in AWS_REGION', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsbp-config-'));
    const whoAmI = async () => '333333333333';
    const fallback = await loadConfig({ env: { AWS_REGION: 'eu-west-1' }, cwd: dir, whoAmI });
    expect(fallback.source).toBeNull();
    expect(fallback.config.accounts).toEqual([{ id: '333333333333', name: 'self', regions: ['eu-west-1'] }]);

    writeFileSync(join(dir, 'fsbp.config.yaml'), valid);
    const found = await loadConfig({ env: {}, cwd: dir, whoAmI });
    expect(found.source).toBe(join(dir, 'fsbp.config.yaml'));

    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ accounts: [{ id: '444444444444', regions: ['us-east-1'] }] }),
    );
    const explicit = await loadConfig({ env: { FSBP_CONFIG: 'other.json' }, cwd: dir, whoAmI });
    expect(explicit.config.accounts[0]?.id).toBe('444444444444');

    await expect(loadConfig({ env: { FSBP_CONFIG: 'missing.yaml' }, cwd: dir, whoAmI })).rejects.toThrow(
      /file not found/,
    );
    const empty = mkdtempSync(join(tmpdir(), 'fsbp-config-'));
    await expect(loadConfig({ env: {}, cwd: empty, whoAmI })).rejects.toThrow(/set AWS_REGION/);
  });
});
