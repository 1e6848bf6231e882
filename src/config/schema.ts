import { Cron } from 'croner';
import { z } from 'zod';
import { Severity } from '../catalog/schema.ts';

const Language = z.enum(['ja', 'en']);
const LanguagePreference = z.enum(['ja', 'en', 'both']);

export const AccountId = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : 'must be a 12-digit AWS account ID in quotes (YAML reads bare digits as a number)',
  })
  .regex(/^\d{12}$/, 'must be a 12-digit AWS account ID in quotes');
export const Region = z
  .string()
  .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS Region code such as ap-northeast-1');

const RoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN');
const ExternalId = z
  .string()
  .regex(/^[\w+=,.@:/-]{2,1224}$/, 'must be 2-1224 characters of letters, digits and +=,.@:/-');

export const AccountConfig = z
  .strictObject({
    id: AccountId,
    name: z
      .string()
      .regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
      .optional(),
    roleArn: RoleArn.optional(),
    externalId: ExternalId.optional(),
    regions: z.array(Region).min(1, 'must list at least one region'),
  })
  .superRefine((account, ctx) => {
    const roleAccount = account.roleArn?.split(':')[4];
    if (roleAccount && roleAccount !== account.id) {
      ctx.addIssue({
        code: 'custom',
        path: ['roleArn'],
        message: `is in account ${roleAccount}, not ${account.id}`,
      });
    }
    if (account.externalId && !account.roleArn) {
      ctx.addIssue({ code: 'custom', path: ['externalId'], message: 'needs roleArn' });
    }
    if (new Set(account.regions).size !== account.regions.length) {
      ctx.addIssue({ code: 'custom', path: ['regions'], message: 'lists a region twice' });
    }
  });

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

export const DigestConfig = z.strictObject({
  enabled: z.boolean().default(true),
  schedule: z.string().refine(isCron, 'must be a cron expression such as "0 9 * * *"').default('0 9 * * *'),
  timezone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone such as Asia/Tokyo')
    .default('Asia/Tokyo'),
  minSeverity: Severity.default('LOW'),
  language: LanguagePreference.default('both'),
});

const SlaDaysValue = z.number().int().min(1).max(3650);
/** Days a failure may stay open per severity before it is overdue. */
export const SlaConfig = z.strictObject({
  CRITICAL: SlaDaysValue.default(7),
  HIGH: SlaDaysValue.default(30),
  MEDIUM: SlaDaysValue.default(90),
  LOW: SlaDaysValue.default(180),
});

export const HistoryConfig = z.strictObject({
  /** Days of posture history kept (daily counts, resolved failures). */
  retentionDays: z.number().int().min(30).max(3650).default(365),
});

export const ChannelConfig = z.strictObject({
  id: z.string().regex(/^[CGD][A-Z0-9]{8,}$/, 'must be a Slack channel ID such as C0123456789'),
  accounts: z.array(z.string().min(1)).min(1, 'must name at least one account'),
  digest: DigestConfig.prefault({}),
  /** Overrides the top-level SLA for this channel's accounts, severity by severity. */
  sla: SlaConfig.partial().optional(),
});

export const SuppressionConfig = z.strictObject({
  allowedUsers: z.array(z.string().regex(/^[UW][A-Z0-9]{8,}$/, 'must be a Slack user ID')).default([]),
  allowedUserGroups: z
    .array(z.string().regex(/^S[A-Z0-9]{8,}$/, 'must be a Slack user group ID'))
    .default([]),
  maxDays: z.number().int().min(1).max(365).default(90),
  minReasonLength: z.number().int().min(1).max(400).default(10),
});

export const Config = z
  .strictObject({
    defaultLanguage: LanguagePreference.default('ja'),
    accounts: z.array(AccountConfig).min(1, 'must list at least one account'),
    channels: z.array(ChannelConfig).default([]),
    suppression: SuppressionConfig.prefault({}),
    sla: SlaConfig.prefault({}),
    history: HistoryConfig.prefault({}),
  })
  .superRefine((config, ctx) => {
    const known = new Set<string>();
    config.accounts.forEach((account, i) => {
      for (const key of [account.id, account.name]) {
        if (key === undefined) continue;
        if (known.has(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['accounts', i],
            message: `"${key}" is used by another account`,
          });
        }
        known.add(key);
      }
    });
    const channelIds = new Set<string>();
    config.channels.forEach((channel, i) => {
      if (channelIds.has(channel.id)) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: 'is listed twice' });
      }
      channelIds.add(channel.id);
      channel.accounts.forEach((ref, j) => {
        if (!known.has(ref)) {
          ctx.addIssue({
            code: 'custom',
            path: ['channels', i, 'accounts', j],
            message: `"${ref}" is not the id or name of an account above`,
          });
        }
      });
    });
  });

export type Config = z.infer<typeof Config>;
export type AccountConfig = z.infer<typeof AccountConfig>;
export type ChannelConfig = z.infer<typeof ChannelConfig>;
export type DigestConfig = z.infer<typeof DigestConfig>;
export type Language = z.infer<typeof Language>;
