import { DescribeConfigRulesCommand } from '@aws-sdk/client-config-service';
import { DescribeHubCommand, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import {
  assume,
  baseState,
  CALLER,
  clients,
  expectAwsError,
  PROD,
  SSL_RULE,
  SSL_RULE_STAGING,
  STAGING,
  TOKYO,
} from './test-helpers.ts';

let em: AwsEmulator;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0 });
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  const state = baseState();
  const staging = state.accounts?.[STAGING];
  if (staging) {
    staging.roles = { FsbpBotRole: { maxSessionDuration: 43200 } };
    staging.disabledRegions = ['ap-east-1'];
  }
  em.setState(state);
});

const roleArn = (acct: string) => `arn:aws:iam::${acct}:role/FsbpBotRole`;

describe('SigV4 signature checks', () => {
  it('wrong secret: STS SignatureDoesNotMatch 403, Config InvalidSignatureException 400, Security Hub 403', async () => {
    const bad = clients(em, { ...CALLER, secretAccessKey: 'wrong' });
    await expectAwsError(bad.sts.send(new GetCallerIdentityCommand({})), 'SignatureDoesNotMatch', 403);
    await expectAwsError(
      bad.config.send(new DescribeConfigRulesCommand({})),
      'InvalidSignatureException',
      400,
    );
    await expectAwsError(bad.sh.send(new GetFindingsCommand({})), 'InvalidSignatureException', 403);
  });

  it('unknown access key: InvalidClientTokenId (STS 403), UnrecognizedClientException (Config 400, Security Hub 403)', async () => {
    const unknown = clients(em, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    const err = await expectAwsError(
      unknown.sts.send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
    );
    expect(err.message).toBe('The security token included in the request is invalid.');
    await expectAwsError(
      unknown.config.send(new DescribeConfigRulesCommand({})),
      'UnrecognizedClientException',
      400,
    );
    await expectAwsError(unknown.sh.send(new GetFindingsCommand({})), 'UnrecognizedClientException', 403);
  });

  it('temporary credentials with a wrong secret or session token are rejected', async () => {
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    await expectAwsError(
      clients(em, { ...creds, secretAccessKey: 'wrong' }).sts.send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
    );
    await expectAwsError(
      clients(em, { ...creds, sessionToken: 'forged' }).sts.send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
    );
    const { sessionToken: _dropped, ...withoutToken } = creds;
    await expectAwsError(
      clients(em, withoutToken).sh.send(new GetFindingsCommand({})),
      'UnrecognizedClientException',
      403,
    );
  });

  it('expired temporary credentials: ExpiredToken (STS) / ExpiredTokenException (Config, Security Hub)', async () => {
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    em.expireSessions();
    const c = clients(em, creds);
    const err = await expectAwsError(c.sts.send(new GetCallerIdentityCommand({})), 'ExpiredToken', 403);
    expect(err.message).toContain('expired');
    await expectAwsError(c.config.send(new DescribeConfigRulesCommand({})), 'ExpiredTokenException', 400);
    await expectAwsError(c.sh.send(new GetFindingsCommand({})), 'ExpiredTokenException', 403);
  });
});

describe('GetCallerIdentity', () => {
  it('works with the endpoint from AWS_ENDPOINT_URL (no endpoint option)', async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = em.url;
    try {
      const sts = new STSClient({ region: TOKYO, credentials: CALLER, maxAttempts: 1 });
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('000000000000');
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });

  it('returns the caller user for the long-term key', async () => {
    const out = await clients(em).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe('000000000000');
    expect(out.Arn).toBe('arn:aws:iam::000000000000:user/fsbp-bot');
    expect(out.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it('returns the assumed-role identity for temporary credentials', async () => {
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    const out = await clients(em, creds).sts.send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(PROD);
    expect(out.Arn).toBe(`arn:aws:sts::${PROD}:assumed-role/FsbpBotRole/fsbp-bot-test`);
    expect(out.UserId).toMatch(/^AROA[A-Z0-9]{17}:fsbp-bot-test$/);
  });
});

describe('AssumeRole', () => {
  const sts = () => clients(em).sts;

  it('issues ASIA credentials with an Expiration and the assumed-role user', async () => {
    const before = Date.now();
    const out = await sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn(PROD),
        RoleSessionName: 'fsbp',
        ExternalId: 'example-external-id',
        DurationSeconds: 900,
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toBeTruthy();
    expect(out.Credentials?.SessionToken).toBeTruthy();
    const expiration = out.Credentials?.Expiration?.getTime() ?? 0;
    expect(expiration).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 899_000);
    expect(expiration).toBeLessThanOrEqual(Date.now() + 901_000);
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${PROD}:assumed-role/FsbpBotRole/fsbp`);
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:fsbp$/);
  });

  it('denies a missing or wrong ExternalId and an unknown role or account with AccessDenied 403', async () => {
    const message = `User: arn:aws:iam::000000000000:user/fsbp-bot is not authorized to perform: sts:AssumeRole on resource: ${roleArn(PROD)}`;
    const missing = await expectAwsError(
      sts().send(new AssumeRoleCommand({ RoleArn: roleArn(PROD), RoleSessionName: 'fsbp' })),
      'AccessDenied',
      403,
    );
    expect(missing.message).toBe(message);
    await expectAwsError(
      sts().send(
        new AssumeRoleCommand({ RoleArn: roleArn(PROD), RoleSessionName: 'fsbp', ExternalId: 'wrong-id' }),
      ),
      'AccessDenied',
      403,
    );
    await expectAwsError(
      sts().send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PROD}:role/Nope`, RoleSessionName: 'fsbp' }),
      ),
      'AccessDenied',
      403,
    );
    await expectAwsError(
      sts().send(new AssumeRoleCommand({ RoleArn: roleArn('999999999999'), RoleSessionName: 'fsbp' })),
      'AccessDenied',
      403,
    );
  });

  it('accepts an ExternalId for a role that does not require one', async () => {
    const out = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn(STAGING), RoleSessionName: 'fsbp', ExternalId: 'anything' }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA/);
  });

  it.each([
    ['RoleSessionName too short', { RoleSessionName: 'a' }],
    ['RoleSessionName too long', { RoleSessionName: 'a'.repeat(65) }],
    ['RoleSessionName bad characters', { RoleSessionName: 'bad name!' }],
    ['ExternalId too short', { RoleSessionName: 'ok', ExternalId: 'x' }],
    ['ExternalId too long', { RoleSessionName: 'ok', ExternalId: 'x'.repeat(1225) }],
    ['ExternalId bad characters', { RoleSessionName: 'ok', ExternalId: 'bad id!' }],
    ['DurationSeconds below 900', { RoleSessionName: 'ok', DurationSeconds: 899 }],
    ['DurationSeconds above 43200', { RoleSessionName: 'ok', DurationSeconds: 43201 }],
  ])('rejects %s with ValidationError', async (_label, params) => {
    await expectAwsError(
      sts().send(new AssumeRoleCommand({ RoleArn: roleArn(STAGING), ...params })),
      'ValidationError',
      400,
    );
  });

  it('accepts the boundary values', async () => {
    const ok = await sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn(STAGING),
        RoleSessionName: `${'a'.repeat(60)}+=,.@-`.slice(0, 64),
        ExternalId: 'ab:/',
        DurationSeconds: 43200,
      }),
    );
    expect(ok.Credentials).toBeDefined();
  });

  it('limits DurationSeconds to the role MaxSessionDuration (default 3600)', async () => {
    const err = await expectAwsError(
      sts().send(
        new AssumeRoleCommand({
          RoleArn: roleArn(PROD),
          RoleSessionName: 'ok',
          ExternalId: 'example-external-id',
          DurationSeconds: 7200,
        }),
      ),
      'ValidationError',
      400,
    );
    expect(err.message).toContain('MaxSessionDuration');
  });

  it('role chaining: more than 3600 s fails, 3600 s works', async () => {
    const first = await assume(em, PROD, { externalId: 'example-external-id' });
    const chained = clients(em, first).sts;
    const err = await expectAwsError(
      chained.send(
        new AssumeRoleCommand({ RoleArn: roleArn(STAGING), RoleSessionName: 'chain', DurationSeconds: 3601 }),
      ),
      'ValidationError',
      400,
    );
    expect(err.message).toContain('role chaining');
    const ok = await chained.send(
      new AssumeRoleCommand({ RoleArn: roleArn(STAGING), RoleSessionName: 'chain', DurationSeconds: 3600 }),
    );
    const who = await clients(em, {
      accessKeyId: ok.Credentials?.AccessKeyId ?? '',
      secretAccessKey: ok.Credentials?.SecretAccessKey ?? '',
      sessionToken: ok.Credentials?.SessionToken ?? '',
    }).sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${STAGING}:assumed-role/FsbpBotRole/chain`);
  });

  it('answers RegionDisabledException in a region disabled for the target account', async () => {
    await expectAwsError(
      clients(em, CALLER, 'ap-east-1').sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn(STAGING), RoleSessionName: 'ok' }),
      ),
      'RegionDisabledException',
      403,
    );
  });
});

describe('temporary credentials scope every call to the target account and the signed region', () => {
  it('reads the rules of the assumed account', async () => {
    const prod = clients(em, await assume(em, PROD, { externalId: 'example-external-id' }));
    const staging = clients(em, await assume(em, STAGING));
    const p = await prod.config.send(new DescribeConfigRulesCommand({}));
    const s = await staging.config.send(new DescribeConfigRulesCommand({}));
    expect(p.ConfigRules?.map((r) => r.ConfigRuleName)).toEqual([SSL_RULE]);
    expect(p.ConfigRules?.[0]?.ConfigRuleArn).toContain(`:${PROD}:`);
    expect(s.ConfigRules?.map((r) => r.ConfigRuleName)).toEqual([SSL_RULE_STAGING]);
    expect((await prod.sh.send(new DescribeHubCommand({}))).HubArn).toBe(
      `arn:aws:securityhub:${TOKYO}:${PROD}:hub/default`,
    );
    expect((await staging.sh.send(new DescribeHubCommand({}))).ControlFindingGenerator).toBe(
      'STANDARD_CONTROL',
    );
  });

  it('a region without state: Config has no rules, Security Hub is not subscribed (401)', async () => {
    const creds = await assume(em, PROD, { externalId: 'example-external-id' });
    const virginia = clients(em, creds, 'us-east-1');
    expect((await virginia.config.send(new DescribeConfigRulesCommand({}))).ConfigRules).toEqual([]);
    const err = await expectAwsError(
      virginia.sh.send(new GetFindingsCommand({})),
      'InvalidAccessException',
      401,
    );
    expect(err.message).toBe(`Account ${PROD} is not subscribed to AWS Security Hub`);
  });

  it('the caller account itself has no Security Hub unless it is listed under accounts', async () => {
    await expectAwsError(clients(em).sh.send(new DescribeHubCommand({})), 'InvalidAccessException', 401);
  });

  it('credentials are rejected in an opt-in region disabled for the account', async () => {
    const creds = await assume(em, STAGING);
    await expectAwsError(
      clients(em, creds, 'ap-east-1').config.send(new DescribeConfigRulesCommand({})),
      'UnrecognizedClientException',
      400,
    );
  });

  it('records every call with the account and region it was scoped to', async () => {
    em.resetCalls();
    const creds = await assume(em, STAGING);
    await clients(em, creds).config.send(new DescribeConfigRulesCommand({}));
    expect(
      em.calls().map(({ service, operation, accountId, region, status }) => ({
        service,
        operation,
        accountId,
        region,
        status,
      })),
    ).toEqual([
      { service: 'sts', operation: 'AssumeRole', accountId: '000000000000', region: TOKYO, status: 200 },
      { service: 'config', operation: 'DescribeConfigRules', accountId: STAGING, region: TOKYO, status: 200 },
    ]);
  });
});
