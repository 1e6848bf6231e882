// AWS Organizations (JSON 1.1, `AWSOrganizationsV20161128.<Op>`, global endpoint signed for us-east-1):
// the read operations a discovery needs, with the API model's page sizes and error shapes.
import { AwsError } from './errors.ts';
import type { OrganizationState } from './org-state.ts';
import { pageOf, requestHash } from './paging.ts';
import type { NormalizedState } from './state.ts';

export const ORGANIZATIONS_TARGET = 'AWSOrganizationsV20161128';
/** Organizations is global: its endpoint in the aws partition is signed for us-east-1. */
export const ORGANIZATIONS_SIGNING_REGION = 'us-east-1';
/** The API model's MaxResults shape (1-20); the emulator's page size when MaxResults is left out. */
export const ORGANIZATIONS_MAX_RESULTS = 20;

export interface OrganizationsContext {
  state: NormalizedState;
  accountId: string;
}

type Json = Record<string, unknown>;
type Org = OrganizationState;
type OrgAccount = Org['accounts'][number];
type OrgUnit = Org['organizationalUnits'][number];

const PARENT_ID = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/;
const CHILD_ID = /^(\d{12}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$/;
const TAGGABLE_ID = /^(r-[0-9a-z]{4,32}|\d{12}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|p-[0-9a-zA-Z_]{8,128})$/;

const invalidInput = (reason: string, message: string) =>
  new AwsError('InvalidInputException', message, 400, true, { Reason: reason });

export const notInUse = () =>
  new AwsError(
    'AWSOrganizationsNotInUseException',
    'Your account is not a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.',
    400,
  );

const accessDenied = () =>
  new AwsError('AccessDeniedException', "You don't have permissions to access this resource.", 400);

function parseBody(body: string): Json {
  if (body.trim() === '') return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // fall through
  }
  throw new AwsError(
    'SerializationException',
    'Start of structure or map found where not expected.',
    400,
    false,
  );
}

/**
 * Who may call: members of the organization may describe it; only the management account and
 * Organizations delegated administrators may list its contents.
 */
function organizationFor(ctx: OrganizationsContext, operation: string): Org {
  const org = ctx.state.organization;
  if (!org?.accounts.some((a) => a.Id === ctx.accountId)) throw notInUse();
  if (operation === 'DescribeOrganization') return org;
  if (ctx.accountId !== org.managementAccountId && !org.delegatedAdministrators.includes(ctx.accountId)) {
    throw accessDenied();
  }
  return org;
}

function pageSize(input: Json): number {
  const max = input.MaxResults;
  if (max === undefined || max === null) return ORGANIZATIONS_MAX_RESULTS;
  if (typeof max !== 'number' || !Number.isInteger(max)) {
    throw invalidInput('INVALID_ENUM', 'You specified an invalid value.');
  }
  if (max < 1)
    throw invalidInput(
      'MIN_VALUE_EXCEEDED',
      'You provided a numeric parameter that has a smaller value than allowed.',
    );
  if (max > ORGANIZATIONS_MAX_RESULTS) {
    throw invalidInput(
      'MAX_VALUE_EXCEEDED',
      'You provided a numeric parameter that has a larger value than allowed.',
    );
  }
  return max;
}

/** A page of `items`; the token is bound to the operation and its other parameters. */
function paged<T>(operation: string, input: Json, items: T[], size = pageSize(input)) {
  const { NextToken, MaxResults: _max, ...rest } = input;
  const token = typeof NextToken === 'string' && NextToken !== '' ? NextToken : undefined;
  return pageOf(items, size, token, requestHash({ operation, rest }), () =>
    invalidInput('INVALID_NEXT_TOKEN', 'The specified NextToken is not valid.'),
  );
}

function requiredId(input: Json, member: string, pattern: RegExp): string {
  const value = input[member];
  if (value === undefined || value === null || value === '') {
    throw invalidInput('INPUT_REQUIRED', `You must specify a value for ${member}.`);
  }
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw invalidInput(
      'INVALID_PATTERN',
      `You provided a value for ${member} that does not match the required pattern.`,
    );
  }
  return value;
}

const arnBase = (org: Org) => `arn:aws:organizations::${org.managementAccountId}`;

const epochSeconds = (value: string | number) =>
  typeof value === 'number' ? value : Date.parse(value) / 1000;

/** Root -> ... -> parent IDs of a container (root or OU), root first. */
function ancestry(org: Org, containerId: string): string[] {
  const parentOf = new Map(org.organizationalUnits.map((ou) => [ou.Id, ou.parentId]));
  const chain: string[] = [];
  for (let at: string | undefined = containerId; at; at = parentOf.get(at)) chain.unshift(at);
  return chain;
}

function accountOut(org: Org, a: OrgAccount): Json {
  const { parentId, tags: _tags, State, Status, JoinedTimestamp, ...aws } = a;
  const status = Status ?? (State === 'ACTIVE' || State === 'PENDING_CLOSURE' ? State : 'SUSPENDED');
  return {
    ...aws,
    Arn: a.Arn ?? `${arnBase(org)}:account/${org.id}/${a.Id}`,
    State,
    Status: status,
    JoinedTimestamp: epochSeconds(JoinedTimestamp),
    Paths: a.Paths ?? [`${[org.id, ...ancestry(org, parentId), a.Id].join('/')}/`],
  };
}

