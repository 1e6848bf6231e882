// Controls as the account has them, end to end over the emulators: AWS's list of controls (one the
// catalog lacks, one AWS dropped), a control disabled in one account, and custom parameters.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/catalog/sync.ts';
import type { CheckReport } from '../../src/engine/types.ts';
import type { EmulatorState } from '../emulator/aws/state.ts';
import type { StoredMessage } from '../emulator/slack/server.ts';
import { buildState } from '../helpers/aws-state.ts';
import { eventually, type Harness, startHarness } from '../helpers/bot.ts';
import { runWithConfig } from '../helpers/cli.ts';

const PROD = '111111111111';
const STAGING = '222222222222';
const TOKYO = 'ap-northeast-1';
const CHANNEL = 'C0123456789';
/** Said by whoever disabled the control: user text, with Slack markup in it. */
const REASON = 'Covered by <!channel> & *Firewall Manager*';
/** A control AWS lists that the catalog lacks, with AWS's own text. */
const AWS_ONLY = {
  SecurityControlId: 'S3.99',
  Title: 'S3 general purpose buckets should <b>not</b> allow & share everything',
  Description: 'This control checks whether an S3 bucket shares too much. It is AWS text: <@U0EN00001>.',
  RemediationUrl: 'https://docs.aws.amazon.com/console/securityhub/S3.99/remediation',
  SeverityRating: 'HIGH' as const,
  CurrentRegionAvailability: 'AVAILABLE' as const,
  CustomizableProperties: [],
};
/** A catalog control AWS no longer lists. */
const DROPPED = 'S3.13';

const role = (account: string) => `arn:aws:iam::${account}:role/FsbpBotRole`;
const config = {
  defaultLanguage: 'both',
  accounts: [
    { id: PROD, name: 'prod', roleArn: role(PROD), externalId: 'ext-123', regions: [TOKYO] },
    { id: STAGING, name: 'staging', roleArn: role(STAGING), regions: [TOKYO] },
  ],
  channels: [{ id: CHANNEL, accounts: ['prod', 'staging'], digest: { language: 'both' } }],
  check: { reevaluateAfter: 0 },
  digest: { nowCooldownMinutes: 0, managers: { allowedUsers: ['U0EN00001'] } },
};

/** A consolidated FAILED finding of the control the catalog lacks, as Security Hub would write it. */
function awsOnlyFinding(account: string) {
  const at = '2026-11-01T00:00:00.000Z';
  return {
    SchemaVersion: '2018-10-08',
    Id: `arn:aws:securityhub:${TOKYO}:${account}:security-control/S3.99/finding/5f0c9a52-0000-4000-8000-000000000099`,
    ProductArn: `arn:aws:securityhub:${TOKYO}::product/aws/securityhub`,
    GeneratorId: 'security-control/S3.99',
    AwsAccountId: account,
    Region: TOKYO,
    Types: ['Software and Configuration Checks/Industry and Regulatory Standards'],
    CreatedAt: at,
    UpdatedAt: at,
    FirstObservedAt: at,
    Severity: { Label: 'HIGH', Original: 'HIGH' },
    Title: AWS_ONLY.Title,
    Description: AWS_ONLY.Description,
    Resources: [{ Type: 'AwsS3Bucket', Id: 'arn:aws:s3:::prod-shared', Partition: 'aws', Region: TOKYO }],
    Compliance: { Status: 'FAILED', SecurityControlId: 'S3.99' },
    Workflow: { Status: 'NEW' },
    RecordState: 'ACTIVE',
  };
}

function state(): EmulatorState {
  const built = buildState([
    {
      id: PROD,
      role: { name: 'FsbpBotRole', externalId: 'ext-123' },
      regions: {
        [TOKYO]: {
          controls: {
            'EC2.19': [{ id: 'sg-prod', compliance: 'NON_COMPLIANT' }],
            'S3.8': [{ id: 'prod-assets', compliance: 'NON_COMPLIANT' }],
          },
        },
      },
    },
    {
      id: STAGING,
      role: { name: 'FsbpBotRole' },
      regions: { [TOKYO]: { controls: { 'EC2.19': [{ id: 'sg-staging', compliance: 'NON_COMPLIANT' }] } } },
    },
  ]);
  const prod = built.accounts?.[PROD]?.regions?.[TOKYO];
  if (!prod) throw new Error('no prod Region');
  prod.findings = [...(prod.findings ?? []), awsOnlyFinding(PROD)];
  prod.standardsControlAssociations = [
    {
      StandardsArn: `arn:aws:securityhub:${TOKYO}::standards/aws-foundational-security-best-practices/v/1.0.0`,
      SecurityControlId: 'EC2.19',
      AssociationStatus: 'DISABLED',
      UpdatedAt: '2026-10-01T00:00:00.000Z',
      UpdatedReason: REASON,
    },
  ];
  prod.securityControls = {
    'S3.8': {
      Parameters: {
        excludedPublicBuckets: { ValueType: 'CUSTOM', Value: { StringList: ['prod-site', 'prod-www'] } },
      },
      LastUpdateReason: 'Public website buckets',
    },
  };
  return {
    ...built,
    startEvaluationMinIntervalMs: 0,
    controlDefinitions: { add: [AWS_ONLY], remove: [DROPPED] },
  };
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ state: state(), config });
});
afterAll(() => h.stop());
beforeEach(() => {
  h.aws.setState(state());
  h.aws.resetCalls();
  h.slack.clearCalls();
});

