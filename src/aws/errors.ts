import { AppError } from '../errors.ts';

/** The IAM action behind each API operation we call, named when AWS refuses it. */
const iamActions: Record<string, string> = {
  AssumeRole: 'sts:AssumeRole',
  GetCallerIdentity: 'sts:GetCallerIdentity',
  DescribeConfigRules: 'config:DescribeConfigRules',
  DescribeConfigRuleEvaluationStatus: 'config:DescribeConfigRuleEvaluationStatus',
  StartConfigRulesEvaluation: 'config:StartConfigRulesEvaluation',
  GetComplianceDetailsByConfigRule: 'config:GetComplianceDetailsByConfigRule',
  DescribeComplianceByConfigRule: 'config:DescribeComplianceByConfigRule',
  GetFindings: 'securityhub:GetFindings',
  BatchUpdateFindings: 'securityhub:BatchUpdateFindings',
  DescribeHub: 'securityhub:DescribeHub',
  GetEnabledStandards: 'securityhub:GetEnabledStandards',
  ListSecurityControlDefinitions: 'securityhub:ListSecurityControlDefinitions',
  BatchGetSecurityControls: 'securityhub:BatchGetSecurityControls',
  ListStandardsControlAssociations: 'securityhub:ListStandardsControlAssociations',
  BatchGetStandardsControlAssociations: 'securityhub:BatchGetStandardsControlAssociations',
  DescribeStandardsControls: 'securityhub:DescribeStandardsControls',
  DescribeConfigurationRecorderStatus: 'config:DescribeConfigurationRecorderStatus',
  SimulatePrincipalPolicy: 'iam:SimulatePrincipalPolicy',
  ListMembers: 'securityhub:ListMembers',
  ListFindingAggregators: 'securityhub:ListFindingAggregators',
  GetFindingAggregator: 'securityhub:GetFindingAggregator',
  ListRoots: 'organizations:ListRoots',
  ListOrganizationalUnitsForParent: 'organizations:ListOrganizationalUnitsForParent',
  ListAccountsForParent: 'organizations:ListAccountsForParent',
  ListTagsForResource: 'organizations:ListTagsForResource',
};

export interface CallScope {
  operation: string;
  accountId: string;
  region: string;
}

const accessDenied = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);
const badCredentials = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const throttled = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'Throttling',
  'LimitExceededException',
]);

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'Error';
}

/** The request ID AWS gave the failed call (the SDK keeps it in `$metadata`), for a support case. */
function requestIdOf(error: unknown): string | undefined {
  const id = (error as { $metadata?: { requestId?: unknown } } | null)?.$metadata?.requestId;
  return typeof id === 'string' && /^[\w-]{1,128}$/.test(id) ? id : undefined;
}

/**
 * Turns an SDK error into a typed AppError that says what to do; the SDK error stays as `cause`.
 * Users see only AWS's error code (`reason`), the refused IAM action and the request ID: AWS's own
 * message can name the bot's principal ARN and goes to the log only (in `message`).
 */
export function toAppError(error: unknown, scope: CallScope): AppError {
  if (error instanceof AppError) return error;
  const name = errorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  const requestId = requestIdOf(error);
  const params = {
    account: scope.accountId,
    region: scope.region,
    operation: scope.operation,
    reason: name,
    ...(requestId ? { requestId } : {}),
  };
  const message = `${scope.operation} in ${scope.accountId}/${scope.region}: ${name}: ${detail}${requestId ? ` (request ${requestId})` : ''}`;
  if (accessDenied.has(name)) {
    const action = iamActions[scope.operation] ?? scope.operation;
    return new AppError('aws_access_denied', message, { params: { ...params, action }, cause: error });
  }
  if (name === 'InvalidAccessException')
    return new AppError('aws_not_subscribed', message, { params, cause: error });
  if (name === 'AWSOrganizationsNotInUseException')
    return new AppError('aws_organizations_not_in_use', message, { params, cause: error });
  if (name === 'RegionDisabledException')
    return new AppError('aws_region_disabled', message, { params, cause: error });
  if (badCredentials.has(name)) return new AppError('aws_credentials', message, { params, cause: error });
  if (throttled.has(name)) return new AppError('aws_throttled', message, { params, cause: error });
  return new AppError('aws_unavailable', message, { params, cause: error });
}

/** Runs one SDK call and converts whatever it throws. */
export async function awsCall<T>(scope: CallScope, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toAppError(error, scope);
  }
}

/** Runs an SDK call under the process-wide bound on calls in flight, converting its errors. */
export type AwsCaller = <T>(scope: CallScope, fn: () => Promise<T>) => Promise<T>;

export function createAwsCaller(limit: <T>(fn: () => Promise<T>) => Promise<T>): AwsCaller {
  return (scope, fn) => limit(() => awsCall(scope, fn));
}
