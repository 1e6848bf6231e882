// State of an AWS organization and of a Security Hub CSPM administrator (members, cross-Region
// aggregation). Accounts, OUs and members keep AWS's own shapes (loose objects), so the API's answers can
// be pasted in; the emulator's own fields (`parentId`, `tags`) are camelCase.
import { z } from 'zod';
import { AccountId, IsoDate, RegionName } from './state-primitives.ts';

const OrganizationId = z
  .string()
  .regex(/^o-[a-z0-9]{10,32}$/, 'must be an organization ID such as o-a1b2c3d4e5');
const RootId = z.string().regex(/^r-[0-9a-z]{4,32}$/, 'must be a root ID such as r-a1b2');
const OuId = z
  .string()
  .regex(/^ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/, 'must be an OU ID such as ou-a1b2-c3d4e5f6');
/** Organizations tags: key 1-128, value 0-256 characters (a map here; keys are unique in AWS too). */
const Tags = z.record(z.string().min(1).max(128), z.string().max(256)).default({});
/** JSON 1.1 timestamps are epoch seconds on the wire; the state takes either form. */
const Timestamp = z.union([IsoDate, z.number().nonnegative()]);

const OrgAccountSchema = z.looseObject({
  Id: AccountId,
  Name: z.string().min(1).max(50),
  Email: z.string().min(6).max(64),
  Arn: z.string().optional(),
  /** The account lifecycle state; `Status` (retired by AWS in September 2026) is derived when absent. */
  State: z.enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']).default('ACTIVE'),
  Status: z.enum(['ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE']).optional(),
  JoinedMethod: z.enum(['INVITED', 'CREATED']).default('CREATED'),
  JoinedTimestamp: Timestamp.default('2024-01-01T00:00:00Z'),
  Paths: z.array(z.string()).optional(),
  /** The root or OU holding the account. */
  parentId: z.string(),
  tags: Tags,
});

const OrgUnitSchema = z.looseObject({
  Id: OuId,
  Name: z.string().min(1).max(128),
  Arn: z.string().optional(),
  Path: z.string().optional(),
  parentId: z.string(),
  tags: Tags,
});

export const OrganizationSchema = z.object({
  id: OrganizationId,
  managementAccountId: AccountId,
  featureSet: z.enum(['ALL', 'CONSOLIDATED_BILLING']).default('ALL'),
  /** Accounts registered as Organizations delegated administrators: they may read the organization. */
  delegatedAdministrators: z.array(AccountId).default([]),
  root: z.object({ id: RootId, name: z.string().default('Root'), tags: Tags }),
  organizationalUnits: z.array(OrgUnitSchema).default([]),
  accounts: z.array(OrgAccountSchema).min(1),
});

/** Security Hub member relationship, as ListMembers shows it. */
const MemberSchema = z.looseObject({
  AccountId: AccountId,
  Email: z.string().optional(),
  /** Enabled (or ASSOCIATED, as AWS's CLI example writes it) counts as associated; anything else does not. */
  MemberStatus: z.string().min(1).default('ENABLED'),
  InvitedAt: IsoDate.optional(),
  UpdatedAt: IsoDate.optional(),
  AdministratorId: AccountId.optional(),
  MasterId: AccountId.optional(),
});

export const SecurityHubAdminSchema = z.object({
  /** The delegated Security Hub CSPM administrator: reads and updates its members' findings. */
  administratorAccountId: AccountId,
  members: z.array(MemberSchema).default([]),
  /** Cross-Region aggregation, owned by the administrator in its home Region. */
  findingAggregator: z
    .object({
      id: z
        .string()
        .regex(/^[0-9a-f-]{36}$/, 'must be a UUID')
        .optional(),
      region: RegionName,
      regionLinkingMode: z.enum([
        'ALL_REGIONS',
        'ALL_REGIONS_EXCEPT_SPECIFIED',
        'SPECIFIED_REGIONS',
        'NO_REGIONS',
      ]),
      regions: z.array(RegionName).default([]),
    })
    .optional(),
});

export type OrganizationState = z.output<typeof OrganizationSchema>;
export type SecurityHubAdminState = z.output<typeof SecurityHubAdminSchema>;

type Issue = { path: (string | number)[]; message: string };

/** Cross-reference checks: parents exist, no OU is its own ancestor, IDs are unique. */
export function checkOrganization(org: OrganizationState): Issue[] {
  const issues: Issue[] = [];
  const parents = new Map<string, string>([[org.root.id, '']]);
  org.organizationalUnits.forEach((ou, i) => {
    if (parents.has(ou.Id))
      issues.push({ path: ['organizationalUnits', i, 'Id'], message: 'is listed twice' });
    parents.set(ou.Id, ou.parentId);
  });
  org.organizationalUnits.forEach((ou, i) => {
    if (!parents.has(ou.parentId)) {
      issues.push({
        path: ['organizationalUnits', i, 'parentId'],
        message: `${ou.parentId} is not the root or an OU`,
      });
      return;
    }
    const seen = new Set<string>([ou.Id]);
    for (let at = ou.parentId; at !== ''; at = parents.get(at) ?? '') {
      if (seen.has(at)) {
        issues.push({ path: ['organizationalUnits', i, 'parentId'], message: 'makes a cycle of OUs' });
        break;
      }
      seen.add(at);
    }
  });
  const ids = new Set<string>();
  org.accounts.forEach((account, i) => {
    if (ids.has(account.Id)) issues.push({ path: ['accounts', i, 'Id'], message: 'is listed twice' });
    ids.add(account.Id);
    if (!parents.has(account.parentId)) {
      issues.push({
        path: ['accounts', i, 'parentId'],
        message: `${account.parentId} is not the root or an OU`,
      });
    }
  });
  if (!ids.has(org.managementAccountId)) {
    issues.push({ path: ['managementAccountId'], message: 'is not one of the accounts' });
  }
  org.delegatedAdministrators.forEach((id, i) => {
    if (!ids.has(id))
      issues.push({ path: ['delegatedAdministrators', i], message: 'is not one of the accounts' });
  });
  return issues;
}