const cli = (...argv: string[]) => runWithConfig(config, argv);
const calls = (operation: string) => h.aws.calls().filter((c) => c.operation === operation);

/** What the asker was answered (through response_url) to a slash command. */
async function slashAnswer(text: string): Promise<string> {
  const reply = await h.slash(text, { user: 'U0EN00001' });
  expect(reply.status).toBe(200);
  await eventually(() => h.slack.responses(reply.responseUrl).at(-1), 30_000);
  return JSON.stringify(h.slack.responses(reply.responseUrl));
}

/** The channel's messages, as their blocks' JSON. */
const channelBlocks = () => h.slack.messages(CHANNEL).map((m: StoredMessage) => JSON.stringify(m.blocks));

describe('controls --sync', () => {
  it('reports the control AWS lists that the catalog lacks and the catalog control AWS dropped', async () => {
    const run = await cli('controls', '--sync', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as SyncReport;
    expect(report.source).toEqual({ accountId: PROD, region: TOKYO });
    expect(report.awsOnly).toEqual([
      { id: 'S3.99', title: AWS_ONLY.Title, severity: 'HIGH', remediationUrl: AWS_ONLY.RemediationUrl },
    ]);
    expect(report.retired).toEqual([{ id: DROPPED, title: expect.any(String) }]);
    expect(calls('ListSecurityControlDefinitions').every((c) => c.accountId === PROD)).toBe(true);
    expect(calls('ListSecurityControlDefinitions').length).toBe(Math.ceil(report.listed / 100));
  });
});

describe('a control outside the catalog', () => {
  it('explain shows AWS’s title, description and remediation page, both guides and the not-translated line', async () => {
    const run = await cli('explain', 'S3.99', '--lang', 'both');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`S3.99 ${AWS_ONLY.Title}`);
    expect(run.stdout).toContain(AWS_ONLY.Description);
    expect(run.stdout).toContain(AWS_ONLY.RemediationUrl);
    expect(run.stdout).toContain(
      'このコントロールの日本語の説明はまだ書かれていません。以下は AWS の英語の説明です。',
    );
    expect(run.stdout).toContain(
      'https://docs.aws.amazon.com/ja_jp/securityhub/latest/userguide/s3-controls.html#s3-99',
    );
    expect(run.stdout).toContain(
      'https://docs.aws.amazon.com/securityhub/latest/userguide/s3-controls.html#s3-99',
    );
  });

  it('explain marks the control AWS dropped as retired, from the copy the store keeps', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'fsbp-controls-')), 'fsbp.db');
    expect((await runWithConfig(config, ['controls', '--sync'], { FSBP_STORE: store })).code).toBe(0);
    h.aws.resetCalls();
    const run = await runWithConfig(config, ['explain', DROPPED, '--lang', 'en'], { FSBP_STORE: store });
    expect(h.aws.calls()).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('This control is retired');
    expect(run.stdout).toContain("AWS's list of FSBP controls no longer holds it");
  });

  it('check reports it with AWS’s title, and the digest reply carries AWS’s text, escaped', async () => {
    const run = await cli('check', 's3.99', '--account', 'prod', '--json');
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.results[0]?.controls.map((c) => [c.controlId, c.status])).toEqual([['S3.99', 'FAILED']]);
    const text = await cli('check', 's3.99', '--account', 'prod', '--lang', 'en');
    expect(text.stdout).toContain(AWS_ONLY.Title);

    await slashAnswer('digest now');
    const reply = channelBlocks().find((b) => b.includes('S3.99'));
    expect(reply).toBeDefined();
    expect(reply).toContain(
      'S3 general purpose buckets should &lt;b&gt;not&lt;/b&gt; allow &amp; share everything',
    );
    expect(reply).toContain('&lt;@U0EN00001&gt;');
    expect(reply).toContain('このコントロールの日本語の説明はまだ書かれていません。');
    expect(reply).toContain(`<${AWS_ONLY.RemediationUrl}|`);
    expect(reply).toContain('ja_jp/securityhub/latest/userguide/s3-controls.html#s3-99');
  });
});

