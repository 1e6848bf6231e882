// Security Hub (REST-JSON) controls as an account has them: ListSecurityControlDefinitions,
// GetSecurityControlDefinition, BatchGetSecurityControls, ListStandardsControlAssociations,
// BatchGetStandardsControlAssociations and DescribeStandardsControls.
import { loadCatalog } from '../../../src/catalog/load.ts';
import { AwsError, shInvalidInput } from './errors.ts';
import { pageOf, requestHash } from './paging.ts';
import type { ShContext } from './security-hub.ts';
import {
  type NormalizedState,
  partitionOf,
  type RegionState,
  type SecurityControlDefinition,
  type StandardsControlAssociation,
} from './state.ts';
import { FSBP_STANDARDS_ID } from './workflow.ts';

type Json = Record<string, unknown>;

const ROUTES: Record<string, string> = {
  'GET /securityControls/definitions': 'ListSecurityControlDefinitions',
  'GET /securityControl/definition': 'GetSecurityControlDefinition',
  'POST /securityControls/batchGet': 'BatchGetSecurityControls',
  'GET /associations': 'ListStandardsControlAssociations',
  'POST /associations/batchGet': 'BatchGetStandardsControlAssociations',
};
const DESCRIBE_PREFIX = '/standards/controls/';

/** Method + path -> operation name, for the operations this module answers. */
export function securityHubControlsOperation(method: string, path: string): string | undefined {
  if (method === 'GET' && path.startsWith(DESCRIBE_PREFIX) && path.length > DESCRIBE_PREFIX.length) {
    return 'DescribeStandardsControls';
  }
  return ROUTES[`${method} ${path.replace(/\/+$/, '') || '/'}`];
}

export const isSecurityHubControlsOperation = (operation: string) =>
  operation === 'DescribeStandardsControls' || Object.values(ROUTES).includes(operation);

/** Page sizes: every one of these takes MaxResults 1-100; AWS documents 25 as the default of the first two. */
const DEFAULT_PAGE = 25;
const MAX_PAGE = 100;

function maxResults(raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_PAGE;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) {
    throw shInvalidInput(`Invalid MaxResults value ${String(raw)}. MaxResults must be between 1 and 100.`);
  }
  return n;
}

const invalidToken = () => shInvalidInput('The NextToken is invalid or does not belong to this request.');

function parseBody(body: string): Json {
  if (body.trim() === '') return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // fall through
  }
  throw shInvalidInput('The request body is not valid JSON.');
}

function regionOrDeny(ctx: ShContext): RegionState {
  const rs = ctx.state.accounts[ctx.accountId]?.regions[ctx.region];
  if (!rs || rs.hub?.enabled === false) {
    throw new AwsError(
      'InvalidAccessException',
      `Account ${ctx.accountId} is not subscribed to AWS Security Hub`,
      401,
    );
  }
  return rs;
}

// ---- definitions -------------------------------------------------------------------------------

/** A Config rule default as a ParameterDefinition's ConfigurationOptions (the type read from the value). */
function configurationOptions(value: string | null): Json {
  if (value === null) return { String: {} };
  if (/^-?\d+$/.test(value)) return { Integer: { DefaultValue: Number(value) } };
  if (/^(true|false)$/i.test(value)) return { Boolean: { DefaultValue: value.toLowerCase() === 'true' } };
  if (value.includes(',')) {
    return { StringList: { DefaultValue: value.split(',').map((v) => v.trim()) } };
  }
  return { String: { DefaultValue: value } };
}

let catalogDefinitions: SecurityControlDefinition[] | undefined;

