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
  DescribeConfigurationRecorderStatus: 'config:DescribeConfigurationRecorderStatus',
  SimulatePrincipalPolicy: 'iam:SimulatePrincipalPolicy',
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

/** Turns an SDK error into a typed AppError that says what to do; the SDK error stays as `cause`. */
export function toAppError(error: unknown, scope: CallScope): AppError {
  if (error instanceof AppError) return error;
  const name = errorName(error);
  const reason = error instanceof Error ? error.message : String(error);
  const params = { account: scope.accountId, region: scope.region, operation: scope.operation, reason };
  const message = `${scope.operation} in ${scope.accountId}/${scope.region}: ${name}: ${reason}`;
  if (accessDenied.has(name)) {
    const action = iamActions[scope.operation] ?? scope.operation;
    return new AppError('aws_access_denied', message, { params: { ...params, action }, cause: error });
  }
  if (name === 'InvalidAccessException')
    return new AppError('aws_not_subscribed', message, { params, cause: error });
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
