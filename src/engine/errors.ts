import { asAppError } from '../errors.ts';
import type { CheckErrorInfo } from './types.ts';

/**
 * The part of an error a report carries: a stable code, AWS's error code, the refused IAM action and
 * the request ID for people; the full message for the log and the terminal's JSON.
 */
export function errorInfo(error: unknown): CheckErrorInfo {
  const appError = asAppError(error);
  const { action, reason, requestId, role } = appError.params;
  return {
    code: appError.code,
    message: appError.message,
    ...(typeof reason === 'string' ? { awsCode: reason } : {}),
    ...(typeof action === 'string' ? { action } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof role === 'string' ? { role } : {}),
  };
}