/** The repository's catalog as AWS would define it (English text, the console remediation URL). */
function fromCatalog(): SecurityControlDefinition[] {
  if (catalogDefinitions) return catalogDefinitions;
  const seen = new Set<string>();
  catalogDefinitions = [];
  for (const c of loadCatalog().controls) {
    if (c.deprecated || seen.has(c.securityControlId)) continue;
    seen.add(c.securityControlId);
    const parameters = Object.entries(c.parameters);
    catalogDefinitions.push({
      SecurityControlId: c.securityControlId,
      Title: c.title.en,
      Description: c.summary.en,
      RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${c.securityControlId}/remediation`,
      SeverityRating: c.severity,
      CurrentRegionAvailability: 'AVAILABLE',
      CustomizableProperties: parameters.length > 0 ? ['Parameters'] : [],
      ...(parameters.length > 0
        ? {
            ParameterDefinitions: Object.fromEntries(
              parameters.map(([name, value]) => [
                name,
                {
                  Description: `The ${name} parameter of ${c.configRule ?? 'the check'}`,
                  ConfigurationOptions: configurationOptions(value),
                },
              ]),
            ),
          }
        : {}),
    });
  }
  return catalogDefinitions;
}

/** What AWS defines in this emulator: the catalog (or not), without `remove`, plus `add`. */
const definitionsCache = new WeakMap<object, SecurityControlDefinition[]>();

export function definitionsOf(state: NormalizedState): SecurityControlDefinition[] {
  const known = definitionsCache.get(state.controlDefinitions);
  if (known) return known;
  const { fromCatalog: useCatalog, add, remove } = state.controlDefinitions;
  const removed = new Set(remove);
  const added = new Set(add.map((d) => d.SecurityControlId));
  const base = useCatalog ? fromCatalog() : [];
  const definitions = [
    ...base.filter((d) => !removed.has(d.SecurityControlId) && !added.has(d.SecurityControlId)),
    ...add.filter((d) => !removed.has(d.SecurityControlId)),
  ].sort((a, b) => a.SecurityControlId.localeCompare(b.SecurityControlId, 'en', { numeric: true }));
  definitionsCache.set(state.controlDefinitions, definitions);
  return definitions;
}

const indexCache = new WeakMap<object, Map<string, SecurityControlDefinition>>();

function definitionIndex(state: NormalizedState): Map<string, SecurityControlDefinition> {
  let index = indexCache.get(state.controlDefinitions);
  if (!index) {
    index = new Map(definitionsOf(state).map((d) => [d.SecurityControlId, d]));
    indexCache.set(state.controlDefinitions, index);
  }
  return index;
}

/** The part of a standards ARN that names the standard, whatever its Region: `standards/...`. */
function standardKey(arn: string): string {
  return arn.split(':').slice(5).join(':');
}

const isFsbp = (standardsArn: string) => standardKey(standardsArn) === FSBP_STANDARDS_ID;

function listDefinitions(ctx: ShContext, rs: RegionState, query: URLSearchParams): Json {
  const standardsArn = query.get('StandardsArn');
  if (
    standardsArn !== null &&
    !/^arn:aws[a-z-]*:securityhub:[^:]*::(standards|ruleset)\/\S+$/.test(standardsArn)
  ) {
    throw shInvalidInput(`Invalid StandardsArn ${standardsArn}.`);
  }
  const max = maxResults(query.get('MaxResults'));
  // Only FSBP is modelled: another standard's controls are the ones associated with it in state.
  const all = definitionsOf(ctx.state);
  const wanted =
    standardsArn === null || isFsbp(standardsArn)
      ? all
      : all.filter((d) =>
          (rs.standardsControlAssociations ?? []).some(
            (s) =>
              s.SecurityControlId === d.SecurityControlId &&
              standardKey(s.StandardsArn) === standardKey(standardsArn),
          ),
        );
  const hash = requestHash({ op: 'ListSecurityControlDefinitions', standardsArn, max });
  const token = query.get('NextToken') ?? undefined;
  const { page, nextToken } = pageOf(wanted, max, token, hash, invalidToken);
  return {
    SecurityControlDefinitions: structuredClone(page),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

/** A security control ID, or the ID at the end of a security control ARN. */
function controlIdOf(ref: string): string {
  const m = /:security-control\/(.+)$/.exec(ref);
  return m?.[1] ?? ref;
}

function getDefinition(ctx: ShContext, query: URLSearchParams): Json {
  const ref = query.get('SecurityControlId');
  if (!ref || !/\S/.test(ref)) throw shInvalidInput('SecurityControlId is required.');
  const id = controlIdOf(ref);
  const definition = definitionIndex(ctx.state).get(id);
  if (!definition) {
    throw new AwsError('ResourceNotFoundException', `Security control ${id} does not exist.`, 404);
  }
  return { SecurityControlDefinition: structuredClone(definition) };
}

// ---- associations ------------------------------------------------------------------------------

function securityControlArn(ctx: ShContext, id: string): string {
  return `arn:${partitionOf(ctx.region)}:securityhub:${ctx.region}:${ctx.accountId}:security-control/${id}`;
}

function fsbpArn(ctx: ShContext): string {
  return `arn:${partitionOf(ctx.region)}:securityhub:${ctx.region}::${FSBP_STANDARDS_ID}`;
}

/** The standards enabled here: GetEnabledStandards' subscriptions (FSBP when the state names none). */
function subscriptions(ctx: ShContext, rs: RegionState): Json[] {
  return (
    (rs.enabledStandards as Json[] | undefined) ?? [
      {
        StandardsSubscriptionArn: `arn:${partitionOf(ctx.region)}:securityhub:${ctx.region}:${ctx.accountId}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
        StandardsArn: fsbpArn(ctx),
        StandardsStatus: 'READY',
        StandardsControlsUpdatable: 'READY_FOR_UPDATES',
      },
    ]
  );
}

