import { asAppError } from '../errors.ts';
import type { CheckErrorInfo } from './types.ts';

/** The part of an error a report carries: a stable code, a message, and the refused IAM action. */
export function errorInfo(error: unknown): CheckErrorInfo {
  const appError = asAppError(error);
  const action = appError.params.action;
  return {
    code: appError.code,
    message: appError.message,
    ...(typeof action === 'string' ? { action } : {}),
  };
}
