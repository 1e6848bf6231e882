// `fsbp doctor` against both emulators: every broken setup is one failing check with its fix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEmulator, startAwsEmulator } from '../emulator/aws/server.ts';
import { type SlackEmulator, startSlackEmulator } from '../emulator/slack/server.ts';
import { startSocketModeServer } from '../emulator/slack/socket-mode.ts';
import { botToken, eventually, type Harness, signingSecret, startHarness } from '../helpers/bot.ts';
import { runWithConfig, useAwsEndpoint } from '../helpers/cli.ts';
import { type DoctorAccount, doctorAccounts, doctorConfig, doctorState } from '../helpers/doctor-state.ts';

const CHANNEL = 'C0DOCTOR01';
let aws: AwsEmulator;
let slack: SlackEmulator;

interface JsonCheck {
  id: string;
  status: 'pass' | 'warn' | 'fail';
  scope: { account?: string; region?: string; channel?: string };
  message: string;
  fix?: string;
  snippet?: string;
}

beforeAll(async () => {
  aws = await startAwsEmulator({ state: doctorState() });
  useAwsEndpoint(aws.url);
  slack = await startSlackEmulator({ botToken, channels: { [CHANNEL]: { name: 'security', member: true } } });
});
afterAll(async () => {
  await slack?.close();
  await aws?.close();
});

const slackEnv = () => ({
  SLACK_BOT_TOKEN: botToken,
  SLACK_SIGNING_SECRET: signingSecret,
  SLACK_API_URL: slack.url,
});

async function doctor(config = doctorConfig(CHANNEL), env: Record<string, string> = slackEnv()) {
  const run = await runWithConfig(config, ['doctor', '--json'], env);
  return {
    code: run.code,
    report: JSON.parse(run.stdout) as { summary: Record<string, number>; checks: JsonCheck[] },
  };
}

const accountLabel = (kind: DoctorAccount) => `${kind} (${doctorAccounts[kind]})`;

