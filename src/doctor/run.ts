import type { Catalog } from '../catalog/catalog.ts';
import { definitionsAccount } from '../catalog/sync.ts';
import { findChannel } from '../config/load.ts';
import type { ChannelConfig, Config } from '../config/schema.ts';
import type { AccountRef } from '../engine/ports.ts';
import { asAppError } from '../errors.ts';
import { type AccountView, buildAccountView, type OrganizationView } from '../organization/view.ts';
import { accountReads, definitionsRead, type Permissions, permissionChecks } from './permissions.ts';
import type {
  AccountSetupProbe,
  AwsSetupProbe,
  SlackIdentity,
  SlackSettings,
  SlackSetupProbe,
} from './ports.ts';
import { SlackProbeError } from './ports.ts';
import { principalOf } from './principal.ts';
import { awsProblem, type CheckScope, type DoctorCheck, pass, problem } from './report.ts';

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
  const org = view.organization;
  const [administrator, ...perAccount] = await Promise.all([
    org ? administratorChecks(input, org, view, identity.principal) : Promise.resolve([]),
    ...accounts.map((account) =>
      accountChecks(input, account, identity.principal, permissionsFor(input.config, org, account)),
    ),
  ]);
  return [
    ...slack,
    identity.check,
    ...(discovery ? [discovery] : []),
    ...administrator,
    ...perAccount.flat(),
  ];
}

/**
 * What an account's role is simulated for, by Region. Per-account mode: the suppression write
 * everywhere, the control reads once (IAM is global), and AWS's list of controls where it is read.
 * Organization mode: the control reads only; suppressions and the list go through the administrator.
 */
function permissionsFor(config: Config, org: OrganizationView | null, account: AccountRef) {
  const list = org ? null : definitionsAccount(config);
  return (region: string, first: boolean): Permissions => {
    const definitions = list?.account.id === account.id && list.region === region;
    return {
      write: !org,
      reads: [...(first ? accountReads : []), ...(definitions ? [definitionsRead] : [])],
    };
  };
}

/**
 * Organization mode: the administrator's own role in the home Region, which every suppression and
 * AWS's list of controls go through (the findings reads are proven by discovery and the digest).
 */
async function administratorChecks(
  input: DoctorInput,
  org: OrganizationView,
  view: AccountView,
  botPrincipal: string | null,
): Promise<DoctorCheck[]> {
  const admin = org.adminAccount;
  const name = view.find(admin.id)?.name;
  const label = name ? `${name} (${admin.id})` : admin.id;
  const scope: CheckScope = { account: label, region: org.homeRegion, as: 'administrator' };
  let probe: AccountSetupProbe;
  try {
    probe = await input.aws.open(admin, org.homeRegion);
  } catch (error) {
    const role: CheckScope = { account: label, as: 'administrator' };
    return [openProblem(input, admin, botPrincipal, error, { role, region: scope })];
  }
  return [
    ...(admin.roleArn ? [pass('aws.role', { account: label, as: 'administrator' }, 'ok')] : []),
    ...(await permissionChecks(probe, scope, { write: true, reads: [definitionsRead] })),
  ];
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

/**
 * Opening an account failed: a refused role is the trust statement to add (scoped to the role), any
 * other error is told where it happened (the Region).
 */
function openProblem(
  input: DoctorInput,
  account: AccountRef,
  botPrincipal: string | null,
  error: unknown,
  scopes: { role: CheckScope; region: CheckScope },
): DoctorCheck {
  const e = asAppError(error);
  if (e.code !== 'aws_assume_role_failed') return awsProblem('aws.region', scopes.region, e);
  const principal = input.revealPrincipal && botPrincipal ? botPrincipal : '<bot principal ARN>';
  return problem(
    'fail',
    'aws.role',
    scopes.role,
    'refused',
    { role: account.roleArn ?? '' },
    trustStatement(principal, account),
  );
}

async function accountChecks(
  input: DoctorInput,
  account: AccountRef & { regions: readonly string[] },
  botPrincipal: string | null,
  need: (region: string, first: boolean) => Permissions,
) {
  const label = account.name ? `${account.name} (${account.id})` : account.id;
  const [first, ...rest] = account.regions;
  if (!first) return [];
  let opened: AccountSetupProbe;
  try {
    opened = await input.aws.open(account, first);
  } catch (error) {
    const scopes = { role: { account: label }, region: { account: label, region: first } };
    return [openProblem(input, account, botPrincipal, error, scopes)];
  }
  const checks: DoctorCheck[] = account.roleArn ? [pass('aws.role', { account: label }, 'ok')] : [];
  const regions = await Promise.all([
    regionChecks(opened, { account: label, region: first }, need(first, true)),
    ...rest.map(async (region) => {
      const scope = { account: label, region };
      try {
        return await regionChecks(await input.aws.open(account, region), scope, need(region, false));
      } catch (error) {
        return [awsProblem('aws.region', scope, error)];
      }
    }),
  ]);
  return [...checks, ...regions.flat()];
}

async function regionChecks(
  probe: AccountSetupProbe,
  scope: CheckScope,
  need: Permissions,
): Promise<DoctorCheck[]> {
  const [hub, recorder, rules, permissions] = await Promise.all([
    hubChecks(probe, scope),
    recorderCheck(probe, scope),
    ruleChecks(probe, scope),
    permissionChecks(probe, scope, need),
  ]);
  return [...hub, recorder, ...rules, ...permissions];
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

function trustStatement(principal: string, account: AccountRef): string {
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
