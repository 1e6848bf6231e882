// What `fsbp doctor` asks of AWS, through the real SDK clients: the Config recorder and IAM's policy simulator.
import { DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import {
  assume,
  baseState,
  CALLER,
  type Creds,
  clients,
  expectAwsError,
  PROD,
  TOKYO,
} from './test-helpers.ts';

let em: AwsEmulator;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0 });
});
afterAll(async () => {
  await em.close();
});

const roleArn = `arn:aws:iam::${PROD}:role/FsbpBotRole`;
const iam = (credentials: Creds) =>
  new IAMClient({ endpoint: em.url, region: 'us-east-1', credentials, maxAttempts: 1 });

function withProd(change: (prod: NonNullable<ReturnType<typeof baseState>['accounts']>[string]) => void) {
  const state = baseState();
  const prod = state.accounts?.[PROD];
  if (!prod) throw new Error('base state has no prod account');
  change(prod);
  em.setState(state);
}

describe('DescribeConfigurationRecorderStatus', () => {
  beforeEach(() => em.setState(baseState()));

  it('reports one recording recorder by default', async () => {
    const { config } = clients(em, await assume(em, PROD, { externalId: 'example-external-id' }));
    const out = await config.send(new DescribeConfigurationRecorderStatusCommand({}));
    expect(out.ConfigurationRecordersStatus).toMatchObject([
      { name: 'default', recording: true, lastStatus: 'Success' },
    ]);
  });

  it('reports a stopped recorder, and no recorder at all, as AWS does', async () => {
    withProd((prod) => {
      const tokyo = prod.regions?.[TOKYO];
      if (tokyo) tokyo.configRecorder = { name: 'default', recording: false };
    });
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    const stopped = await clients(em, creds).config.send(new DescribeConfigurationRecorderStatusCommand({}));
    expect(stopped.ConfigurationRecordersStatus?.[0]?.recording).toBe(false);
    const none = await clients(em, creds, 'eu-west-1').config.send(
      new DescribeConfigurationRecorderStatusCommand({}),
    );
    expect(none.ConfigurationRecordersStatus).toEqual([]);
    await expectAwsError(
      clients(em, creds).config.send(
        new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: ['other'] }),
      ),
      'NoSuchConfigurationRecorderException',
      400,
    );
  });
});

describe('iam:SimulatePrincipalPolicy', () => {
  const simulate = (credentials: Creds) =>
    iam(credentials).send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: roleArn,
        ActionNames: ['securityhub:BatchUpdateFindings', 'securityhub:GetFindings'],
      }),
    );

  it('answers allowed for every action of a role without a policy in the state', async () => {
    em.setState(baseState());
    const out = await simulate(await assume(em, PROD, { externalId: 'example-external-id' }));
    expect(out.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['securityhub:BatchUpdateFindings', 'allowed'],
      ['securityhub:GetFindings', 'allowed'],
    ]);
  });

  it('follows allow, explicit deny and the implicit deny of the role policy', async () => {
    withProd((prod) => {
      prod.roles = {
        FsbpBotRole: {
          externalId: 'example-external-id',
          policy: { allow: ['securityhub:Get*', 'iam:SimulatePrincipalPolicy'], deny: [] },
        },
      };
    });
    const out = await simulate(await assume(em, PROD, { externalId: 'example-external-id' }));
    expect(out.EvaluationResults?.map((r) => r.EvalDecision)).toEqual(['implicitDeny', 'allowed']);
    withProd((prod) => {
      prod.roles = {
        FsbpBotRole: {
          externalId: 'example-external-id',
          policy: { allow: ['*'], deny: ['securityhub:BatchUpdateFindings'] },
        },
      };
    });
    const denied = await simulate(await assume(em, PROD, { externalId: 'example-external-id' }));
    expect(denied.EvaluationResults?.[0]?.EvalDecision).toBe('explicitDeny');
  });

  it('refuses a caller that may not simulate, with IAM AccessDenied (403)', async () => {
    withProd((prod) => {
      prod.roles = {
        FsbpBotRole: { externalId: 'example-external-id', policy: { allow: ['securityhub:*'], deny: [] } },
      };
    });
    await expectAwsError(
      simulate(await assume(em, PROD, { externalId: 'example-external-id' })),
      'AccessDenied',
      403,
    );
  });

  it('says NoSuchEntity for a role that does not exist, and checks the signature like every service', async () => {
    em.setState(baseState());
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    await expectAwsError(
      iam(creds).send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: `arn:aws:iam::${PROD}:role/Missing`,
          ActionNames: ['securityhub:GetFindings'],
        }),
      ),
      'NoSuchEntityException', // the wire code is NoSuchEntity; the SDK names the modeled shape
      404,
    );
    await expectAwsError(simulate({ ...CALLER, secretAccessKey: 'wrong' }), 'SignatureDoesNotMatch', 403);
  });
});