function unitOut(org: Org, ou: OrgUnit): Json {
  const { parentId, tags: _tags, ...aws } = ou;
  return {
    ...aws,
    Arn: ou.Arn ?? `${arnBase(org)}:ou/${org.id}/${ou.Id}`,
    Path: ou.Path ?? `${[org.id, ...ancestry(org, parentId), ou.Id].join('/')}/`,
  };
}

function knownParent(org: Org, id: string): void {
  if (id !== org.root.id && !org.organizationalUnits.some((ou) => ou.Id === id)) {
    throw new AwsError(
      'ParentNotFoundException',
      "We can't find a root or OU with the ParentId that you specified.",
      400,
    );
  }
}

function tagsOf(org: Org, id: string): Record<string, string> {
  if (id === org.root.id) return org.root.tags;
  const found = org.organizationalUnits.find((ou) => ou.Id === id) ?? org.accounts.find((a) => a.Id === id);
  if (!found) {
    throw new AwsError(
      'TargetNotFoundException',
      "We can't find a root, OU, account, or policy with the TargetId that you specified.",
      400,
    );
  }
  return found.tags;
}

export function organizationsOperation(target: string): string | undefined {
  const [prefix, op] = target.split('.');
  return prefix === ORGANIZATIONS_TARGET ? (op ?? '') : undefined;
}

export function handleOrganizations(ctx: OrganizationsContext, operation: string, body: string): Json {
  const input = parseBody(body);
  const handlers: Record<string, (org: Org) => Json> = {
    DescribeOrganization: (org) => ({
      Organization: {
        Id: org.id,
        Arn: `${arnBase(org)}:organization/${org.id}`,
        FeatureSet: org.featureSet,
        MasterAccountArn: `${arnBase(org)}:account/${org.id}/${org.managementAccountId}`,
        MasterAccountId: org.managementAccountId,
        MasterAccountEmail: org.accounts.find((a) => a.Id === org.managementAccountId)?.Email,
        AvailablePolicyTypes: [],
      },
    }),
    ListRoots: (org) => {
      const { page, nextToken } = paged('ListRoots', input, [org.root]);
      return {
        Roots: page.map((r) => ({
          Id: r.id,
          Arn: `${arnBase(org)}:root/${org.id}/${r.id}`,
          Name: r.name,
          PolicyTypes: [],
        })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListAccounts: (org) => {
      const { page, nextToken } = paged('ListAccounts', input, org.accounts);
      return {
        Accounts: page.map((a) => accountOut(org, a)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListAccountsForParent: (org) => {
      const parentId = requiredId(input, 'ParentId', PARENT_ID);
      knownParent(org, parentId);
      const { page, nextToken } = paged(
        'ListAccountsForParent',
        input,
        org.accounts.filter((a) => a.parentId === parentId),
      );
      return {
        Accounts: page.map((a) => accountOut(org, a)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListOrganizationalUnitsForParent: (org) => {
      const parentId = requiredId(input, 'ParentId', PARENT_ID);
      knownParent(org, parentId);
      const { page, nextToken } = paged(
        'ListOrganizationalUnitsForParent',
        input,
        org.organizationalUnits.filter((ou) => ou.parentId === parentId),
      );
      return {
        OrganizationalUnits: page.map((ou) => unitOut(org, ou)),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListParents: (org) => {
      const childId = requiredId(input, 'ChildId', CHILD_ID);
      const child =
        org.accounts.find((a) => a.Id === childId) ?? org.organizationalUnits.find((o) => o.Id === childId);
      if (!child) {
        throw new AwsError(
          'ChildNotFoundException',
          "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
          400,
        );
      }
      const { page, nextToken } = paged('ListParents', input, [child.parentId]);
      return {
        Parents: page.map((id) => ({ Id: id, Type: id.startsWith('r-') ? 'ROOT' : 'ORGANIZATIONAL_UNIT' })),
        ...(nextToken ? { NextToken: nextToken } : {}),
      };
    },
    ListTagsForResource: (org) => {
      const resourceId = requiredId(input, 'ResourceId', TAGGABLE_ID);
      const tags = Object.entries(tagsOf(org, resourceId)).map(([Key, Value]) => ({ Key, Value }));
      // The model has no MaxResults here; a page holds as many tags as the other lists hold items.
      const { page, nextToken } = paged('ListTagsForResource', input, tags, ORGANIZATIONS_MAX_RESULTS);
      return { Tags: page, ...(nextToken ? { NextToken: nextToken } : {}) };
    },
  };
  const handler = handlers[operation];
  if (!handler) {
    throw new AwsError(
      'UnknownOperationException',
      `Operation ${operation} is not supported by the emulator`,
      400,
      false,
    );
  }
  return handler(organizationFor(ctx, operation));
}
