import type { Catalog } from '../catalog/catalog.ts';
import { findChannel } from '../config/load.ts';
import type { AccountConfig, ChannelConfig, Config } from '../config/schema.ts';
import { type AppError, asAppError } from '../errors.ts';
import { type AccountView, buildAccountView } from '../organization/view.ts';
import type {
  AccountSetupProbe,
  AwsSetupProbe,
  SlackIdentity,
  SlackSettings,
  SlackSetupProbe,
} from './ports.ts';
import { SlackProbeError } from './ports.ts';
import { principalOf } from './principal.ts';
import { type CheckScope, type DoctorCheck, pass, problem } from './report.ts';

export interface DoctorInput {
  config: Config;
  /**
   * The accounts as the directory has them (organization mode: discovered, which may fail: doctor
   * then reports why and checks the accounts the config lists).
   */
  accounts: () => Promise<AccountView>;
  catalog: Catalog;
  aws: AwsSetupProbe;
  /** Slack's side; left out when no bot token is set (a terminal run without Slack). */
  slack?: { probe: SlackSetupProbe; settings: SlackSettings; socketMode: boolean } | undefined;
  /** Slack: only the asking channel and its accounts (none if it is not configured); the terminal checks all. */
  channelId?: string | undefined;
  /** The Region to ask STS who the bot is. */
  homeRegion: string;
  /** The terminal shows the bot's own ARN in the trust policy to add; Slack shows a placeholder. */
  revealPrincipal: boolean;
}

const FSBP_STANDARD = 'standards/aws-foundational-security-best-practices/v/1.0.0';

/** Scopes the bot cannot work without; `usergroups:read` only when the config names user groups. */
function requiredScopes(config: Config): string[] {
  const scopes = ['commands', 'chat:write', 'users:read'];
  if (config.suppression.allowedUserGroups.length > 0) scopes.push('usergroups:read');
  return scopes;
}

/** Scopes that make things work better; missing ones are warnings. */
const helpfulScopes = ['chat:write.public', 'channels:read', 'groups:read'];

/** Every check, run in parallel (the AWS probe bounds the calls in flight); lines in a stable order. */
export async function runDoctor(input: DoctorInput): Promise<DoctorCheck[]> {
  const asked = input.channelId === undefined ? undefined : findChannel(input.config, input.channelId);
  const channels = input.channelId === undefined ? input.config.channels : asked ? [asked] : [];
  const { view, check: discovery } = await discoveryCheck(input);
  const accounts = input.channelId === undefined ? view.all() : asked ? view.forChannel(asked) : [];
  const [slack, identity] = await Promise.all([slackChecks(input, channels), identityCheck(input)]);
  const perAccount = await Promise.all(
    accounts.map((account) => accountChecks(input, account, identity.principal)),
  );
  return [...slack, identity.check, ...(discovery ? [discovery] : []), ...perAccount.flat()];
}

/**
 * Organization mode: whether the organization's accounts could be discovered. The terminal also
 * sees how many and where; Slack only a failure (the organization's size is no channel's business).
 */
async function discoveryCheck(input: DoctorInput): Promise<{ view: AccountView; check: DoctorCheck | null }> {
  try {
    const view = await input.accounts();
    const org = view.organization;
    if (!org || input.channelId !== undefined) return { view, check: null };
    return {
      view,
      check: pass('aws.discovery', {}, org.source, {
        count: view.all().length,
        at: org.discoveredAt ?? '-',
        regions: org.regions.join(', '),
      }),
    };
  } catch (error) {
    const check =
      asAppError(error).code === 'aws_organizations_not_in_use'
        ? problem('fail', 'aws.discovery', {}, 'notInUse')
        : awsProblem('aws.discovery', {}, error);
    return { view: buildAccountView(input.config, null), check };
  }
}

async function slackChecks(input: DoctorInput, channels: readonly ChannelConfig[]): Promise<DoctorCheck[]> {
  const slack = input.slack;
  if (!slack) return [problem('warn', 'slack.token', {}, 'notSet')];
  const checks: DoctorCheck[] = [settingsCheck(slack.settings, slack.socketMode)];
  let identity: SlackIdentity;
  try {
    identity = await slack.probe.identify();
  } catch (error) {
    checks.push(problem('fail', 'slack.token', {}, 'refused', { error: slackError(error) }));
    return checks;
  }
  checks.push(pass('slack.token', {}, 'ok', { team: identity.team }));
  const granted = new Set(identity.scopes);
  const missing = requiredScopes(input.config).filter((s) => !granted.has(s));
  const missingHelpful = helpfulScopes.filter((s) => !granted.has(s));
  if (missing.length > 0) {
    checks.push(problem('fail', 'slack.scopes', {}, 'missing', { scopes: missing.join(', ') }));
  } else if (missingHelpful.length > 0) {
    checks.push(problem('warn', 'slack.scopes', {}, 'missingHelpful', { scopes: missingHelpful.join(', ') }));
  } else {
    checks.push(pass('slack.scopes', {}, 'ok'));
  }
  const channelResults = await Promise.all(channels.map((c) => channelCheck(slack.probe, c.id, granted)));
  checks.push(...channelResults);
  if (slack.socketMode && slack.settings.appToken) {
    checks.push(
      await slack.probe.openSocket().then(
        () => pass('slack.socket', {}, 'ok'),
        (error: unknown) => problem('fail', 'slack.socket', {}, 'refused', { error: slackError(error) }),
      ),
    );
  }
  return checks;
}