describe('fsbp doctor over the emulators', () => {
  let result: Awaited<ReturnType<typeof doctor>>;
  beforeAll(async () => {
    result = await doctor();
  });
  const checksOf = (kind: DoctorAccount) =>
    result.report.checks.filter((c) => c.scope.account === accountLabel(kind));
  const notPassing = (kind: DoctorAccount) =>
    checksOf(kind)
      .filter((c) => c.status !== 'pass')
      .map((c) => ({ id: c.id, status: c.status }));

  it('exits 1 when anything fails', () => {
    expect(result.code).toBe(1);
  });

  it('passes every check of a healthy account, Slack and the bot identity', () => {
    expect(checksOf('healthy').map((c) => [c.id, c.status])).toEqual([
      ['aws.role', 'pass'],
      ['aws.securityHub', 'pass'],
      ['aws.standard', 'pass'],
      ['aws.findings', 'pass'],
      ['aws.recorder', 'pass'],
      ['aws.rules', 'pass'],
      ['aws.ruleStatus', 'pass'],
      ['aws.suppressWrite', 'pass'],
      // The first account reads AWS's list of controls too: one simulation covers it all.
      ['aws.controlsRead', 'pass'],
    ]);
    const global = result.report.checks.filter((c) => !c.scope.account);
    expect(global.map((c) => [c.id, c.status])).toEqual([
      ['slack.settings', 'pass'],
      ['slack.token', 'pass'],
      ['slack.scopes', 'pass'],
      ['slack.channel', 'pass'],
      ['aws.identity', 'pass'],
    ]);
  });

  it('reports a refused trust policy once, with the statement to add and no external ID', () => {
    expect(notPassing('trustRefused')).toEqual([{ id: 'aws.role', status: 'fail' }]);
    const role = checksOf('trustRefused')[0];
    expect(role?.fix).toBe("Add this statement to the role's trust policy:");
    expect(JSON.parse(role?.snippet ?? '{}')).toEqual({
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::000000000000:user/fsbp-bot' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': '<externalId from your config>' } },
    });
    expect(JSON.stringify(result.report)).not.toContain('stale-external-id');
    expect(JSON.stringify(result.report)).not.toContain('doctor-external-id');
  });

  it.each([
    ['hubDisabled', 'aws.securityHub', 'fail', 'Enable Security Hub CSPM in this Region'],
    ['fsbpNotEnabled', 'aws.standard', 'fail', 'Enable AWS Foundational Security Best Practices v1.0.0'],
    ['fsbpPending', 'aws.standard', 'warn', 'Wait a few minutes'],
    ['configNotRecording', 'aws.recorder', 'fail', 'aws configservice start-configuration-recorder'],
    ['noRules', 'aws.rules', 'fail', 'Security Hub creates these rules'],
    ['writeDenied', 'aws.suppressWrite', 'fail', "Add this statement to the role's policy"],
  ] as const)('%s: only %s is %s, with its fix', (kind, id, status, fix) => {
    expect(notPassing(kind)).toEqual([{ id, status }]);
    expect(checksOf(kind).find((c) => c.id === id)?.fix).toContain(fix);
  });

  it('warns, without failing, that a role which may not simulate could not be checked, write and reads', () => {
    expect(notPassing('simulateDenied')).toEqual([
      { id: 'aws.suppressWrite', status: 'warn' },
      { id: 'aws.controlsRead', status: 'warn' },
    ]);
    for (const check of checksOf('simulateDenied').filter((c) => c.status === 'warn'))
      expect(check.fix).toContain('Allow iam:SimulatePrincipalPolicy');
  });

  it('warns of each control read a role may not make, naming the action and what stops working', () => {
    const warned = checksOf('controlsReadDenied').filter((c) => c.status !== 'pass');
    expect(warned.map((c) => [c.id, c.status])).toEqual([
      ['aws.controlsRead', 'warn'],
      ['aws.controlsRead', 'warn'],
      ['aws.controlsRead', 'warn'],
    ]);
    expect(warned.map((c) => c.message)).toEqual([
      expect.stringContaining(
        'securityhub:BatchGetStandardsControlAssociations (nor securityhub:DescribeStandardsControls): which FSBP controls are disabled here cannot be read, so every control counts as enabled',
      ),
      expect.stringContaining(
        'securityhub:ListStandardsControlAssociations (nor securityhub:DescribeStandardsControls): explain --account cannot say whether a control is enabled',
      ),
      expect.stringContaining(
        "securityhub:BatchGetSecurityControls: explain --account cannot show a control's parameters",
      ),
    ]);
    expect(JSON.parse(warned[2]?.snippet ?? '{}')).toEqual({
      Sid: 'ReadControlsAsTheAccountHasThem',
      Effect: 'Allow',
      Action: 'securityhub:BatchGetSecurityControls',
      Resource: '*',
    });
    // Only the first account reads AWS's list of controls: this one is not asked about it.
    expect(JSON.stringify(warned)).not.toContain('ListSecurityControlDefinitions');
  });

  it('counts a read whose fallback is allowed as allowed: DescribeStandardsControls instead of the association APIs', () => {
    // writeDenied may call securityhub:Describe* and BatchGetSecurityControls, not the association APIs.
    expect(checksOf('writeDenied').find((c) => c.id === 'aws.controlsRead')?.status).toBe('pass');
  });

  it('runs the checks in parallel: every account answered, read-only calls only', () => {
    const writes = aws
      .calls()
      .filter((c) => ['BatchUpdateFindings', 'StartConfigRulesEvaluation'].includes(c.operation));
    expect(writes).toEqual([]);
    const described = new Set(
      aws
        .calls()
        .filter((c) => c.operation === 'DescribeConfigurationRecorderStatus')
        .map((c) => c.accountId),
    );
    // Every account whose role works was asked about its recorder.
    expect(described.size).toBe(Object.keys(doctorAccounts).length - 1);
    // One policy simulation per account and Region covers the write and the control reads.
    const simulations = aws.calls().filter((c) => c.operation === 'SimulatePrincipalPolicy');
    expect(simulations).toHaveLength(described.size);
  });
});

describe("fsbp doctor: the account that reads AWS's list of controls", () => {
  it("warns that the first account's role may not list the controls, in both languages, and does not fail", async () => {
    const config = doctorConfig(CHANNEL);
    config.accounts = config.accounts.filter((a) => a.name === 'controlsReadDenied');
    config.channels = [{ id: CHANNEL, accounts: ['controlsReadDenied'] }];
    const { code, report } = await doctor(config);
    expect(code).toBe(0);
    const definitions = report.checks.find(
      (c) => c.id === 'aws.controlsRead' && c.message.includes('ListSecurityControlDefinitions'),
    );
    expect(definitions).toMatchObject({
      status: 'warn',
      scope: { account: accountLabel('controlsReadDenied'), region: 'ap-northeast-1' },
      message: expect.stringContaining(
        "AWS's list of FSBP controls cannot be read, so controls --sync fails",
      ),
    });
    const ja = await runWithConfig(config, ['doctor', '--lang', 'ja'], slackEnv());
    expect(ja.stdout).toContain(
      'securityhub:ListSecurityControlDefinitions の権限がないため、AWS の FSBP コントロール一覧を読み取れません',
    );
  });
});

