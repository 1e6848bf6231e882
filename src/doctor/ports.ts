/**
 * What `fsbp doctor` asks of Slack and AWS, in its own terms. `src/slack` and `src/aws` implement these;
 * every method throws an AppError (`aws_access_denied` with the refused action, `aws_not_subscribed`, ...)
 * when the service says no, and the checks turn that into a line with a fix.
 */
import type { AccountRef } from '../engine/ports.ts';

export interface SlackIdentity {
  team: string;
  botUserId: string;
  /** What the token was granted (Slack's `x-oauth-scopes` header). */
  scopes: string[];
}

export type ChannelAccess =
  | { found: true; member: boolean; private: boolean; archived: boolean }
  | { found: false; error: string };

export interface SlackSetupProbe {
  /** `auth.test`; throws a SlackProbeError with Slack's error code when the token does not work. */
  identify(): Promise<SlackIdentity>;
  channel(id: string): Promise<ChannelAccess>;
  /** Socket Mode: asks for a connection URL with the app token (`apps.connections.open`), opening nothing. */
  openSocket(): Promise<void>;
}

export class SlackProbeError extends Error {
  constructor(readonly slackError: string) {
    super(`Slack answered ${slackError}`);
    this.name = 'SlackProbeError';
  }
}

/** What the environment holds, by presence only: doctor never reads a secret's value into a report. */
export interface SlackSettings {
  botToken: boolean;
  signingSecret: boolean;
  appToken: boolean;
}

export interface StandardSubscription {
  standardsArn: string;
  status: string;
  reason: string | null;
}

export interface RecorderStatus {
  name: string;
  recording: boolean;
  lastStatus: string | null;
}

export type SimulatedDecision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface AccountSetupProbe {
  /** The principal whose permissions the bot uses here: the role, or the bot's own identity. */
  principalArn: string;
  findingFormat(): Promise<'SECURITY_CONTROL' | 'STANDARD_CONTROL' | null>;
  standards(): Promise<StandardSubscription[]>;
  recorders(): Promise<RecorderStatus[]>;
  /** Names of the Config rules Security Hub created (`securityhub-` prefix). */
  securityHubRules(): Promise<string[]>;
  /** One-item GetFindings, to prove the read is allowed. */
  readFindings(): Promise<void>;
  readRuleStatus(ruleNames: readonly string[]): Promise<void>;
  /** iam:SimulatePrincipalPolicy for the principal; throws `aws_access_denied` when that may not be called. */
  simulate(
    actions: readonly string[],
    context: Record<string, string[]>,
  ): Promise<Record<string, SimulatedDecision>>;
}

export interface AwsSetupProbe {
  whoAmI(region: string): Promise<{ account: string; arn: string }>;
  /** Assumes the account's role up front (a refused role throws `aws_assume_role_failed`). */
  open(account: AccountRef, region: string): Promise<AccountSetupProbe>;
  /** Closes the run's clients; a probe serves one doctor run. */
  close(): void;
}
