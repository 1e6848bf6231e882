import {
  ConfigServiceClient,
  DescribeConfigRuleEvaluationStatusCommand,
  DescribeConfigRulesCommand,
  DescribeConfigurationRecorderStatusCommand,
} from '@aws-sdk/client-config-service';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import {
  DescribeHubCommand,
  GetEnabledStandardsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import pLimit from 'p-limit';
import type { AccountSetupProbe, AwsSetupProbe, SimulatedDecision } from '../doctor/ports.ts';
import { principalOf } from '../doctor/principal.ts';
import type { AccountRef } from '../engine/ports.ts';
import { AppError } from '../errors.ts';
import { chunk, ruleNamesPerCall } from './config-rules.ts';
import { createRoleCredentials } from './credentials.ts';
import { type AwsCaller, awsCall, createAwsCaller } from './errors.ts';

export interface SetupProbeOptions {
  maxAttempts?: number;
  /** AWS calls in flight at once, as for every other AWS work of the bot. */
  concurrency?: number;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** The session name doctor's role sessions carry, so CloudTrail shows what the calls were for. */
const requester = 'doctor';

/**
 * Short-lived clients for `fsbp doctor`: it runs rarely, so it builds its own per account and Region and
 * closes them after, under the same bound on calls in flight as the rest of the bot.
 */
export function createAwsSetupProbe(options: SetupProbeOptions = {}): AwsSetupProbe {
  const maxAttempts = options.maxAttempts ?? 3;
  const base = options.credentials ? { credentials: options.credentials } : {};
  const call = createAwsCaller(pLimit(options.concurrency ?? 8));
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(client: T) => {
    clients.push(client);
    return client;
  };
  const sts = (region: string) => track(new STSClient({ region, maxAttempts, ...base }));
  const roles = createRoleCredentials({ stsClient: sts });

  async function whoAmI(region: string) {
    const identity = await awsCall({ operation: 'GetCallerIdentity', accountId: 'self', region }, () =>
      sts(region).send(new GetCallerIdentityCommand({})),
    );
    if (!identity.Account || !identity.Arn)
      throw new AppError('aws_credentials', 'GetCallerIdentity returned no identity');
    return { account: identity.Account, arn: identity.Arn };
  }

  return {
    whoAmI,
    async open(account: AccountRef, region: string): Promise<AccountSetupProbe> {
      const { roleArn } = account;
      let credentials = base;
      let principalArn: string;
      if (roleArn) {
        const fixed = await roles.get({ ...account, roleArn }, region, requester);
        credentials = { credentials: fixed };
        principalArn = roleArn;
      } else {
        principalArn = principalOf((await whoAmI(region)).arn);
      }
      const settings = { region, maxAttempts, ...credentials };
      return accountProbe(account.id, region, principalArn, call, {
        config: track(new ConfigServiceClient(settings)),
        securityHub: track(new SecurityHubClient(settings)),
        // IAM is global; the SDK signs for its own Region whatever the client's is.
        iam: track(new IAMClient(settings)),
      });
    },
    close() {
      for (const client of clients.splice(0)) client.destroy();
    },
  };
}

function accountProbe(
  accountId: string,
  region: string,
  principalArn: string,
  call: AwsCaller,
  c: { config: ConfigServiceClient; securityHub: SecurityHubClient; iam: IAMClient },
): AccountSetupProbe {
  const scope = (operation: string) => ({ operation, accountId, region });
  return {
    principalArn,
    async findingFormat() {
      const hub = await call(scope('DescribeHub'), () => c.securityHub.send(new DescribeHubCommand({})));
      const format = hub.ControlFindingGenerator;
      return format === 'SECURITY_CONTROL' || format === 'STANDARD_CONTROL' ? format : null;
    },
    async standards() {
      const out = [];
      let token: string | undefined;
      do {
        const page = await call(scope('GetEnabledStandards'), () =>
          c.securityHub.send(new GetEnabledStandardsCommand({ NextToken: token, MaxResults: 100 })),
        );
        for (const s of page.StandardsSubscriptions ?? []) {
          out.push({
            standardsArn: s.StandardsArn ?? '',
            status: s.StandardsStatus ?? 'UNKNOWN',
            reason: s.StandardsStatusReason?.StatusReasonCode ?? null,
          });
        }
        token = page.NextToken || undefined;
      } while (token);
      return out;
    },
    async recorders() {
      const out = await call(scope('DescribeConfigurationRecorderStatus'), () =>
        c.config.send(new DescribeConfigurationRecorderStatusCommand({})),
      );
      return (out.ConfigurationRecordersStatus ?? []).map((r) => ({
        name: r.name ?? 'default',
        recording: r.recording === true,
        lastStatus: r.lastStatus ?? null,
      }));
    },
    async securityHubRules() {
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await call(scope('DescribeConfigRules'), () =>
          c.config.send(new DescribeConfigRulesCommand({ NextToken: token })),
        );
        for (const rule of page.ConfigRules ?? []) {
          if (rule.ConfigRuleName?.startsWith('securityhub-')) names.push(rule.ConfigRuleName);
        }
        token = page.NextToken || undefined;
      } while (token);
      return names;
    },
    async readFindings() {
      await call(scope('GetFindings'), () => c.securityHub.send(new GetFindingsCommand({ MaxResults: 1 })));
    },
    async readRuleStatus(ruleNames) {
      const first = chunk(ruleNames, ruleNamesPerCall)[0] ?? [];
      await call(scope('DescribeConfigRuleEvaluationStatus'), () =>
        c.config.send(
          new DescribeConfigRuleEvaluationStatusCommand({ ConfigRuleNames: first.slice(0, 1), Limit: 1 }),
        ),
      );
    },
    async simulate(actions, context) {
      const out = await call(scope('SimulatePrincipalPolicy'), () =>
        c.iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: principalArn,
            ActionNames: [...actions],
            ContextEntries: Object.entries(context).map(([ContextKeyName, ContextKeyValues]) => ({
              ContextKeyName,
              ContextKeyValues,
              ContextKeyType: 'stringList',
            })),
          }),
        ),
      );
      const decisions: Record<string, SimulatedDecision> = {};
      for (const r of out.EvaluationResults ?? []) {
        if (!r.EvalActionName) continue;
        const d = r.EvalDecision;
        decisions[r.EvalActionName] = d === 'allowed' || d === 'explicitDeny' ? d : 'implicitDeny';
      }
      return decisions;
    },
  };
}
