import { Cron } from 'croner';
import { z } from 'zod';
import { isKnownRegion } from '../aws/regions.ts';
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
/** A Region code the AWS SDK's partition data lists (a pattern alone would take `aa-a-1`). */
export const Region = z
  .string()
  .regex(/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, {
    error: 'must be an AWS Region code such as ap-northeast-1',
    abort: true,
  })
  .refine(isKnownRegion, 'must be an AWS Region code such as ap-northeast-1');

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

const RoleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (not an ARN)');

/**
 * A channel's account selector: `*`, an account ID, an OU ID (`ou-...`, with its child OUs), a tag
 * (`tag:key=value`) or, failing those, an account name. Per-account mode accepts only IDs and names.
 */
export const AccountSelector = z
  .string()
  .min(1)
  .max(300)
  .refine(
    (s) => !s.startsWith('ou-') || /^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/.test(s),
    'must be an OU ID such as ou-ab12-cdef3456',
  )
  .refine((s) => !s.startsWith('tag:') || /^tag:[^=]{1,128}=.{0,256}$/.test(s), 'must be tag:key=value');

/** Organization mode: accounts come from the organization, findings are read through the administrator. */
export const OrganizationConfig = z
  .strictObject({
    /** The delegated Security Hub CSPM administrator; omit the role when the bot runs in that account. */
    adminAccount: z.strictObject({
      id: AccountId,
      roleArn: RoleArn.optional(),
      externalId: ExternalId.optional(),
    }),
    /** The aggregation Region: linked Regions come from GetFindingAggregator. */
    homeRegion: Region,
    /** Narrows the linked Regions (never widens them). */
    regions: z.array(Region).min(1).optional(),
    /** The role the bot assumes in each member account for on-demand checks (AWS Config is per account). */
    memberRole: z.strictObject({ name: RoleName, externalId: ExternalId.optional() }),
    discover: z
      .strictObject({
        /** `securityhub`: the administrator's enabled members; `organizations`: accounts, OUs and tags. */
        source: z.enum(['securityhub', 'organizations']).default('securityhub'),
        /** A role in the management account or an Organizations delegated administrator. */
        organizationsRoleArn: RoleArn.optional(),
        externalId: ExternalId.optional(),
        /** Minutes between two discoveries (also on demand). */
        refreshMinutes: z.number().int().min(5).max(1440).default(60),
      })
      .prefault({}),
  })
  .superRefine((org, ctx) => {
    const adminRoleAccount = org.adminAccount.roleArn?.split(':')[4];
    if (adminRoleAccount && adminRoleAccount !== org.adminAccount.id) {
      ctx.addIssue({
        code: 'custom',
        path: ['adminAccount', 'roleArn'],
        message: `is in account ${adminRoleAccount}, not ${org.adminAccount.id}`,
      });
    }
    if (org.adminAccount.externalId && !org.adminAccount.roleArn) {
      ctx.addIssue({ code: 'custom', path: ['adminAccount', 'externalId'], message: 'needs roleArn' });
    }
    if (org.discover.externalId && !org.discover.organizationsRoleArn) {
      ctx.addIssue({
        code: 'custom',
        path: ['discover', 'externalId'],
        message: 'needs organizationsRoleArn',
      });
    }
  });
