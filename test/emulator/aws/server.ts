// HTTP front end of the AWS emulator: one port for STS and IAM (query), Config and Organizations (JSON 1.1) and
// Security Hub (REST-JSON),
// SigV4 checks, throttling, fault injection, call log and the /_emulator admin endpoints.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleConfig } from './config-service.ts';
import {
  AwsError,
  badSignature,
  incompleteSignature,
  internalError,
  isQueryService,
  missingAuth,
  renderError,
  type Service,
  throttled,
  unknownCredentials,
  type WireResponse,
} from './errors.ts';
import { EvaluationEngine } from './evaluation.ts';
import { type FaultConfig, Faults } from './faults.ts';
import { handleIam } from './iam.ts';
import {
  handleOrganizations,
  ORGANIZATIONS_SIGNING_REGION,
  organizationsOperation,
} from './organizations.ts';
import { RateLimiter } from './rate-limit.ts';
import { appendFindings, handleSecurityHub, SnapshotStore, securityHubOperation } from './security-hub.ts';
import {
  handleSecurityHubControls,
  isSecurityHubControlsOperation,
  securityHubControlsOperation,
} from './security-hub-controls.ts';
import { parseAmzDate, parseAuthorization, verifySignature } from './sigv4.ts';
import { type EmulatorState, exportState, type NormalizedState, parseState } from './state.ts';
import { handleSts, IdentityStore, type Principal } from './sts.ts';

export type { FaultConfig } from './faults.ts';
export type { EmulatorState } from './state.ts';

export interface CallRecord {
  service: Service;
  operation: string;
  accountId: string;
  region: string;
  status: number;
  at: number;
  /** Who called, as CloudTrail's userIdentity.arn (an assumed role ends with its session name). */
  principal?: string;
  /** AssumeRole's RoleSessionName, as CloudTrail records it in requestParameters. */
  roleSessionName?: string;
}

export interface AwsEmulator {
  url: string;
  port: number;
  getState(): EmulatorState;
  setState(s: EmulatorState): void;
  setFaults(f: FaultConfig): void;
  calls(): CallRecord[];
  resetCalls(): void;
  /** Test hook: every temporary credential issued so far is expired from now on. */
  expireSessions(): void;
  close(): Promise<void>;
}

const MAX_SKEW_MS = 15 * 60 * 1000;

interface Route {
  service: Service;
  operation: string;
  params?: URLSearchParams;
}

function route(req: IncomingMessage, path: string, body: string): Route {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix, op = ''] = target.split('.');
    if (prefix === 'StarlingDoveService') return { service: 'config', operation: op };
    const orgOperation = organizationsOperation(target);
    if (orgOperation !== undefined) return { service: 'organizations', operation: orgOperation };
    return { service: 'config', operation: target };
  }
  const type = String(req.headers['content-type'] ?? '');
  if (req.method === 'POST' && path === '/' && type.startsWith('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(body);
    // STS and IAM both speak the query protocol on `/`; the signing scope says which one is meant.
    const scoped = parseAuthorization(String(req.headers.authorization ?? ''))?.service;
    return { service: scoped === 'iam' ? 'iam' : 'sts', operation: params.get('Action') ?? '', params };
  }
  const method = req.method ?? 'GET';
  const operation = securityHubOperation(method, path) ?? securityHubControlsOperation(method, path) ?? '';
  return { service: 'securityhub', operation };
}

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

function queryMap(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    out[key] = all.length === 1 ? (all[0] ?? '') : all;
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, wire: WireResponse): void {
  const body = Buffer.from(wire.body);
  res.writeHead(wire.status, { ...wire.headers, 'content-length': String(body.length) });
  res.end(body);
}

