import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPort } from '../../src/aws/index.ts';
import { isKnownRegion } from '../../src/aws/regions.ts';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { buildState, callerCredentials } from '../helpers/aws-state.ts';
import { useAwsEndpoint } from '../helpers/cli.ts';

/** Item 2 of the hardening issue: what the AWS adapter holds does not grow with who asks. */

const TOKYO = 'ap-northeast-1';
const accounts = ['111111111111', '222222222222'].map((id) => ({
  id,
  roleArn: `arn:aws:iam::${id}:role/FsbpBotRole`,
}));

let emulator: AwsEmulator;
beforeAll(async () => {
  const state = buildState(
    accounts.map(({ id }) => ({
      id,
      role: { name: 'FsbpBotRole' },
      regions: { [TOKYO]: { controls: { 'EC2.19': [{ id: `sg-${id}`, compliance: 'NON_COMPLIANT' }] } } },
    })),
    { rateLimits: false },
  );
  emulator = await startAwsEmulator({ state });
  useAwsEndpoint(emulator.url);
});
afterAll(() => emulator.close());

describe('the AWS adapter under many requesters', () => {
  it('keeps one client per service used in an account and Region, and a bounded number of sessions, whoever asks', async () => {
    const aws = createAwsPort({ credentials: callerCredentials, credentialCacheSize: 50 });
    try {
      for (let user = 0; user < 120; user++) {
        const access = await aws.region(accounts[user % 2] as (typeof accounts)[0], TOKYO, `U${user}`);
        await access.config.listRules();
        await access.findings.controlFindings(['EC2.19']);
      }
      // Two account-Regions x (Config, Security Hub), and one STS client for the Region; the Config
      // client without retries (StartConfigRulesEvaluation) was never needed, so never made.
      expect(aws.held()).toEqual({ clients: 5, sessions: 50 });
    } finally {
      aws.close();
    }
  });

  it('keeps the clients of at most clientCacheSize account-Regions, however many it walked', async () => {
    const aws = createAwsPort({ credentials: callerCredentials, clientCacheSize: 3 });
    try {
      const regions = ['ap-northeast-1', 'us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
      for (const region of regions) {
        const access = await aws.region(accounts[0] as (typeof accounts)[0], region, 'digest');
        await access.config.listRules();
      }
      // 3 account-Regions x the Config client used, and the STS client the role is assumed through.
      expect(aws.held().clients).toBe(3 + 1);
      // An evicted account-Region still works: its clients are made again.
      const again = await aws.region(accounts[0] as (typeof accounts)[0], TOKYO, 'digest');
      expect(await again.config.listRules()).toBeInstanceOf(Array);
      expect(aws.held().clients).toBe(3 + 1);
    } finally {
      aws.close();
    }
  });

  it('signs each call with the asking user’s own session, through the same clients', async () => {
    const aws = createAwsPort({ credentials: callerCredentials });
    try {
      emulator.resetCalls();
      const account = accounts[0] as (typeof accounts)[0];
      for (const user of ['U0ALICE01', 'U0TARO001', 'U0ALICE01']) {
        await (await aws.region(account, TOKYO, user)).findings.controlFindings(['EC2.19']);
      }
      const signers = emulator
        .calls()
        .filter((c) => c.operation === 'GetFindings')
        .map((c) => c.principal?.split('/').at(-1));
      expect(signers).toEqual(['fsbp-U0ALICE01', 'fsbp-U0TARO001', 'fsbp-U0ALICE01']);
      expect(emulator.calls().filter((c) => c.operation === 'AssumeRole')).toHaveLength(2);
      // Only Security Hub's client was used: the Config clients were never made.
      expect(aws.held()).toEqual({ clients: 2, sessions: 2 });
    } finally {
      aws.close();
    }
  });

  it('refuses a Region the SDK does not know, holding nothing for it', async () => {
    const aws = createAwsPort({ credentials: callerCredentials });
    try {
      for (const fake of ['aa-a-1', 'us-fake-9', 'zz-north-7']) {
        await expect(aws.region(accounts[0] as (typeof accounts)[0], fake, 'U1')).rejects.toMatchObject({
          code: 'invalid_arguments',
        });
      }
      expect(aws.held()).toEqual({ clients: 0, sessions: 0 });
      expect(isKnownRegion('ap-northeast-3')).toBe(true);
    } finally {
      aws.close();
    }
  });
});