const subscribedTo = (subs: Json[], standardsArn: string) =>
  subs.find((s) => standardKey(String(s.StandardsArn ?? '')) === standardKey(standardsArn));

/** Every association here: the state's, and the default ENABLED one in FSBP for every other defined control. */
function associations(ctx: ShContext, rs: RegionState): StandardsControlAssociation[] {
  const explicit = rs.standardsControlAssociations ?? [];
  const since = rs.hub?.SubscribedAt ?? '2023-04-01T00:00:00.000Z';
  const fsbpExplicit = new Set(
    explicit.filter((a) => isFsbp(a.StandardsArn)).map((a) => a.SecurityControlId),
  );
  const defaults = definitionsOf(ctx.state)
    .filter((d) => !fsbpExplicit.has(d.SecurityControlId))
    .map(
      (d): StandardsControlAssociation => ({
        StandardsArn: fsbpArn(ctx),
        SecurityControlId: d.SecurityControlId,
        AssociationStatus: 'ENABLED',
        UpdatedAt: since,
        RelatedRequirements: [],
        StandardsControlTitle: d.Title,
        StandardsControlDescription: d.Description,
      }),
    );
  return [...explicit, ...defaults];
}

function summary(ctx: ShContext, a: StandardsControlAssociation): Json {
  const definition = definitionIndex(ctx.state).get(a.SecurityControlId);
  const { StandardsControlArns: _, ...rest } = a;
  return {
    ...rest,
    SecurityControlArn: securityControlArn(ctx, a.SecurityControlId),
    RelatedRequirements: a.RelatedRequirements ?? [],
    StandardsControlTitle: a.StandardsControlTitle ?? definition?.Title,
    StandardsControlDescription: a.StandardsControlDescription ?? definition?.Description,
  };
}