function settingsCheck(settings: SlackSettings, socketMode: boolean): DoctorCheck {
  const needed = socketMode
    ? { SLACK_BOT_TOKEN: settings.botToken, SLACK_APP_TOKEN: settings.appToken }
    : { SLACK_BOT_TOKEN: settings.botToken, SLACK_SIGNING_SECRET: settings.signingSecret };
  const absent = Object.entries(needed)
    .filter(([, present]) => !present)
    .map(([name]) => name);
  const mode = socketMode ? 'Socket Mode' : 'HTTP';
  if (absent.length > 0)
    return problem('fail', 'slack.settings', {}, 'missing', { mode, variables: absent.join(', ') });
  return pass('slack.settings', {}, 'ok', { mode });
}

async function channelCheck(probe: SlackSetupProbe, id: string, granted: Set<string>): Promise<DoctorCheck> {
  const scope = { channel: id };
  const access = await probe
    .channel(id)
    .catch((error: unknown) => ({ found: false as const, error: slackError(error) }));
  if (!access.found) {
    if (access.error === 'missing_scope') return problem('warn', 'slack.channel', scope, 'unverified');
    // A private channel the bot is not in looks like no channel at all.
    return problem('fail', 'slack.channel', scope, 'notFound', { error: access.error });
  }
  if (access.archived) return problem('fail', 'slack.channel', scope, 'archived');
  if (access.member) return pass('slack.channel', scope, 'member');
  if (!access.private && granted.has('chat:write.public')) return pass('slack.channel', scope, 'public');
  return problem('fail', 'slack.channel', scope, 'notMember');
}

function slackError(error: unknown): string {
  return error instanceof SlackProbeError ? error.slackError : 'request_failed';
}

async function identityCheck(input: DoctorInput): Promise<{ check: DoctorCheck; principal: string | null }> {
  try {
    const me = await input.aws.whoAmI(input.homeRegion);
    const principal = principalOf(me.arn);
    return {
      check: pass('aws.identity', {}, 'ok', {
        account: me.account,
        arn: input.revealPrincipal ? me.arn : '-',
      }),
      principal,
    };
  } catch (error) {
    return { check: awsProblem('aws.identity', {}, error), principal: null };
  }
}

async function accountChecks(input: DoctorInput, account: AccountConfig, botPrincipal: string | null) {
  const label = account.name ? `${account.name} (${account.id})` : account.id;
  const checks: DoctorCheck[] = [];
  const [first, ...rest] = account.regions;
  if (!first) return checks;
  let opened: AccountSetupProbe;
  try {
    opened = await input.aws.open(account, first);
  } catch (error) {
    const e = asAppError(error);
    if (e.code === 'aws_assume_role_failed') {
      const principal = input.revealPrincipal && botPrincipal ? botPrincipal : '<bot principal ARN>';
      checks.push(
        problem(
          'fail',
          'aws.role',
          { account: label },
          'refused',
          { role: account.roleArn ?? '' },
          trustStatement(principal, account),
        ),
      );
      return checks;
    }
    checks.push(awsProblem('aws.region', { account: label, region: first }, e));
    return checks;
  }
  if (account.roleArn) checks.push(pass('aws.role', { account: label }, 'ok'));
  const regions = await Promise.all([
    regionChecks(opened, { account: label, region: first }),
    ...rest.map(async (region) => {
      const scope = { account: label, region };
      try {
        return await regionChecks(await input.aws.open(account, region), scope);
      } catch (error) {
        return [awsProblem('aws.region', scope, error)];
      }
    }),
  ]);
  return [...checks, ...regions.flat()];
}

