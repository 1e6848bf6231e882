// Security Hub (REST-JSON): GetFindings, BatchUpdateFindings, BatchImportFindings, DescribeHub, GetEnabledStandards,
// and the administrator's ListMembers, ListFindingAggregators, GetFindingAggregator (see aggregation.ts).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  type FindingSource,
  findingSources,
  getFindingAggregator,
  listFindingAggregators,
  listMembers,
} from './aggregation.ts';
import { AwsError, shInvalidInput } from './errors.ts';
import {
  type Filters,
  matchesFilters,
  type SortCriterion,
  sortFindings,
  validateFilters,
  validateSort,
} from './findings-filter.ts';
import { requestHash } from './paging.ts';
import { type Finding, FindingSchema, type NormalizedState, type RegionState } from './state.ts';
import { FSBP_STANDARDS_ID } from './workflow.ts';

export interface ShContext {
  /** Fault injection: finding IDs BatchUpdateFindings leaves unprocessed. */
  unprocessedIds?: ReadonlySet<string>;
  state: NormalizedState;
  accountId: string;
  region: string;
  now: number;
  snapshots: SnapshotStore;
}

type Json = Record<string, unknown>;

/** Method + path -> operation name (paths and methods as in the SDK's operation schemas). */
export function securityHubOperation(method: string, path: string): string | undefined {
  const routes: Record<string, string> = {
    'POST /findings': 'GetFindings',
    'PATCH /findings/batchupdate': 'BatchUpdateFindings',
    'POST /findings/import': 'BatchImportFindings',
    'GET /accounts': 'DescribeHub',
    'POST /standards/get': 'GetEnabledStandards',
    'GET /members': 'ListMembers',
    'GET /findingAggregator/list': 'ListFindingAggregators',
  };
  if (method === 'GET' && path.startsWith(AGGREGATOR_GET)) return 'GetFindingAggregator';
  return routes[`${method} ${path.replace(/\/+$/, '') || '/'}`];
}

/** GetFindingAggregator's path ends with the aggregator ARN (a greedy label, so its `/` stay as they are). */
const AGGREGATOR_GET = '/findingAggregator/get/';

/**
 * The matching findings of a GetFindings stream, in order: a source (account and Region) and a position
 * in its list for each. Findings are never removed from a Region's list (an import replaces one in
 * place), so a position keeps pointing at the same finding's current content.
 */
interface Snapshot {
  sources: RegionState[];
  /** Pairs of (source index, finding index). */
  refs: Uint32Array;
  hash: string;
  scope: string;
  touched: number;
}

/**
 * GetFindings pages come from a snapshot of the ordered matching findings taken on the first page, so
 * findings written between pages are neither repeated nor skipped; each later page re-reads current
 * content and drops findings that no longer match.
 */
export class SnapshotStore {
  private snapshots = new Map<string, Snapshot>();

  create(snapshot: Omit<Snapshot, 'touched'>, now: number): string {
    this.gc(now);
    const id = randomBytes(12).toString('base64url');
    this.snapshots.set(id, { ...snapshot, touched: now });
    return id;
  }

  get(id: string, now: number) {
    const s = this.snapshots.get(id);
    if (s) s.touched = now;
    return s;
  }

  clear(): void {
    this.snapshots.clear();
  }

  private gc(now: number): void {
    for (const [id, s] of this.snapshots) if (now - s.touched > 3_600_000) this.snapshots.delete(id);
    while (this.snapshots.size > 5000) {
      const first = this.snapshots.keys().next().value;
      if (first === undefined) break;
      this.snapshots.delete(first);
    }
  }
}

const keyOf = (f: { Id: string; ProductArn: string }) => `${f.ProductArn}\n${f.Id}`;

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

function getFindings(ctx: ShContext, input: Json): Json {
  const filters = (input.Filters ?? {}) as Filters;
  const sort = (input.SortCriteria ?? []) as SortCriterion[];
  const max = input.MaxResults ?? 100;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100) {
    throw shInvalidInput(`Invalid MaxResults value ${String(max)}. MaxResults must be between 1 and 100.`);
  }
  validateFilters(filters);
  validateSort(sort);
  const hash = requestHash({ filters, sort });
  const scope = `${ctx.accountId}/${ctx.region}`;
  let snapshotId: string;
  let offset = 0;
  const token = typeof input.NextToken === 'string' && input.NextToken !== '' ? input.NextToken : undefined;
  if (token) {
    const [id = '', off = ''] = token.split('.');
    const snap = ctx.snapshots.get(id, ctx.now);
    offset = Number(off);
    if (
      !snap ||
      snap.hash !== hash ||
      snap.scope !== scope ||
      !Number.isInteger(offset) ||
      offset > snap.refs.length / 2
    ) {
      throw shInvalidInput('The NextToken is invalid or does not belong to this request.');
    }
    snapshotId = id;
  } else {
    snapshotId = ctx.snapshots.create(matchingSnapshot(ctx, filters, sort, hash, scope), ctx.now);
  }
  const snap = ctx.snapshots.get(snapshotId, ctx.now);
  const total = (snap?.refs.length ?? 0) / 2;
  const page: Finding[] = [];
  let i = offset;
  for (; snap && i < total && page.length < max; i++) {
    const f = snap.sources[snap.refs[2 * i] ?? 0]?.findings[snap.refs[2 * i + 1] ?? 0] as Finding | undefined;
    if (f && (!token || matchesFilters(f, filters, ctx.now))) page.push(f);
  }
  const out: Json = { Findings: structuredClone(page) };
  if (i < total) out.NextToken = `${snapshotId}.${i}`;
  return out;
}

