/**
 * Every error the user can see has a code; `locales/<lang>/translation.json` holds `errors.<code>`
 * (a test asserts the two lists match). The message here is for logs, the code is for people.
 */
export const errorCodes = [
  'invalid_arguments',
  'unknown_command',
  'unknown_control',
  'unknown_target',
  'unknown_account',
  'account_not_configured',
  'account_not_in_channel',
  'channel_not_configured',
  'config_invalid',
  'catalog_invalid',
  'aws_access_denied',
  'aws_assume_role_failed',
  'aws_not_subscribed',
  'aws_region_disabled',
  'aws_throttled',
  'aws_credentials',
  'aws_unavailable',
  'not_allowed',
  'unknown_suppression',
  'suppression_target_gone',
  'nothing_to_suppress',
  'region_not_configured',
  'too_many_targets',
  'check_running',
  'digest_cooldown',
  'store_copy_failed',
  'suppression_conflict',
  'suppression_busy',
  'suppress_target_elsewhere',
  'recheck_refused',
  'nothing_to_recheck',
  'approval_self',
  'approval_not_approver',
  'approval_closed',
  'accounts_not_discovered',
  'aws_organizations_not_in_use',
  'internal',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export type ErrorParams = Record<string, string | number>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, message: string, options: { params?: ErrorParams; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.params = options.params ?? {};
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wraps anything thrown into an AppError so every surface can answer the user. */
export function asAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError('internal', message, { cause: error });
}

/**
 * Bad input, explained by a locale key under `args.` so each language says what is wrong;
 * `params` fill the key's placeholders.
 */
export function invalidArguments(detailKey: string, params: ErrorParams = {}): AppError {
  return new AppError('invalid_arguments', `${detailKey} ${JSON.stringify(params)}`, {
    params: { ...params, detailKey },
  });
}