/** The control's ARN in the standard: `.../control/<standard path>/<ID in that standard>`. */
function standardsControlArns(ctx: ShContext, a: StandardsControlAssociation): string[] {
  if (a.StandardsControlArns?.length) return a.StandardsControlArns;
  const path = standardKey(a.StandardsArn).replace(/^(standards|ruleset)\//, '');
  return [
    `arn:${partitionOf(ctx.region)}:securityhub:${ctx.region}:${ctx.accountId}:control/${path}/${a.SecurityControlId}`,
  ];
}

function listAssociations(ctx: ShContext, rs: RegionState, query: URLSearchParams): Json {
  const ref = query.get('SecurityControlId');
  if (!ref || !/\S/.test(ref)) throw shInvalidInput('SecurityControlId is required.');
  const id = controlIdOf(ref);
  const max = maxResults(query.get('MaxResults'));
  // Standards whose controls cannot be updated yet are left out, as AWS documents.
  const subs = subscriptions(ctx, rs).filter((s) => s.StandardsControlsUpdatable !== 'NOT_READY_FOR_UPDATES');
  const found = associations(ctx, rs).filter(
    (a) => a.SecurityControlId === id && subscribedTo(subs, a.StandardsArn),
  );
  const hash = requestHash({ op: 'ListStandardsControlAssociations', id, max });
  const token = query.get('NextToken') ?? undefined;
  const { page, nextToken } = pageOf(found, max, token, hash, invalidToken);
  return {
    StandardsControlAssociationSummaries: page.map((a) => summary(ctx, a)),
    ...(nextToken ? { NextToken: nextToken } : {}),
  };
}

function batchGetAssociations(ctx: ShContext, rs: RegionState, input: Json): Json {
  const ids = input.StandardsControlAssociationIds;
  if (!Array.isArray(ids) || ids.length < 1) {
    throw shInvalidInput('StandardsControlAssociationIds must list at least one association.');
  }
  for (const id of ids as Json[]) {
    if (
      !id ||
      typeof id.SecurityControlId !== 'string' ||
      !/\S/.test(id.SecurityControlId) ||
      typeof id.StandardsArn !== 'string' ||
      !/\S/.test(id.StandardsArn)
    ) {
      throw shInvalidInput(
        'Each StandardsControlAssociationId needs a SecurityControlId and a StandardsArn.',
      );
    }
  }
  const subs = subscriptions(ctx, rs);
  const all = associations(ctx, rs);
  const details: Json[] = [];
  const unprocessed: Json[] = [];
  for (const raw of ids as { SecurityControlId: string; StandardsArn: string }[]) {
    const subscription = subscribedTo(subs, raw.StandardsArn);
    if (subscription?.StandardsControlsUpdatable === 'NOT_READY_FOR_UPDATES') {
      // AWS documents this as an error of the whole call.
      throw new AwsError(
        'ResourceNotFoundException',
        `The standard ${raw.StandardsArn} is not ready for updates yet.`,
        404,
      );
    }
    const id = controlIdOf(raw.SecurityControlId);
    const found = subscription
      ? all.find(
          (a) => a.SecurityControlId === id && standardKey(a.StandardsArn) === standardKey(raw.StandardsArn),
        )
      : undefined;
    if (!found) {
      unprocessed.push({
        StandardsControlAssociationId: {
          SecurityControlId: raw.SecurityControlId,
          StandardsArn: raw.StandardsArn,
        },
        ErrorCode: 'RESOURCE_NOT_FOUND',
        ErrorReason: subscription
          ? `Security control ${id} is not associated with ${raw.StandardsArn}`
          : `Standard ${raw.StandardsArn} is not enabled`,
      });
      continue;
    }
    details.push({ ...summary(ctx, found), StandardsControlArns: standardsControlArns(ctx, found) });
  }
  return { StandardsControlAssociationDetails: details, UnprocessedAssociations: unprocessed };
}

function describeStandardsControls(
  ctx: ShContext,
  rs: RegionState,
  path: string,
  query: URLSearchParams,
): Json {
  let subscriptionArn: string;
  try {
    subscriptionArn = decodeURIComponent(path.slice(DESCRIBE_PREFIX.length));
  } catch {
    throw shInvalidInput('Invalid StandardsSubscriptionArn.');
  }
  const max = maxResults(query.get('MaxResults'));
  const subscription = subscriptions(ctx, rs).find((s) => s.StandardsSubscriptionArn === subscriptionArn);
  if (!subscription) {
    throw new AwsError('ResourceNotFoundException', `Subscription ${subscriptionArn} was not found.`, 404);
  }
  const standardsArn = String(subscription.StandardsArn ?? '');
  // AWS answers an empty list while the standard's controls cannot be updated yet.
  const listed =
    subscription.StandardsControlsUpdatable === 'NOT_READY_FOR_UPDATES'
      ? []
      : associations(ctx, rs).filter((a) => standardKey(a.StandardsArn) === standardKey(standardsArn));
  const definitions = definitionIndex(ctx.state);
  const controls = listed.map((a) => {
    const arn = standardsControlArns(ctx, a)[0] as string;
    const controlId = arn.split('/').at(-1) ?? a.SecurityControlId;
    const definition = definitions.get(a.SecurityControlId);
    return {
      StandardsControlArn: arn,
      ControlStatus: a.AssociationStatus,
      ...(a.AssociationStatus === 'DISABLED' && a.UpdatedReason ? { DisabledReason: a.UpdatedReason } : {}),
      ...(a.UpdatedAt ? { ControlStatusUpdatedAt: a.UpdatedAt } : {}),
      ControlId: controlId,
      Title: a.StandardsControlTitle ?? definition?.Title,
      Description: a.StandardsControlDescription ?? definition?.Description,
      RemediationUrl: `https://docs.aws.amazon.com/console/securityhub/${controlId}/remediation`,
      SeverityRating: definition?.SeverityRating ?? 'MEDIUM',
      RelatedRequirements: a.RelatedRequirements ?? [],
    };
  });
  const hash = requestHash({ op: 'DescribeStandardsControls', subscriptionArn, max });
  const token = query.get('NextToken') ?? undefined;
  const { page, nextToken } = pageOf(controls, max, token, hash, invalidToken);
  return { Controls: page, ...(nextToken ? { NextToken: nextToken } : {}) };
}

// ---- security controls -------------------------------------------------------------------------

/** The default value of a ParameterDefinition, as a ParameterValue (`{"Integer": 30}`). */
function defaultValue(definition: Json): Json | undefined {
  const options = (definition.ConfigurationOptions ?? {}) as Record<string, Json>;
  for (const [type, option] of Object.entries(options)) {
    if (option && 'DefaultValue' in option) return { [type]: option.DefaultValue };
  }
  return undefined;
}

function batchGetSecurityControls(ctx: ShContext, rs: RegionState, input: Json): Json {
  const refs = input.SecurityControlIds;
  if (!Array.isArray(refs) || refs.length < 1 || !refs.every((r) => typeof r === 'string' && /\S/.test(r))) {
    throw shInvalidInput('SecurityControlIds must list at least one security control ID or ARN.');
  }
  const definitions = definitionIndex(ctx.state);
  const all = associations(ctx, rs);
  const controls: Json[] = [];
  const unprocessed: Json[] = [];
  for (const ref of refs as string[]) {
    const id = controlIdOf(ref);
    const definition = definitions.get(id);
    if (!definition) {
      unprocessed.push({ SecurityControlId: ref, ErrorCode: 'RESOURCE_NOT_FOUND', ErrorReason: 'Not found' });
      continue;
    }
    const settings = rs.securityControls?.[id] ?? {};
    const { Parameters: custom = {}, ...overrides } = settings;
    const parameters: Json = {};
    for (const [name, def] of Object.entries(definition.ParameterDefinitions ?? {})) {
      const value = defaultValue(def);
      parameters[name] = { ValueType: 'DEFAULT', ...(value ? { Value: value } : {}) };
    }
    Object.assign(parameters, structuredClone(custom));
    // Enabled while any standard it belongs to here has it enabled.
    const own = all.filter((a) => a.SecurityControlId === id);
    const enabled = own.length === 0 || own.some((a) => a.AssociationStatus === 'ENABLED');
    controls.push({
      SecurityControlId: id,
      SecurityControlArn: securityControlArn(ctx, id),
      Title: definition.Title,
      Description: definition.Description,
      RemediationUrl: definition.RemediationUrl,
      SeverityRating: definition.SeverityRating,
      SecurityControlStatus: enabled ? 'ENABLED' : 'DISABLED',
      UpdateStatus: 'READY',
      Parameters: parameters,
      ...structuredClone(overrides),
    });
  }
  return { SecurityControls: controls, UnprocessedIds: unprocessed };
}

export function handleSecurityHubControls(
  ctx: ShContext,
  operation: string,
  body: string,
  query: URLSearchParams,
  path: string,
): Json {
  const rs = regionOrDeny(ctx);
  switch (operation) {
    case 'ListSecurityControlDefinitions':
      return listDefinitions(ctx, rs, query);
    case 'GetSecurityControlDefinition':
      return getDefinition(ctx, query);
    case 'BatchGetSecurityControls':
      return batchGetSecurityControls(ctx, rs, parseBody(body));
    case 'ListStandardsControlAssociations':
      return listAssociations(ctx, rs, query);
    case 'BatchGetStandardsControlAssociations':
      return batchGetAssociations(ctx, rs, parseBody(body));
    case 'DescribeStandardsControls':
      return describeStandardsControls(ctx, rs, path, query);
    default:
      throw new AwsError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by the emulator`,
        404,
        false,
      );
  }
}
