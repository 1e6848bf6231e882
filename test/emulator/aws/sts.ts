// STS (AWS query protocol): credentials, sessions from AssumeRole, GetCallerIdentity.
import { createHash, randomBytes } from 'node:crypto';
import {
  AwsError,
  constraintMessage,
  expiredToken,
  type Service,
  stsValidation,
  unknownCredentials,
  xmlEscape,
} from './errors.ts';
import type { NormalizedState } from './state.ts';

export interface Principal {
  kind: 'caller' | 'assumed-role';
  accountId: string;
  arn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  roleName?: string;
}

interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: number;
  accountId: string;
  roleName: string;
  sessionName: string;
}

const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function idFrom(seed: string, prefix: string, length = 17): string {
  const digest = createHash('sha256').update(seed).digest();
  let out = prefix;
  for (let i = 0; out.length < prefix.length + length; i++) out += UPPER_ALNUM[(digest[i] ?? 0) % 32];
  return out;
}

function randomId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += UPPER_ALNUM[b % 32];
  return out;
}

export class IdentityStore {
  private sessions = new Map<string, Session>();

  /** Resolves the access key of a request; throws the service's identity error when it is not usable. */
  resolve(
    state: NormalizedState,
    service: Service,
    accessKeyId: string,
    sessionToken: string | undefined,
    now: number,
  ): Principal {
    const caller = state.caller;
    if (accessKeyId === caller.accessKeyId) {
      if (sessionToken !== undefined) throw unknownCredentials(service);
      return {
        kind: 'caller',
        accountId: caller.accountId,
        arn: caller.arn ?? `arn:aws:iam::${caller.accountId}:user/fsbp-bot`,
        userId: caller.userId ?? idFrom(`user/${caller.accountId}/${caller.accessKeyId}`, 'AIDA'),
        accessKeyId,
        secretAccessKey: caller.secretAccessKey,
      };
    }
    const session = this.sessions.get(accessKeyId);
    if (!session || sessionToken !== session.sessionToken) throw unknownCredentials(service);
    if (now >= session.expiration) throw expiredToken(service);
    return {
      kind: 'assumed-role',
      accountId: session.accountId,
      arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
      userId: `${roleId(session.accountId, session.roleName)}:${session.sessionName}`,
      accessKeyId,
      secretAccessKey: session.secretAccessKey,
      roleName: session.roleName,
    };
  }

  /** Test hook: makes every session expire now. */
  expireAll(): void {
    for (const s of this.sessions.values()) s.expiration = 0;
  }

  create(
    accountId: string,
    roleName: string,
    sessionName: string,
    durationSeconds: number,
    now: number,
  ): Session {
    const session: Session = {
      accessKeyId: randomId('ASIA', 16),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: `FwoGZXIvYXdzE${randomBytes(96).toString('base64')}`,
      expiration: now + durationSeconds * 1000,
      accountId,
      roleName,
      sessionName,
    };
    this.sessions.set(session.accessKeyId, session);
    return session;
  }
}

function roleId(accountId: string, roleName: string): string {
  return idFrom(`role/${accountId}/${roleName}`, 'AROA');
}

function envelope(op: string, inner: string, requestId: string): string {
  return (
    `<${op}Response xmlns="${STS_NS}">\n  <${op}Result>\n${inner}  </${op}Result>\n` +
    `  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</${op}Response>\n`
  );
}

const el = (name: string, value: string | number, indent = '    ') =>
  `${indent}<${name}>${xmlEscape(String(value))}</${name}>\n`;

export interface StsContext {
  state: NormalizedState;
  principal: Principal;
  region: string;
  now: number;
  requestId: string;
  identities: IdentityStore;
}

export function stsOperation(params: URLSearchParams): string {
  return params.get('Action') ?? '';
}

export function handleSts(ctx: StsContext, params: URLSearchParams): string {
  const action = params.get('Action') ?? '';
  const version = params.get('Version');
  if (version !== '2011-06-15') {
    throw new AwsError(
      'InvalidAction',
      `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`,
      400,
    );
  }
  const principalAccount = ctx.state.accounts[ctx.principal.accountId];
  if (action === 'GetCallerIdentity') {
    checkRegionEnabled(principalAccount?.disabledRegions, ctx);
    const p = ctx.principal;
    return envelope(
      'GetCallerIdentity',
      el('Arn', p.arn) + el('UserId', p.userId) + el('Account', p.accountId),
      ctx.requestId,
    );
  }
  if (action === 'AssumeRole') return assumeRole(ctx, params);
  throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
}