describe('a control disabled in one account', () => {
  it('is neither re-evaluated nor reported there, and check says why', async () => {
    const run = await cli('check', 'EC2.19', '--json');
    const report = JSON.parse(run.stdout) as CheckReport;
    const prod = report.results.find((r) => r.accountId === PROD);
    const staging = report.results.find((r) => r.accountId === STAGING);
    expect(prod?.controls).toEqual([]);
    expect(prod?.disabled).toEqual([{ controlId: 'EC2.19', reason: REASON }]);
    expect(staging?.controls.map((c) => [c.controlId, c.status])).toEqual([['EC2.19', 'FAILED']]);
    // Started in staging only; prod's rule is not touched.
    const started = calls('StartConfigRulesEvaluation');
    expect(started.map((c) => c.accountId)).toEqual([STAGING]);
    expect(calls('GetComplianceDetailsByConfigRule').map((c) => c.accountId)).toEqual([STAGING]);

    const text = await cli('check', 'EC2.19', '--account', 'prod', '--lang', 'en');
    expect(text.stdout).toContain(`EC2.19: disabled in prod (${PROD}) ${TOKYO}: ${REASON}`);
    expect(text.code).toBe(0);
  });

  it('is still found disabled through DescribeStandardsControls when the association API fails', async () => {
    h.aws.setFaults({ errorRate: 1, operations: ['BatchGetStandardsControlAssociations'] });
    try {
      const run = await runWithConfig(config, ['check', 'EC2.19', '--account', 'prod', '--json'], {
        FSBP_AWS_MAX_ATTEMPTS: '1',
      });
      const report = JSON.parse(run.stdout) as CheckReport;
      expect(report.results[0]?.disabled).toEqual([{ controlId: 'EC2.19', reason: REASON }]);
      expect(calls('DescribeStandardsControls').length).toBeGreaterThan(0);
      expect(calls('StartConfigRulesEvaluation')).toEqual([]);
    } finally {
      h.aws.setFaults({});
    }
  });

  it('the digest leaves its findings out there and reports them where it is enabled; Slack shows the reason escaped', async () => {
    await slashAnswer('digest now');
    const replies = channelBlocks();
    expect(replies.some((b) => b.includes('sg-staging'))).toBe(true);
    expect(replies.some((b) => b.includes('sg-prod'))).toBe(false);
    expect(replies.some((b) => b.includes('prod-assets'))).toBe(true);

    await h.slash('check EC2.19 --account prod', { user: 'U0EN00001' });
    const result = await eventually(
      () => channelBlocks().find((b) => b.includes('Check: EC2.19') && b.includes('disabled in')),
      30_000,
    );
    expect(result).toContain(
      'EC2.19: disabled in prod (111111111111) ap-northeast-1: Covered by &lt;!channel&gt; &amp; *Firewall Manager*',
    );
    expect(result).not.toContain('<!channel>');
    expect(calls('StartConfigRulesEvaluation')).toEqual([]);
  });
});

describe('custom parameters', () => {
  it('explain --account shows the values in force and whether they are custom, per account', async () => {
    const run = await cli('explain', 'S3.8', '--account', 'prod', '--account', 'staging', '--lang', 'en');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Enabled in prod (${PROD}) ${TOKYO}.`);
    expect(run.stdout).toContain('excludedPublicBuckets = prod-site, prod-www (custom)');
    expect(run.stdout).toContain('Last change: Public website buckets');
    expect(run.stdout).toContain(`Enabled in staging (${STAGING}) ${TOKYO}.`);
    expect(run.stdout).toContain('excludedPublicBuckets = (no value) (default)');
    const json = JSON.parse((await cli('explain', 'EC2.19', '--account', 'prod', '--json')).stdout) as {
      inAccounts: { enabled: boolean; reason: string }[];
    };
    expect(json.inAccounts.map((a) => [a.enabled, a.reason])).toEqual([[false, REASON]]);
  });

  it('refuses an account of another channel in Slack like one that does not exist', async () => {
    const text = await slashAnswer('explain S3.8 --account 333333333333');
    expect(text).toContain('333333333333');
    expect(text).toContain('prod, staging');
    expect(calls('BatchGetSecurityControls')).toEqual([]);
  });
});
