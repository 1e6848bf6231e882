import {
  DescribeConfigRulesCommand,
  StartConfigRulesEvaluationCommand,
} from '@aws-sdk/client-config-service';
import { DescribeHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from './server.ts';
import {
  assume,
  baseState,
  type Creds,
  clients,
  expectAwsError,
  PROD,
  SSL_RULE,
  STAGING,
  TOKYO,
} from './test-helpers.ts';

let em: AwsEmulator;
/** While set, the emulator's token buckets see no time pass: a loaded machine cannot refill a burst. */
let frozenAt: number | undefined;
let prod: Creds;
let staging: Creds;
beforeAll(async () => {
  em = await startAwsEmulator({ state: baseState(), port: 0, now: () => frozenAt ?? Date.now() });
  prod = await assume(em, PROD, { externalId: 'example-external-id' });
  staging = await assume(em, STAGING);
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  frozenAt = undefined;
  em.setFaults({});
  em.resetCalls();
});

const { rateLimits: _off, ...withDefaultLimits } = baseState();

describe('rate limits (token buckets per account + region + operation)', () => {
  it('GetFindings: burst 6, then TooManyRequestsException 429 when the SDK may not retry', async () => {
    em.setState(withDefaultLimits);
    frozenAt = Date.now();
    const sh = clients(em, prod).sh;
    for (let i = 0; i < 6; i++) await sh.send(new GetFindingsCommand({}));
    await expectAwsError(sh.send(new GetFindingsCommand({})), 'TooManyRequestsException', 429);
    // Other operations and other accounts have their own buckets.
    await sh.send(new DescribeHubCommand({}));
    await clients(em, staging).sh.send(new GetFindingsCommand({}));
  });

  it('BatchUpdateFindings and other operations: burst 30', async () => {
    em.setState(withDefaultLimits);
    frozenAt = Date.now();
    const sh = clients(em, prod).sh;
    const results = await Promise.allSettled(
      Array.from({ length: 32 }, () => sh.send(new DescribeHubCommand({}))),
    );
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(30);
    expect(rejected.length).toBe(2);
    expect((rejected[0] as PromiseRejectedResult).reason.name).toBe('TooManyRequestsException');
  });

  it('the SDK retries TooManyRequestsException and succeeds once a token is back', async () => {
    em.setState({ ...withDefaultLimits, rateLimits: { 'securityhub:GetFindings': { rate: 20, burst: 1 } } });
    const sh = new SecurityHubClient({ endpoint: em.url, region: TOKYO, credentials: prod, maxAttempts: 10 });
    await sh.send(new GetFindingsCommand({}));
    const out = await sh.send(new GetFindingsCommand({}));
    expect(out.$metadata.attempts).toBeGreaterThanOrEqual(2);
    const statuses = em
      .calls()
      .filter((c) => c.operation === 'GetFindings')
      .map((c) => c.status);
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
  });

  it('limits are state: rateLimits false disables them, null disables one operation', async () => {
    em.setState(baseState());
    const sh = clients(em, prod).sh;
    for (let i = 0; i < 20; i++) await sh.send(new GetFindingsCommand({}));
    em.setState({ ...withDefaultLimits, rateLimits: { 'securityhub:GetFindings': null } });
    for (let i = 0; i < 20; i++) await sh.send(new GetFindingsCommand({}));
    expect(em.calls().every((c) => c.status === 200)).toBe(true);
  });
});

describe('fault injection', () => {
  it('errorRate 1 answers 500 in each service error shape', async () => {
    em.setState(baseState());
    em.setFaults({ errorRate: 1 });
    const c = clients(em, prod);
    await expectAwsError(c.sh.send(new GetFindingsCommand({})), 'InternalException', 500);
    await expectAwsError(c.config.send(new DescribeConfigRulesCommand({})), 'InternalFailure', 500);
    await expectAwsError(c.sts.send(new GetCallerIdentityCommand({})), 'InternalFailure', 500);
  });

  it('throttleRate 1 answers each service throttling error', async () => {
    em.setState(baseState());
    em.setFaults({ throttleRate: 1 });
    const c = clients(em, prod);
    await expectAwsError(c.sh.send(new GetFindingsCommand({})), 'TooManyRequestsException', 429);
    await expectAwsError(c.config.send(new DescribeConfigRulesCommand({})), 'ThrottlingException', 400);
    await expectAwsError(c.sts.send(new GetCallerIdentityCommand({})), 'Throttling', 400);
  });

  it('services and operations filters limit the faults', async () => {
    em.setState(baseState());
    em.setFaults({ errorRate: 1, services: ['securityhub'], operations: ['GetFindings'] });
    const c = clients(em, prod);
    await expectAwsError(c.sh.send(new GetFindingsCommand({})), 'InternalException', 500);
    await c.sh.send(new DescribeHubCommand({}));
    await c.config.send(new DescribeConfigRulesCommand({}));
  });

  it('a seed makes the fault sequence reproducible', async () => {
    em.setState(baseState());
    const run = async () => {
      em.setFaults({ throttleRate: 0.5, seed: 42, services: ['config'] });
      const config = clients(em, prod).config;
      const outcome: string[] = [];
      for (let i = 0; i < 12; i++) {
        outcome.push(
          await config.send(new DescribeConfigRulesCommand({})).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      }
      return outcome;
    };
    const first = await run();
    expect(first).toContain('ok');
    expect(first).toContain('ThrottlingException');
    expect(await run()).toEqual(first);
  });

  it('latencyMs delays the answer', async () => {
    em.setState(baseState());
    em.setFaults({ latencyMs: 120 });
    const t0 = Date.now();
    await clients(em, prod).sh.send(new DescribeHubCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(115);
  });
});

describe('admin endpoints', () => {
  it('GET and POST /_emulator/state', async () => {
    em.setState(baseState());
    const state = (await (await fetch(`${em.url}/_emulator/state`)).json()) as ReturnType<
      AwsEmulator['getState']
    >;
    expect(state.accounts?.[PROD]?.regions?.[TOKYO]?.configRules?.[0]?.ConfigRuleName).toBe(SSL_RULE);
    const rs = state.accounts?.[PROD]?.regions?.[TOKYO];
    if (rs?.configRules?.[0]) rs.configRules[0].ConfigRuleState = 'EVALUATING';
    const post = await fetch(`${em.url}/_emulator/state`, { method: 'POST', body: JSON.stringify(state) });
    expect(post.status).toBe(200);
    const config = clients(em, prod).config;
    expect((await config.send(new DescribeConfigRulesCommand({}))).ConfigRules?.[0]?.ConfigRuleState).toBe(
      'EVALUATING',
    );
    await expectAwsError(
      config.send(new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] })),
      'LimitExceededException',
      400,
    );
  });

  it('rejects an invalid state with a readable message and keeps the old one', async () => {
    em.setState(baseState());
    const bad = baseState();
    const acct = bad.accounts?.[PROD];
    if (acct) acct.controlFindingGenerator = 'BOTH' as 'SECURITY_CONTROL';
    const res = await fetch(`${em.url}/_emulator/state`, { method: 'POST', body: JSON.stringify(bad) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string };
    expect(body.error).toContain('controlFindingGenerator');
    expect(body.error).toContain(PROD);
    expect(() =>
      em.setState({ ...baseState(), caller: { accountId: '123', accessKeyId: 'a', secretAccessKey: 'b' } }),
    ).toThrow(/12-digit/);
    expect((await clients(em, prod).sh.send(new DescribeHubCommand({}))).ControlFindingGenerator).toBe(
      'SECURITY_CONTROL',
    );
  });

  it('POST /_emulator/faults and GET/DELETE /_emulator/calls', async () => {
    em.setState(baseState());
    expect(
      (await fetch(`${em.url}/_emulator/faults`, { method: 'POST', body: '{"errorRate": 2}' })).status,
    ).toBe(400);
    const ok = await fetch(`${em.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 1, operations: ['DescribeHub'] }),
    });
    expect(ok.status).toBe(200);
    await expectAwsError(clients(em, prod).sh.send(new DescribeHubCommand({})), 'InternalException', 500);
    const calls = (await (await fetch(`${em.url}/_emulator/calls`)).json()) as Array<{
      operation: string;
      status: number;
    }>;
    expect(calls.at(-1)).toMatchObject({
      service: 'securityhub',
      operation: 'DescribeHub',
      accountId: PROD,
      region: TOKYO,
      status: 500,
    });
    await fetch(`${em.url}/_emulator/calls`, { method: 'DELETE' });
    expect(em.calls()).toEqual([]);
  });

  it('close() ends pending evaluations and sleeping requests', async () => {
    const other = await startAwsEmulator({ state: { ...baseState(), evaluationDelayMs: 60_000 } });
    const creds = await assume(other, PROD, { externalId: 'example-external-id' });
    await clients(other, creds).config.send(
      new StartConfigRulesEvaluationCommand({ ConfigRuleNames: [SSL_RULE] }),
    );
    other.setFaults({ latencyMs: 60_000 });
    const pending = clients(other, creds)
      .sh.send(new DescribeHubCommand({}))
      .catch((e: Error) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await other.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});