/** The first page's snapshot: every finding the caller may read here that matches, in order. */
function matchingSnapshot(
  ctx: ShContext,
  filters: Filters,
  sort: SortCriterion[],
  hash: string,
  scope: string,
): Omit<Snapshot, 'touched'> {
  const sources = findingSources(ctx.state, ctx.accountId, ctx.region).map((s) => s.regionState);
  const matching: { f: Finding; s: number; i: number }[] = [];
  sources.forEach((rs, s) => {
    rs.findings.forEach((f, i) => {
      if (matchesFilters(f as Finding, filters, ctx.now)) matching.push({ f: f as Finding, s, i });
    });
  });
  const position = new Map(matching.map((m) => [m.f, m]));
  const ordered = sortFindings(
    matching.map((m) => m.f),
    sort,
  );
  const refs = new Uint32Array(ordered.length * 2);
  ordered.forEach((f, k) => {
    const m = position.get(f);
    refs[2 * k] = m?.s ?? 0;
    refs[2 * k + 1] = m?.i ?? 0;
  });
  return { sources, refs, hash, scope };
}

/** Finding key -> position, per Region list; built once and extended as findings are added. */
const indexes = new WeakMap<unknown[], { size: number; byKey: Map<string, number> }>();

function indexOf(rs: RegionState): Map<string, number> {
  let index = indexes.get(rs.findings);
  if (!index) {
    index = { size: 0, byKey: new Map() };
    indexes.set(rs.findings, index);
  }
  for (; index.size < rs.findings.length; index.size++) {
    const f = rs.findings[index.size];
    if (f) index.byKey.set(keyOf(f), index.size);
  }
  return index.byKey;
}

/** The finding with this key among the sources the caller may update. */
function findUpdatable(sources: FindingSource[], key: string): Finding | undefined {
  for (const source of sources) {
    const i = indexOf(source.regionState).get(key);
    if (i !== undefined) return source.regionState.findings[i] as Finding;
  }
  return undefined;
}

function identifierOk(v: unknown): v is { Id: string; ProductArn: string } {
  const o = v as Json | null;
  return (
    !!o && typeof o.Id === 'string' && o.Id !== '' && typeof o.ProductArn === 'string' && o.ProductArn !== ''
  );
}

const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);

/**
 * The administrator may update its members' findings (in the home Region, those of the linked Regions
 * too); anyone else only their own. A finding the caller may not update is reported unprocessed as
 * FindingNotFound, as one that does not exist: AWS does not tell a member whether another account's
 * finding exists.
 */