function checkRegionEnabled(disabled: string[] | undefined, ctx: StsContext): void {
  if (disabled?.includes(ctx.region)) {
    throw new AwsError(
      'RegionDisabledException',
      `STS is not activated in this region for account:${ctx.principal.accountId}. ` +
        'Your account administrator can activate STS in this region using the IAM Console.',
      403,
    );
  }
}

const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

function assumeRole(ctx: StsContext, params: URLSearchParams): string {
  const roleArn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  const externalId = params.get('ExternalId');
  const durationRaw = params.get('DurationSeconds');
  if (roleArn === null) throw stsValidation(constraintMessage(null, 'roleArn', 'Member must not be null'));
  if (sessionName === null)
    throw stsValidation(constraintMessage(null, 'roleSessionName', 'Member must not be null'));
  if (roleArn.length < 20 || roleArn.length > 2048) {
    throw stsValidation(constraintMessage(roleArn, 'roleArn', 'Member must have length between 20 and 2048'));
  }
  if (sessionName.length < 2 || sessionName.length > 64) {
    throw stsValidation(
      constraintMessage(
        sessionName,
        'roleSessionName',
        `Member must have length ${sessionName.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 64'}`,
      ),
    );
  }
  if (!/^[\w+=,.@-]*$/.test(sessionName)) {
    throw stsValidation(
      constraintMessage(
        sessionName,
        'roleSessionName',
        'Member must satisfy regular expression pattern: [\\w+=,.@-]*',
      ),
    );
  }
  if (externalId !== null) {
    if (externalId.length < 2 || externalId.length > 1224) {
      throw stsValidation(
        constraintMessage(
          externalId,
          'externalId',
          `Member must have length ${externalId.length < 2 ? 'greater than or equal to 2' : 'less than or equal to 1224'}`,
        ),
      );
    }
    if (!/^[\w+=,.@:/-]*$/.test(externalId)) {
      throw stsValidation(
        constraintMessage(
          externalId,
          'externalId',
          'Member must satisfy regular expression pattern: [\\w+=,.@:/-]*',
        ),
      );
    }
  }
  const duration = durationRaw === null ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900) {
    throw stsValidation(
      constraintMessage(
        durationRaw,
        'durationSeconds',
        'Member must have value greater than or equal to 900',
      ),
    );
  }
  if (duration > 43200) {
    throw stsValidation(
      constraintMessage(durationRaw, 'durationSeconds', 'Member must have value less than or equal to 43200'),
    );
  }
  const match = ROLE_ARN_RE.exec(roleArn);
  const denied = new AwsError(
    'AccessDenied',
    `User: ${ctx.principal.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    403,
  );
  if (!match) throw stsValidation(`${roleArn} is invalid`);
  const [, accountId = '', roleName = ''] = match;
  const account = ctx.state.accounts[accountId];
  const role = account?.roles[roleName];
  if (!account || !role) throw denied;
  if (role.externalId !== undefined && externalId !== role.externalId) throw denied;
  checkRegionEnabled(account.disabledRegions, { ...ctx, principal: { ...ctx.principal, accountId } });
  if (ctx.principal.kind === 'assumed-role' && duration > 3600) {
    throw stsValidation(
      'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
    );
  }
  if (duration > (role.maxSessionDuration ?? 3600)) {
    throw stsValidation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  }
  const session = ctx.identities.create(accountId, roleName, sessionName, duration, ctx.now);
  const expiration = new Date(session.expiration).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const inner =
    '    <AssumedRoleUser>\n' +
    el('AssumedRoleId', `${roleId(accountId, roleName)}:${sessionName}`, '      ') +
    el('Arn', `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`, '      ') +
    '    </AssumedRoleUser>\n' +
    '    <Credentials>\n' +
    el('AccessKeyId', session.accessKeyId, '      ') +
    el('SecretAccessKey', session.secretAccessKey, '      ') +
    el('SessionToken', session.sessionToken, '      ') +
    el('Expiration', expiration, '      ') +
    '    </Credentials>\n';
  return envelope('AssumeRole', inner, ctx.requestId);
}