export type OrganizationConfig = z.infer<typeof OrganizationConfig>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function isCron(pattern: string): boolean {
  try {
    new Cron(pattern, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

const SlackUserId = z.string().regex(/^[UW][A-Z0-9]{8,}$/, 'must be a Slack user ID');
const SlackUserGroupId = z.string().regex(/^S[A-Z0-9]{8,}$/, 'must be a Slack user group ID');

/** Who may do something from Slack: users and user groups. */
export const Permission = z.strictObject({
  allowedUsers: z.array(SlackUserId).default([]),
  allowedUserGroups: z.array(SlackUserGroupId).default([]),
});
export type Permission = z.infer<typeof Permission>;

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

/**
 * Four-eyes suppressions: a request for a finding at one of `severities` waits for a second person
 * (one of `approvers`, never the requester) before Security Hub changes. A channel's own block
 * replaces the top-level one for that channel.
 */
export const ApprovalConfig = z.strictObject({
  /** Severities whose suppression needs an approval; empty: none does. */
  severities: z
    .array(Severity)
    .default(['CRITICAL', 'HIGH'])
    .refine((list) => new Set(list).size === list.length, 'lists a severity twice'),
  /** Who may approve or reject: Slack users and user groups (the requester never approves their own). */
  approvers: z
    .strictObject(Permission.shape, {
      error: (issue) =>
        issue.input === undefined ? 'is required (the Slack users or user groups who approve)' : undefined,
    })
    .refine(
      (p) => p.allowedUsers.length + p.allowedUserGroups.length > 0,
      'must name at least one user or user group',
    ),
  /** Hours an unanswered request waits before it lapses. */
  expiresAfterHours: z.number().int().min(1).max(720).default(72),
});
export type ApprovalConfig = z.infer<typeof ApprovalConfig>;

export const ChannelConfig = z.strictObject({
  id: z.string().regex(/^[CGD][A-Z0-9]{8,}$/, 'must be a Slack channel ID such as C0123456789'),
  /** Account IDs or names; in organization mode also OU IDs, `tag:key=value` and `*`. */
  accounts: z.array(AccountSelector).min(1, 'must name at least one account'),
  /** Organization mode: selectors taken out of what `accounts` matched. */
  exclude: z.array(AccountSelector).default([]),
  digest: DigestConfig.prefault({}),
  /** Overrides the top-level SLA for this channel's accounts, severity by severity. */
  sla: SlaConfig.partial().optional(),
  /** Replaces `suppression.approval` for this channel's requests. */
  approval: ApprovalConfig.optional(),
});

export const SuppressionConfig = z.strictObject({
  allowedUsers: z.array(SlackUserId).default([]),
  allowedUserGroups: z.array(SlackUserGroupId).default([]),
  maxDays: z.number().int().min(1).max(365).default(90),
  minReasonLength: z.number().int().min(1).max(400).default(10),
  /** Four-eyes approval; without it every allowed user's suppression applies at once. */
  approval: ApprovalConfig.optional(),
});

/** Bounds on what one `check` may ask of AWS (the cost guard). */
export const CheckConfig = z.strictObject({
  /** Account-Region pairs one check may cover. */
  maxTargets: z.number().int().min(1).max(1000).default(100),
  /** Minutes: a rule evaluated more recently than this is not started again; its last result is used. */
  reevaluateAfter: z.number().int().min(0).max(1440).default(15),
});

/** Who may switch a channel's digest, and how often `digest now` may run. */
export const DigestPolicyConfig = z.strictObject({
  /** Users and user groups that may turn digests on or off; the suppression policy's when left out. */
  managers: Permission.optional(),
  /** Minutes between two `digest now` runs in one channel. */
  nowCooldownMinutes: z.number().int().min(0).max(1440).default(10),
});

export const Config = z
  .strictObject({
    defaultLanguage: LanguagePreference.default('ja'),
    /** Per-account mode: every account by hand. Organization mode: optional (names, roles for accounts outside it). */
    accounts: z.array(AccountConfig).default([]),
    organization: OrganizationConfig.optional(),
    channels: z.array(ChannelConfig).default([]),
    suppression: SuppressionConfig.prefault({}),
    sla: SlaConfig.prefault({}),
    history: HistoryConfig.prefault({}),
    check: CheckConfig.prefault({}),
    digest: DigestPolicyConfig.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (!config.organization && config.accounts.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'must list at least one account' });
    }
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
      if (!config.organization && channel.exclude.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'exclude'],
          message: 'needs organization mode (list only the accounts you want instead)',
        });
      }
      channel.accounts.forEach((ref, j) => {
        if (!config.organization && !known.has(ref)) {
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
export type CheckConfig = z.infer<typeof CheckConfig>;
export type Language = z.infer<typeof Language>;
export type AccountSelector = z.infer<typeof AccountSelector>;