function batchUpdateFindings(ctx: ShContext, input: Json): Json {
  const ids = input.FindingIdentifiers;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) {
    throw shInvalidInput(
      `Invalid FindingIdentifiers: between 1 and 100 finding identifiers are required (got ${Array.isArray(ids) ? ids.length : 0}).`,
    );
  }
  if (!ids.every(identifierOk))
    throw shInvalidInput('Each FindingIdentifier needs a non-empty Id and ProductArn.');
  const note = input.Note as Json | undefined;
  if (note !== undefined) {
    if (typeof note.Text !== 'string' || typeof note.UpdatedBy !== 'string') {
      throw shInvalidInput('Note.Text and Note.UpdatedBy are both required when Note is provided.');
    }
    if (note.Text.length > 512)
      throw shInvalidInput(`Note.Text is ${note.Text.length} characters; the maximum is 512.`);
    if (note.UpdatedBy.length > 512) {
      throw shInvalidInput(`Note.UpdatedBy is ${note.UpdatedBy.length} characters; the maximum is 512.`);
    }
  }
  const workflow = (input.Workflow as Json | undefined)?.Status;
  if (workflow !== undefined && !WORKFLOW.has(String(workflow))) {
    throw shInvalidInput(
      `Invalid Workflow.Status ${String(workflow)}. Valid values: NEW, NOTIFIED, RESOLVED, SUPPRESSED.`,
    );
  }
  for (const k of ['Confidence', 'Criticality'] as const) {
    const v = input[k];
    if (v !== undefined && (typeof v !== 'number' || v < 0 || v > 100)) {
      throw shInvalidInput(`${k} must be between 0 and 100.`);
    }
  }
  const sources = findingSources(ctx.state, ctx.accountId, ctx.region);
  const seen = new Set<string>();
  const processed: Json[] = [];
  const unprocessed: Json[] = [];
  const nowIso = new Date(ctx.now).toISOString();
  for (const ident of ids as Array<{ Id: string; ProductArn: string }>) {
    const identifier = { Id: ident.Id, ProductArn: ident.ProductArn };
    const key = keyOf(identifier);
    if (seen.has(key)) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'DuplicatedFindingIdentifier',
        ErrorMessage: 'Duplicated finding identifier',
      });
      continue;
    }
    seen.add(key);
    const f = findUpdatable(sources, key);
    if (!f) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'FindingNotFound',
        ErrorMessage: 'Finding Not Found',
      });
      continue;
    }
    if (ctx.unprocessedIds?.has(ident.Id)) {
      unprocessed.push({
        FindingIdentifier: identifier,
        ErrorCode: 'InternalFailure',
        ErrorMessage: 'Internal Failure',
      });
      continue;
    }
    applyUpdate(f, input, nowIso);
    processed.push(identifier);
  }
  return { ProcessedFindings: processed, UnprocessedFindings: unprocessed };
}

/** BatchUpdateFindings changes the requested fields only; it does not touch UpdatedAt. */
function applyUpdate(f: Finding, input: Json, nowIso: string): void {
  const note = input.Note as Json | undefined;
  if (note) f.Note = { Text: note.Text, UpdatedBy: note.UpdatedBy, UpdatedAt: nowIso };
  const workflow = (input.Workflow as Json | undefined)?.Status;
  if (workflow !== undefined) f.Workflow = { ...(f.Workflow as Json | undefined), Status: workflow };
  const severity = input.Severity as Json | undefined;
  if (severity) f.Severity = { ...(f.Severity as Json | undefined), ...severity };
  for (const k of ['VerificationState', 'Confidence', 'Criticality', 'Types', 'RelatedFindings'] as const) {
    if (input[k] !== undefined) f[k] = structuredClone(input[k]);
  }
  const udf = input.UserDefinedFields as Json | undefined;
  if (udf) f.UserDefinedFields = { ...(f.UserDefinedFields as Json | undefined), ...udf };
}

function aggregatorArnOf(path: string): string {
  const raw = path.slice(AGGREGATOR_GET.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    throw shInvalidInput('The FindingAggregatorArn is not valid.');
  }
}

const REQUIRED_ASFF = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Title',
  'Description',
];

function batchImportFindings(ctx: ShContext, rs: RegionState, input: Json): Json {
  const findings = input.Findings;
  if (!Array.isArray(findings) || findings.length < 1 || findings.length > 100) {
    throw shInvalidInput(
      `Invalid Findings: between 1 and 100 findings are required (got ${Array.isArray(findings) ? findings.length : 0}).`,
    );
  }
  const failed: Json[] = [];
  let success = 0;
  for (const raw of findings as Json[]) {
    const error = importError(ctx, raw);
    if (error) {
      failed.push({ Id: String(raw.Id ?? ''), ErrorCode: error[0], ErrorMessage: error[1] });
      continue;
    }
    const finding = structuredClone(raw) as Finding;
    const index = rs.findings.findIndex((f) => f.Id === finding.Id && f.ProductArn === finding.ProductArn);
    if (index >= 0) rs.findings[index] = finding;
    else rs.findings.push(finding);
    success++;
  }
  return { FailedCount: failed.length, SuccessCount: success, FailedFindings: failed };
}

function importError(ctx: ShContext, f: Json): [string, string] | undefined {
  for (const k of REQUIRED_ASFF) {
    if (typeof f[k] !== 'string' || f[k] === '')
      return ['InvalidInput', `Finding is missing required field ${k}`];
  }
  if (!f.Severity || typeof f.Severity !== 'object')
    return ['InvalidInput', 'Finding is missing required field Severity'];
  if (!Array.isArray(f.Resources) || f.Resources.length < 1) {
    return ['InvalidInput', 'Finding is missing required field Resources'];
  }
  if (!/^\d{12}$/.test(String(f.AwsAccountId))) {
    return [
      'InvalidInput',
      `Invalid AwsAccountId ${String(f.AwsAccountId)}: it must be a 12-digit account ID`,
    ];
  }
  if (f.AwsAccountId !== ctx.accountId) {
    return [
      'AccessDeniedException',
      `Account ${ctx.accountId} is not allowed to import findings for account ${String(f.AwsAccountId)}`,
    ];
  }
  const productRegion = String(f.ProductArn).split(':')[3];
  if (productRegion !== ctx.region) {
    return [
      'InvalidInput',
      `ProductArn region ${String(productRegion)} does not match the request region ${ctx.region}`,
    ];
  }
  return undefined;
}

