// IAM (AWS query protocol, global endpoint): SimulatePrincipalPolicy against the policies in the state file.
import { AwsError, xmlEscape } from './errors.ts';
import type { NormalizedState, PrincipalPolicy } from './state.ts';
import type { Principal } from './sts.ts';

const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const ROLE_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const USER_ARN_RE = /^arn:aws[a-z-]*:iam::(\d{12}):user\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;

export interface IamContext {
  state: NormalizedState;
  principal: Principal;
  requestId: string;
}

type Decision = 'allowed' | 'explicitDeny' | 'implicitDeny';

function matches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 'i');
  return re.test(action);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** IAM's order: an explicit deny wins, then an allow, else the implicit deny. No policy: allow all. */
export function decide(policy: PrincipalPolicy | undefined, action: string): Decision {
  if (!policy) return 'allowed';
  if (policy.deny.some((p) => matches(p, action))) return 'explicitDeny';
  if (policy.allow.some((p) => matches(p, action))) return 'allowed';
  return 'implicitDeny';
}

/** The policy of the principal making the request (the bot's user or the role behind a session). */
function callerPolicy(ctx: IamContext): PrincipalPolicy | undefined {
  const p = ctx.principal;
  if (p.kind === 'caller') return ctx.state.caller.policy;
  return ctx.state.accounts[p.accountId]?.roles[p.roleName ?? '']?.policy;
}

function sourcePolicy(ctx: IamContext, arn: string): PrincipalPolicy | undefined {
  const role = ROLE_ARN_RE.exec(arn);
  if (role) {
    const [, accountId = '', name = ''] = role;
    const found = ctx.state.accounts[accountId]?.roles[name];
    if (!found) throw new AwsError('NoSuchEntity', `The role with name ${name} cannot be found.`, 404);
    return found.policy;
  }
  const user = USER_ARN_RE.exec(arn);
  if (user && ctx.state.caller.arn === arn) return ctx.state.caller.policy;
  if (user) throw new AwsError('NoSuchEntity', `The user with name ${user[2]} cannot be found.`, 404);
  throw new AwsError('InvalidInput', `ARN ${arn} is not valid.`, 400);
}

function members(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${name}.member.${i}`); i++) out.push(params.get(`${name}.member.${i}`) ?? '');
  return out;
}

export function handleIam(ctx: IamContext, params: URLSearchParams): string {
  const action = params.get('Action') ?? '';
  if (params.get('Version') !== '2010-05-08') {
    throw new AwsError(
      'InvalidAction',
      `Could not find operation ${action} for version ${params.get('Version')}`,
      400,
    );
  }
  if (action !== 'SimulatePrincipalPolicy') {
    throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`, 400);
  }
  const source = params.get('PolicySourceArn');
  const actions = members(params, 'ActionNames');
  if (!source) throw validation('policySourceArn', 'Member must not be null');
  if (actions.length === 0) throw validation('actionNames', 'Member must not be null');
  if (decide(callerPolicy(ctx), 'iam:SimulatePrincipalPolicy') !== 'allowed') {
    throw new AwsError(
      'AccessDenied',
      `User: ${ctx.principal.arn} is not authorized to perform: iam:SimulatePrincipalPolicy on resource: ${source}`,
      403,
    );
  }
  const policy = sourcePolicy(ctx, source);
  const results = actions
    .map(
      (name) =>
        '      <member>\n' +
        `        <EvalActionName>${xmlEscape(name)}</EvalActionName>\n` +
        '        <EvalResourceName>*</EvalResourceName>\n' +
        `        <EvalDecision>${decide(policy, name)}</EvalDecision>\n` +
        '        <MatchedStatements/>\n        <MissingContextValues/>\n' +
        '      </member>\n',
    )
    .join('');
  return (
    `<SimulatePrincipalPolicyResponse xmlns="${IAM_NS}">\n  <SimulatePrincipalPolicyResult>\n` +
    `    <IsTruncated>false</IsTruncated>\n    <EvaluationResults>\n${results}    </EvaluationResults>\n` +
    `  </SimulatePrincipalPolicyResult>\n  <ResponseMetadata>\n    <RequestId>${ctx.requestId}</RequestId>\n` +
    '  </ResponseMetadata>\n</SimulatePrincipalPolicyResponse>\n'
  );
}

function validation(member: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationError',
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: ${constraint}`,
    400,
  );
}
