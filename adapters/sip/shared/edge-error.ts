import { heraldError, type ErrorCode, type HeraldError } from '../../../src/errors.js';

export interface SipErrorContext {
  /** SIP status involved, e.g. a locally generated 503 for a refused TCP connection. */
  readonly status?: number | undefined;
  readonly reason?: string | undefined;
  readonly cause?: unknown;
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}

/** The one place the SIP edges build errors: catalogued code plus SIP status and reason. */
export function sipEdgeError(code: ErrorCode, detail: string, context: SipErrorContext = {}): HeraldError {
  return heraldError(code, detail, {
    cause: context.cause,
    meta: {
      ...context.meta,
      ...(context.status !== undefined ? { sipStatus: context.status } : {}),
      ...(context.reason !== undefined ? { sipReason: context.reason } : {}),
    },
  });
}