function describeHub(ctx: ShContext, rs: RegionState, query: URLSearchParams): Json {
  const hubArn = `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:hub/default`;
  const requested = query.get('HubArn');
  if (requested !== null && requested !== hubArn) {
    throw new AwsError('ResourceNotFoundException', `Hub ${requested} not found`, 404);
  }
  const account = ctx.state.accounts[ctx.accountId];
  return {
    HubArn: hubArn,
    SubscribedAt: rs.hub?.SubscribedAt ?? '2023-04-01T00:00:00.000Z',
    AutoEnableControls: rs.hub?.AutoEnableControls ?? true,
    ControlFindingGenerator: account?.controlFindingGenerator ?? 'SECURITY_CONTROL',
  };
}

function getEnabledStandards(ctx: ShContext, rs: RegionState, input: Json): Json {
  const max = input.MaxResults;
  if (max !== undefined && (typeof max !== 'number' || max < 1 || max > 100)) {
    throw shInvalidInput('MaxResults must be between 1 and 100.');
  }
  const subscriptions = rs.enabledStandards ?? [
    {
      StandardsSubscriptionArn: `arn:aws:securityhub:${ctx.region}:${ctx.accountId}:subscription/aws-foundational-security-best-practices/v/1.0.0`,
      StandardsArn: `arn:aws:securityhub:${ctx.region}::${FSBP_STANDARDS_ID}`,
      StandardsInput: {},
      StandardsStatus: 'READY',
      StandardsControlsUpdatable: 'READY_FOR_UPDATES',
    },
  ];
  const wanted = input.StandardsSubscriptionArns as string[] | undefined;
  const list = wanted?.length
    ? subscriptions.filter((s) => wanted.includes(s.StandardsSubscriptionArn))
    : subscriptions;
  return { StandardsSubscriptions: structuredClone(list) };
}

export function handleSecurityHub(
  ctx: ShContext,
  operation: string,
  body: string,
  query: URLSearchParams,
  path = '',
): Json {
  const rs = regionOrDeny(ctx);
  switch (operation) {
    case 'GetFindings':
      return getFindings(ctx, parseBody(body));
    case 'BatchUpdateFindings':
      return batchUpdateFindings(ctx, parseBody(body));
    case 'ListMembers':
      return listMembers(ctx.state, ctx.accountId, query);
    case 'ListFindingAggregators':
      return listFindingAggregators(ctx.state, ctx.accountId, query);
    case 'GetFindingAggregator':
      return getFindingAggregator(ctx.state, ctx.accountId, aggregatorArnOf(path));
    case 'BatchImportFindings':
      return batchImportFindings(ctx, rs, parseBody(body));
    case 'DescribeHub':
      return describeHub(ctx, rs, query);
    case 'GetEnabledStandards':
      return getEnabledStandards(ctx, rs, parseBody(body));
    default:
      throw new AwsError(
        'UnknownOperationException',
        `Operation ${operation} is not supported by the emulator`,
        404,
        false,
      );
  }
}

const AppendSchema = z.object({
  accountId: z.string().regex(/^\d{12}$/),
  region: z.string().min(1),
  findings: z.array(FindingSchema),
});

/**
 * Admin endpoint (`POST /_emulator/findings`): adds findings to an account's Region without a round
 * trip through the whole state, for benchmarks with hundreds of thousands of them.
 */
export function appendFindings(state: NormalizedState, input: unknown): { added: number; total: number } {
  const { accountId, region, findings } = AppendSchema.parse(input);
  const rs = state.accounts[accountId]?.regions[region];
  if (!rs) throw new Error(`account ${accountId} has no Region ${region} in the state`);
  const index = indexOf(rs);
  const batch = new Set<string>();
  findings.forEach((f, i) => {
    if (f.AwsAccountId !== undefined && f.AwsAccountId !== accountId) {
      throw new Error(`findings[${i}].AwsAccountId is ${f.AwsAccountId}, not ${accountId}`);
    }
    if (index.has(keyOf(f)) || batch.has(keyOf(f))) throw new Error(`findings[${i}]: duplicate Id`);
    batch.add(keyOf(f));
  });
  for (const f of findings) rs.findings.push(f as Finding);
  return { added: findings.length, total: rs.findings.length };
}
