/**
 * What doctor asks IAM's policy simulator about one role, without calling the actions themselves:
 * the suppression write, and the Security Hub control reads of the features that role serves.
 */
import { asAppError } from '../errors.ts';
import type { AccountSetupProbe, SimulatedDecision } from './ports.ts';
import { awsProblem, type CheckScope, type DoctorCheck, pass, problem } from './report.ts';

const writeAction = 'securityhub:BatchUpdateFindings';
const suppressContext = { 'securityhub:ASFFSyntaxPath/Workflow.Status': ['SUPPRESSED'] };

/** Read where the association APIs are refused or missing (security-controls.ts, enablement.ts). */
const describeControls = 'securityhub:DescribeStandardsControls';

/** One control read: the action the bot calls, its fallback if it has one, and the outcome when both are denied. */
export interface ControlRead {
  action: string;
  fallback?: string;
  outcome: 'definitions' | 'enablement' | 'explainEnablement' | 'parameters';
}

/** AWS's list of FSBP controls (controls --sync and the daily sync); one role reads it. */
export const definitionsRead: ControlRead = {
  action: 'securityhub:ListSecurityControlDefinitions',
  outcome: 'definitions',
};

/** What every checked account's role reads: enablement (check, digest) and `explain --account`. */
export const accountReads: readonly ControlRead[] = [
  {
    action: 'securityhub:BatchGetStandardsControlAssociations',
    fallback: describeControls,
    outcome: 'enablement',
  },
  {
    action: 'securityhub:ListStandardsControlAssociations',
    fallback: describeControls,
    outcome: 'explainEnablement',
  },
  { action: 'securityhub:BatchGetSecurityControls', outcome: 'parameters' },
];

/** What to simulate for one role in one place. */
export interface Permissions {
  /** The suppression write (this role suppresses findings). */
  write: boolean;
  reads: readonly ControlRead[];
}

function actionsOf(need: Permissions): string[] {
  const reads = need.reads.flatMap((r) => (r.fallback ? [r.action, r.fallback] : [r.action]));
  return [...new Set([...(need.write ? [writeAction] : []), ...reads])];
}

/**
 * One simulation for all the role needs here; a line for the write and one for the reads (a pass, or
 * a warning per read the role lost: the feature then works without it, less well).
 */
export async function permissionChecks(
  probe: AccountSetupProbe,
  scope: CheckScope,
  need: Permissions,
): Promise<DoctorCheck[]> {
  const actions = actionsOf(need);
  if (actions.length === 0) return [];
  let decisions: Record<string, SimulatedDecision>;
  try {
    decisions = await probe.simulate(actions, suppressContext);
  } catch (error) {
    const e = asAppError(error);
    const ids = [
      ...(need.write ? ['aws.suppressWrite'] : []),
      ...(need.reads.length > 0 ? ['aws.controlsRead'] : []),
    ];
    // Not being allowed to simulate says nothing about the actions themselves.
    if (e.code === 'aws_access_denied') return ids.map((id) => problem('warn', id, scope, 'unchecked'));
    return ids.map((id) => awsProblem(id, scope, e));
  }
  return [
    ...(need.write ? [writeCheck(decisions, scope)] : []),
    ...(need.reads.length > 0 ? readChecks(decisions, need.reads, scope) : []),
  ];
}

function writeCheck(decisions: Record<string, SimulatedDecision>, scope: CheckScope): DoctorCheck {
  const decision = decisions[writeAction] ?? 'implicitDeny';
  if (decision === 'allowed') return pass('aws.suppressWrite', scope, 'allowed');
  return problem('fail', 'aws.suppressWrite', scope, decision, {}, statement('SuppressAndLift', writeAction));
}

/** A read is lost only when neither it nor its fallback is allowed. */
function readChecks(
  decisions: Record<string, SimulatedDecision>,
  reads: readonly ControlRead[],
  scope: CheckScope,
): DoctorCheck[] {
  const allowed = (action: string) => decisions[action] === 'allowed';
  const lost = reads.filter((r) => !allowed(r.action) && !(r.fallback && allowed(r.fallback)));
  if (lost.length === 0) return [pass('aws.controlsRead', scope, 'allowed')];
  return lost.map((r) =>
    problem(
      'warn',
      'aws.controlsRead',
      scope,
      r.outcome,
      { action: r.action },
      statement('ReadControlsAsTheAccountHasThem', r.action),
    ),
  );
}

function statement(sid: string, action: string): string {
  return JSON.stringify({ Sid: sid, Effect: 'Allow', Action: action, Resource: '*' });
}
