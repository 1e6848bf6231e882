// Security Hub (REST-JSON): GetFindings, BatchUpdateFindings, BatchImportFindings, DescribeHub, GetEnabledStandards.
import { randomBytes } from 'node:crypto';
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
import type { Finding, NormalizedState, RegionState } from './state.ts';
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
  };
  return routes[`${method} ${path.replace(/\/+$/, '') || '/'}`];
}

/**
 * GetFindings pages come from a snapshot of the ordered matching keys taken on the first page, so findings
 * written between pages are neither repeated nor skipped; each later page re-reads current content and
 * drops findings that were deleted or no longer match.
 */
export class SnapshotStore {
  private snapshots = new Map<string, { keys: string[]; hash: string; scope: string; touched: number }>();

  create(keys: string[], hash: string, scope: string, now: number): string {
    this.gc(now);
    const id = randomBytes(12).toString('base64url');
    this.snapshots.set(id, { keys, hash, scope, touched: now });
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

function getFindings(ctx: ShContext, rs: RegionState, input: Json): Json {
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
  const byKey = new Map(rs.findings.map((f) => [keyOf(f), f as Finding]));
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
      offset > snap.keys.length
    ) {
      throw shInvalidInput('The NextToken is invalid or does not belong to this request.');
    }
    snapshotId = id;
  } else {
    const matching = rs.findings.filter((f) => matchesFilters(f as Finding, filters, ctx.now)) as Finding[];
    const keys = sortFindings(matching, sort).map(keyOf);
    snapshotId = ctx.snapshots.create(keys, hash, scope, ctx.now);
  }
  const keys = ctx.snapshots.get(snapshotId, ctx.now)?.keys ?? [];
  const page: Finding[] = [];
  let i = offset;
  for (; i < keys.length && page.length < max; i++) {
    const f = byKey.get(keys[i] ?? '');
    if (f && (!token || matchesFilters(f, filters, ctx.now))) page.push(f);
  }
  const out: Json = { Findings: structuredClone(page) };
  if (i < keys.length) out.NextToken = `${snapshotId}.${i}`;
  return out;
}

function identifierOk(v: unknown): v is { Id: string; ProductArn: string } {
  const o = v as Json | null;
  return (
    !!o && typeof o.Id === 'string' && o.Id !== '' && typeof o.ProductArn === 'string' && o.ProductArn !== ''
  );
}

const WORKFLOW = new Set(['NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED']);

function batchUpdateFindings(ctx: ShContext, rs: RegionState, input: Json): Json {
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
  const byKey = new Map(rs.findings.map((f) => [keyOf(f), f as Finding]));
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
    const f = byKey.get(key);
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
): Json {
  const rs = regionOrDeny(ctx);
  switch (operation) {
    case 'GetFindings':
      return getFindings(ctx, rs, parseBody(body));
    case 'BatchUpdateFindings':
      return batchUpdateFindings(ctx, rs, parseBody(body));
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