export async function startAwsEmulator(opts: {
  state: EmulatorState;
  port?: number;
  /** Called with each call once AWS has acted on it, before the answer is sent (crash tests). */
  onCall?: (call: CallRecord) => void;
  /** The rate limiter's clock (tests freeze it so a burst is not refilled by a slow machine). */
  now?: () => number;
}): Promise<AwsEmulator> {
  let state: NormalizedState = parseState(opts.state);
  let callLog: CallRecord[] = [];
  const identities = new IdentityStore();
  const engine = new EvaluationEngine(() => state);
  const limiter = new RateLimiter();
  const snapshots = new SnapshotStore();
  const faults = new Faults();
  const sleeps = new Set<NodeJS.Timeout>();

  const replaceState = (input: unknown, source: string) => {
    const next = parseState(input, source);
    engine.cancelAll();
    limiter.reset();
    snapshots.clear();
    state = next;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sleeps.delete(t);
        resolve();
      }, ms);
      sleeps.add(t);
    });

  async function authenticate(
    req: IncomingMessage,
    r: Route,
    path: string,
    query: URLSearchParams,
    body: Buffer,
  ) {
    const now = Date.now();
    const headers = headerMap(req);
    const header = headers.authorization;
    if (!header) throw missingAuth(r.service);
    const auth = parseAuthorization(header);
    if (!auth) {
      throw incompleteSignature(
        r.service,
        `Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=${header}`,
      );
    }
    if (auth.service !== r.service) {
      throw badSignature(r.service, `Credential should be scoped to correct service: '${r.service}'. `);
    }
    if (r.service === 'organizations' && auth.region !== ORGANIZATIONS_SIGNING_REGION) {
      // The global endpoint only takes its own signing Region (the SDK's endpoint rules pick it).
      throw badSignature(r.service, `Credential should be scoped to a valid region, not '${auth.region}'. `);
    }
    const amzDate = parseAmzDate(headers['x-amz-date']);
    if (!amzDate || !headers['x-amz-date']?.startsWith(auth.shortDate)) {
      throw incompleteSignature(
        r.service,
        'X-Amz-Date is missing or does not match the credential scope date.',
      );
    }
    if (Math.abs(now - amzDate.getTime()) > MAX_SKEW_MS) {
      const fmt = (d: Date) =>
        d
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, '');
      throw badSignature(
        r.service,
        `Signature expired: ${headers['x-amz-date']} is now earlier than ${fmt(new Date(now - MAX_SKEW_MS))} (${fmt(new Date(now))} - 15 min.)`,
      );
    }
    const principal = identities.resolve(
      state,
      r.service,
      auth.accessKeyId,
      headers['x-amz-security-token'],
      now,
    );
    const ok = await verifySignature(
      { method: req.method ?? 'GET', path, query: queryMap(query), headers, body },
      auth,
      amzDate,
      principal,
    );
    if (!ok) throw badSignature(r.service);
    if (
      !isQueryService(r.service) &&
      state.accounts[principal.accountId]?.disabledRegions?.includes(auth.region)
    ) {
      throw unknownCredentials(r.service);
    }
    return { principal, region: auth.region };
  }

  function dispatch(
    r: Route,
    principal: Principal,
    region: string,
    body: string,
    query: URLSearchParams,
    requestId: string,
    path: string,
  ): WireResponse {
    const now = Date.now();
    if (r.service === 'iam') {
      const xml = handleIam({ state, principal, requestId }, r.params ?? new URLSearchParams());
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: xml,
      };
    }
    if (r.service === 'sts') {
      const xml = handleSts(
        { state, principal, region, now, requestId, identities },
        r.params ?? new URLSearchParams(),
      );
      return {
        status: 200,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: xml,
      };
    }
    if (r.service === 'organizations') {
      const out = handleOrganizations({ state, accountId: principal.accountId }, r.operation, body);
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify(out),
      };
    }
    if (r.service === 'config') {
      const out = handleConfig(
        { state, accountId: principal.accountId, region, now, engine },
        r.operation,
        body,
      );
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify(out),
      };
    }
    const shContext = {
      state,
      accountId: principal.accountId,
      region,
      now,
      snapshots,
      unprocessedIds: new Set(faults.get().unprocessedIds ?? []),
    };
    const out = isSecurityHubControlsOperation(r.operation)
      ? handleSecurityHubControls(shContext, r.operation, body, query, path)
      : handleSecurityHub(shContext, r.operation, body, query, path);
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
      body: JSON.stringify(out),
    };
  }

  async function handleAws(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): Promise<void> {
    const requestId = randomUUID();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = raw.toString('utf8');
    const r = route(req, url.pathname, body);
    const scope = parseAuthorization(String(req.headers.authorization ?? ''));
    const record: CallRecord = {
      service: r.service,
      operation: r.operation,
      accountId: '',
      region: scope?.region ?? '',
      status: 0,
      at: Date.now(),
    };
    let wire: WireResponse;
    try {
      const { principal, region } = await authenticate(req, r, path, url.searchParams, raw);
      record.accountId = principal.accountId;
      record.region = region;
      record.principal = principal.arn;
      if (r.operation === 'AssumeRole') {
        const sessionName =
          new URLSearchParams(body).get('RoleSessionName') ?? url.searchParams.get('RoleSessionName');
        if (sessionName !== null) record.roleSessionName = sessionName;
      }
      if (r.operation === '') {
        throw isQueryService(r.service)
          ? new AwsError('InvalidAction', 'Could not find operation', 400)
          : new AwsError(
              'UnknownOperationException',
              `No operation for ${req.method} ${url.pathname}`,
              404,
              false,
            );
      }
      if (!limiter.take(state, r.service, r.operation, principal.accountId, region, (opts.now ?? Date.now)()))
        throw throttled(r.service);
      const decision = faults.decide(r.service, r.operation);
      if (decision.latencyMs > 0) await sleep(decision.latencyMs);
      if (decision.fault === 'throttle') throw throttled(r.service);
      if (decision.fault === 'error') throw internalError(r.service);
      wire = dispatch(r, principal, region, body, url.searchParams, requestId, url.pathname);
    } catch (err) {
      const e =
        err instanceof AwsError
          ? err
          : new AwsError(
              r.service === 'securityhub' ? 'InternalException' : 'InternalFailure',
              String(err),
              500,
            );
      if (!(err instanceof AwsError)) console.error('[aws-emulator] internal error', err);
      wire = renderError(r.service, e, requestId);
    }
    record.status = wire.status;
    callLog.push(record);
    opts.onCall?.({ ...record });
    send(res, wire);
  }

  function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, raw: Buffer): void {
    const key = `${req.method} ${url.pathname}`;
    const input = () => JSON.parse(raw.toString('utf8') || '{}') as unknown;
    let status = 200;
    let value: unknown = { ok: true };
    try {
      if (key === 'GET /_emulator/state') value = exportState(state);
      else if (key === 'POST /_emulator/state') replaceState(input(), 'state (POST /_emulator/state)');
      else if (key === 'GET /_emulator/faults') value = faults.get();
      else if (key === 'POST /_emulator/faults') faults.set(input() as FaultConfig);
      else if (key === 'GET /_emulator/calls') value = callLog;
      else if (key === 'DELETE /_emulator/calls') callLog = [];
      else if (key === 'POST /_emulator/expire-sessions') identities.expireAll();
      else if (key === 'POST /_emulator/findings') value = appendFindings(state, input());
      else {
        status = 404;
        value = { error: `unknown admin endpoint ${key}` };
      }
    } catch (err) {
      status = 400;
      value = { error: err instanceof Error ? err.message : String(err) };
    }
    send(res, {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(value, null, 2),
    });
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname.startsWith('/_emulator/')) return handleAdmin(req, res, url, raw);
        return handleAws(req, res, url, raw);
      })
      .catch((err: unknown) => {
        console.error('[aws-emulator] request failed', err);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    getState: () => exportState(state),
    setState: (s) => replaceState(s, 'state'),
    setFaults: (f) => faults.set(f),
    calls: () => callLog.map((c) => ({ ...c })),
    resetCalls: () => {
      callLog = [];
    },
    expireSessions: () => identities.expireAll(),
    close: async () => {
      engine.cancelAll();
      for (const t of sleeps) clearTimeout(t);
      sleeps.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