async function regionChecks(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck[]> {
  const [hub, recorder, rules, write] = await Promise.all([
    hubChecks(probe, scope),
    recorderCheck(probe, scope),
    ruleChecks(probe, scope),
    writeCheck(probe, scope),
  ]);
  return [...hub, recorder, ...rules, write];
}

/** Security Hub, the FSBP subscription and the findings read; the last two only when the hub answers. */
async function hubChecks(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck[]> {
  let format: Awaited<ReturnType<AccountSetupProbe['findingFormat']>>;
  try {
    format = await probe.findingFormat();
  } catch (error) {
    const e = asAppError(error);
    if (e.code === 'aws_not_subscribed') return [problem('fail', 'aws.securityHub', scope, 'notEnabled')];
    return [awsProblem('aws.securityHub', scope, e)];
  }
  const consolidated = format !== 'STANDARD_CONTROL';
  const checks = [pass('aws.securityHub', scope, consolidated ? 'consolidated' : 'standardSpecific')];
  checks.push(await standardCheck(probe, scope));
  checks.push(
    await probe.readFindings().then(
      () => pass('aws.findings', scope, 'ok'),
      (error: unknown) => awsProblem('aws.findings', scope, error),
    ),
  );
  return checks;
}

async function standardCheck(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck> {
  try {
    const fsbp = (await probe.standards()).find((s) => s.standardsArn.includes(FSBP_STANDARD));
    if (!fsbp) return problem('fail', 'aws.standard', scope, 'notSubscribed');
    if (fsbp.status === 'READY') return pass('aws.standard', scope, 'ready');
    if (fsbp.status === 'PENDING') return problem('warn', 'aws.standard', scope, 'pending');
    return problem('fail', 'aws.standard', scope, 'notReady', {
      status: fsbp.status,
      reason: fsbp.reason ?? '-',
    });
  } catch (error) {
    return awsProblem('aws.standard', scope, error);
  }
}

async function recorderCheck(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck> {
  try {
    const recorders = await probe.recorders();
    if (recorders.length === 0) return problem('fail', 'aws.recorder', scope, 'none');
    if (recorders.some((r) => r.recording)) return pass('aws.recorder', scope, 'recording');
    return problem('fail', 'aws.recorder', scope, 'stopped', { name: recorders[0]?.name ?? 'default' });
  } catch (error) {
    return awsProblem('aws.recorder', scope, error);
  }
}

/**
 * Security Hub's Config rules (it creates one per enabled control that has one; FSBP has well over a
 * hundred), and a read of their evaluation status. A handful means Config or the standard is half set up.
 */
const fewRules = 10;

async function ruleChecks(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck[]> {
  let rules: string[];
  try {
    rules = await probe.securityHubRules();
  } catch (error) {
    return [awsProblem('aws.rules', scope, error)];
  }
  const count = rules.length;
  if (count === 0) return [problem('fail', 'aws.rules', scope, 'none')];
  const counted =
    count < fewRules
      ? problem('warn', 'aws.rules', scope, 'few', { count })
      : pass('aws.rules', scope, 'ok', { count });
  const read = await probe.readRuleStatus(rules).then(
    () => pass('aws.ruleStatus', scope, 'ok'),
    (error: unknown) => awsProblem('aws.ruleStatus', scope, error),
  );
  return [counted, read];
}

const suppressContext = { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['SUPPRESSED'] };

async function writeCheck(probe: AccountSetupProbe, scope: CheckScope): Promise<DoctorCheck> {
  try {
    const decisions = await probe.simulate(['securityhub:BatchUpdateFindings'], suppressContext);
    const decision = decisions['securityhub:BatchUpdateFindings'] ?? 'implicitDeny';
    if (decision === 'allowed') return pass('aws.suppressWrite', scope, 'allowed');
    return problem('fail', 'aws.suppressWrite', scope, decision, {}, suppressStatement);
  } catch (error) {
    const e = asAppError(error);
    // Not being allowed to simulate says nothing about the write itself.
    if (e.code === 'aws_access_denied') return problem('warn', 'aws.suppressWrite', scope, 'unchecked');
    return awsProblem('aws.suppressWrite', scope, e);
  }
}

/** An AWS refusal as a line: the refused IAM action when AWS named one, else the kind of error. */
function awsProblem(id: string, scope: CheckScope, error: unknown): DoctorCheck {
  const e: AppError = asAppError(error);
  if (e.code === 'aws_access_denied')
    return problem('fail', id, scope, 'denied', { action: String(e.params.action ?? '') });
  if (e.code === 'aws_region_disabled') return problem('fail', id, scope, 'regionDisabled');
  if (e.code === 'aws_credentials') return problem('fail', id, scope, 'credentials');
  return problem('fail', id, scope, 'unavailable', { code: e.code });
}

function trustStatement(principal: string, account: AccountConfig): string {
  const statement = {
    Effect: 'Allow',
    Principal: { AWS: principal },
    Action: 'sts:AssumeRole',
    ...(account.externalId
      ? { Condition: { StringEquals: { 'sts:ExternalId': '<externalId from your config>' } } }
      : {}),
  };
  return JSON.stringify(statement);
}

const suppressStatement = JSON.stringify({
  Sid: 'SuppressAndLift',
  Effect: 'Allow',
  Action: 'securityhub:BatchUpdateFindings',
  Resource: '*',
});