describe('fsbp doctor: Slack setups', () => {
  it('fails a refused token and names no token in the report', async () => {
    const { code, report } = await doctor(doctorConfig(CHANNEL), {
      ...slackEnv(),
      SLACK_BOT_TOKEN: 'xoxb-0000-revoked',
    });
    expect(code).toBe(1);
    const token = report.checks.find((c) => c.id === 'slack.token');
    expect(token).toMatchObject({ status: 'fail', message: 'Slack refused the bot token (invalid_auth).' });
    expect(JSON.stringify(report)).not.toContain('xoxb-');
  });

  it('fails a channel the bot cannot post in, and warns about missing optional scopes', async () => {
    const narrow = await startSlackEmulator({
      botToken,
      scopes: ['commands', 'chat:write', 'users:read', 'channels:read', 'groups:read'],
      channels: { [CHANNEL]: { name: 'security', member: false } },
    });
    try {
      const { report } = await doctor(doctorConfig(CHANNEL), { ...slackEnv(), SLACK_API_URL: narrow.url });
      const slackChecks = report.checks.filter((c) => c.id.startsWith('slack.'));
      expect(slackChecks.map((c) => [c.id, c.status])).toEqual([
        ['slack.settings', 'pass'],
        ['slack.token', 'pass'],
        ['slack.scopes', 'warn'],
        ['slack.channel', 'fail'],
      ]);
      expect(slackChecks[3]?.fix).toBe('Invite the bot: /invite @fsbp in the channel.');
      expect(slackChecks[2]?.message).toContain('chat:write.public');
    } finally {
      await narrow.close();
    }
  });

  it('fails a missing signing secret in HTTP mode and a missing required scope', async () => {
    const narrow = await startSlackEmulator({
      botToken,
      scopes: ['chat:write', 'channels:read'],
      channels: { [CHANNEL]: { name: 'security', member: true } },
    });
    try {
      const { report } = await doctor(doctorConfig(CHANNEL), {
        SLACK_BOT_TOKEN: botToken,
        SLACK_API_URL: narrow.url,
      });
      expect(report.checks.find((c) => c.id === 'slack.settings')).toMatchObject({
        status: 'fail',
        message: 'HTTP needs SLACK_SIGNING_SECRET, which is not set.',
      });
      expect(report.checks.find((c) => c.id === 'slack.scopes')).toMatchObject({
        status: 'fail',
        message: 'The app lacks scopes it needs: commands, users:read.',
      });
    } finally {
      await narrow.close();
    }
  });
});

describe('/fsbp doctor in Slack', () => {
  let h: Harness;
  const SLACK_CHANNEL = 'C0123456789';
  beforeAll(async () => {
    const config = doctorConfig(SLACK_CHANNEL);
    // The channel sees only the healthy and the write-denied accounts; the others belong to no channel here.
    config.channels = [{ id: SLACK_CHANNEL, accounts: ['healthy', 'writeDenied'] }];
    h = await startHarness({ state: doctorState(), config });
  });
  afterAll(() => h?.stop());

  it('answers an allowed user privately, about this channel and its accounts only, with nothing secret', async () => {
    const reply = await h.slash('doctor', { user: 'U0JA00001' });
    expect(reply.status).toBe(200);
    const answer = await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
    const body = JSON.stringify(answer.body);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(body).toContain('healthy (310000000001)');
    expect(body).toContain('writeDenied (310000000008)');
    expect(body).not.toContain('trustRefused');
    expect(body).not.toContain('hubDisabled');
    expect(body).not.toMatch(/xoxb-|doctor-external-id|arn:aws:iam::000000000000/);
    expect(h.slack.messages(SLACK_CHANNEL)).toEqual([]);
  });

  it('refuses anyone outside the suppression policy, in both languages, and asks AWS nothing', async () => {
    h.aws.resetCalls();
    const reply = await h.slash('doctor', { user: 'U0EN00001' });
    const answer = await eventually(() => h.slack.responses(reply.responseUrl)[0], 30_000);
    const body = JSON.stringify(answer.body);
    expect(body).toContain('not allowed');
    expect(body).toContain('この操作は許可されていません');
    expect(h.aws.calls()).toEqual([]);
  });
});

describe('fsbp doctor: Socket Mode', () => {
  it('passes when the app token opens a connection, and fails with Slack error when it does not', async () => {
    const appToken = 'xapp-1-A0EMU00001-1234-abcdef';
    const socket = await startSocketModeServer({ appToken, forwardTo: slack.url });
    try {
      const env = { SLACK_BOT_TOKEN: botToken, SLACK_APP_TOKEN: appToken, SLACK_API_URL: socket.apiUrl };
      const good = await doctor(doctorConfig(CHANNEL), env);
      const slackChecks = good.report.checks.filter((c) => c.id.startsWith('slack.'));
      expect(slackChecks.map((c) => [c.id, c.status])).toEqual([
        ['slack.settings', 'pass'],
        ['slack.token', 'pass'],
        ['slack.scopes', 'pass'],
        ['slack.channel', 'pass'],
        ['slack.socket', 'pass'],
      ]);
      const bad = await doctor(doctorConfig(CHANNEL), {
        ...env,
        SLACK_APP_TOKEN: 'xapp-1-A0EMU00001-9999-revoked',
      });
      expect(bad.report.checks.find((c) => c.id === 'slack.socket')).toMatchObject({
        status: 'fail',
        message: 'Socket Mode could not open a connection (invalid_auth).',
      });
      expect(JSON.stringify(bad.report)).not.toContain('xapp-');
    } finally {
      await socket.close();
    }
  });
});
