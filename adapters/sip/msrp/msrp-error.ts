import { heraldError, type ErrorCode, type HeraldError } from '../../../src/errors.js';

/** The one place the MSRP adapter builds errors: code plus the MSRP status and session. */
export function msrpError(code: ErrorCode, detail: string, context: { status?: number; sessionId?: string; cause?: unknown } = {}): HeraldError {
  return heraldError(code, detail, {
    cause: context.cause,
    meta: { ...(context.status !== undefined ? { msrpStatus: context.status } : {}), ...(context.sessionId !== undefined ? { sessionId: context.sessionId } : {}) },
  });
}

/** MSRP status for a failure the adapter hit itself (RFC 4975 §10). */
export function msrpStatusOf(code: string): number {
  if (code === 'GW_ERR_CONTENT_TOO_LARGE') return 413;
  if (code === 'GW_ERR_CONTENT_UNSUPPORTED_TYPE') return 415;
  return 400;
}
