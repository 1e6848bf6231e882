// AWS error values and their wire form for each protocol the emulator speaks.
export type Service = 'sts' | 'iam' | 'config' | 'securityhub' | 'organizations';

/** The services that speak JSON 1.1 (X-Amz-Target, `__type` errors). */
export const isJsonService = (service: Service) => service === 'config' || service === 'organizations';

/** The services that speak the query protocol (form-encoded requests, XML answers). */
export const isQueryService = (service: Service) => service === 'sts' || service === 'iam';

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    /** Security Hub: true for errors of the service model (body carries Code + Message). */
    readonly modeled = true,
    /** Members of the error shape besides the message (Organizations: `Reason`, `Type`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

const NAMESPACES = {
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
} as const;

export function xmlEscape(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

export function renderError(service: Service, err: AwsError, requestId: string): WireResponse {
  if (service === 'sts' || service === 'iam') {
    const type = err.status >= 500 ? 'Receiver' : 'Sender';
    const body =
      `<ErrorResponse xmlns="${NAMESPACES[service]}">\n  <Error>\n    <Type>${type}</Type>\n` +
      `    <Code>${xmlEscape(err.code)}</Code>\n    <Message>${xmlEscape(err.message)}</Message>\n  </Error>\n` +
      `  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
    return {
      status: err.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body,
    };
  }
  if (service === 'config') {
    return {
      status: err.status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: err.code, message: err.message }),
    };
  }
  if (service === 'organizations') {
    // Organizations' error shapes name their member `Message` (capital M) and may add Reason or Type.
    const body = err.modeled
      ? { __type: err.code, Message: err.message, ...err.extra }
      : { __type: err.code, message: err.message };
    return {
      status: err.status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
      body: JSON.stringify(body),
    };
  }
  const body = err.modeled ? { Code: err.code, Message: err.message } : { message: err.message };
  return {
    status: err.status,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': err.code,
    },
    body: JSON.stringify(body),
  };
}

// ---- identity errors, per service --------------------------------------------------------------

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. ' +
  'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function unknownCredentials(service: Service): AwsError {
  if (isQueryService(service)) return new AwsError('InvalidClientTokenId', INVALID_TOKEN, 403);
  if (isJsonService(service)) return new AwsError('UnrecognizedClientException', INVALID_TOKEN, 400, false);
  return new AwsError('UnrecognizedClientException', INVALID_TOKEN, 403, false);
}

export function expiredToken(service: Service): AwsError {
  if (isQueryService(service)) return new AwsError('ExpiredToken', EXPIRED_TOKEN, 403);
  if (isJsonService(service)) return new AwsError('ExpiredTokenException', EXPIRED_TOKEN, 400, false);
  return new AwsError('ExpiredTokenException', EXPIRED_TOKEN, 403, false);
}

export function badSignature(service: Service, message = BAD_SIGNATURE): AwsError {
  if (isQueryService(service)) return new AwsError('SignatureDoesNotMatch', message, 403);
  if (isJsonService(service)) return new AwsError('InvalidSignatureException', message, 400, false);
  return new AwsError('InvalidSignatureException', message, 403, false);
}

export function incompleteSignature(service: Service, message: string): AwsError {
  return new AwsError('IncompleteSignature', message, isJsonService(service) ? 400 : 403, false);
}

export function missingAuth(service: Service): AwsError {
  if (isQueryService(service))
    return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  const status = isJsonService(service) ? 400 : 403;
  return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', status, false);
}

export function throttled(service: Service): AwsError {
  if (isQueryService(service)) return new AwsError('Throttling', 'Rate exceeded', 400);
  if (service === 'config') return new AwsError('ThrottlingException', 'Rate exceeded', 400);
  if (service === 'organizations') {
    return new AwsError(
      'TooManyRequestsException',
      'You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.',
      400,
    );
  }
  return new AwsError('TooManyRequestsException', 'Too Many Requests', 429, false);
}

export function internalError(service: Service): AwsError {
  if (service === 'securityhub')
    return new AwsError('InternalException', 'Internal service error (injected fault)', 500);
  if (service === 'organizations')
    return new AwsError('ServiceException', 'Internal service error (injected fault)', 500);
  return new AwsError('InternalFailure', 'Internal service error (injected fault)', 500);
}

// ---- service-specific shortcuts ----------------------------------------------------------------

export const shInvalidInput = (message: string) => new AwsError('InvalidInputException', message, 400);
export const cfgInvalidParameter = (message: string) =>
  new AwsError('InvalidParameterValueException', message, 400);
export const cfgInvalidLimit = (message: string) => new AwsError('InvalidLimitException', message, 400);
export const cfgInvalidNextToken = () =>
  new AwsError('InvalidNextTokenException', 'The nextToken provided is invalid', 400);
export const cfgNoSuchRule = (name: string) =>
  new AwsError(
    'NoSuchConfigRuleException',
    `The ConfigRule '${name}' provided in the request is invalid. Please check the configRule name.`,
    400,
  );
export const stsValidation = (message: string) => new AwsError('ValidationError', message, 400);

/** Coral-style constraint message, as AWS front ends word them. */
export function constraintMessage(value: unknown, member: string, constraint: string): string {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`;
}
