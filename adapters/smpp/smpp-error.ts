/**
 * The one place adapters/smpp builds errors (STYLE rule 5): a catalogued code plus the
 * protocol context: command_status (number and name), PDU, connection and bind.
 */
import { heraldError, type ErrorCode, type HeraldError } from '../../src/errors.js';
import { statusName } from './command-status.js';

export interface SmppErrorContext {
  readonly commandStatus?: number | undefined;
  /** PDU name involved, e.g. `submit_sm`. */
  readonly pdu?: string | undefined;
  readonly connectionId?: string | undefined;
  readonly bindId?: string | undefined;
  readonly cause?: unknown;
  readonly meta?: Readonly<Record<string, unknown>> | undefined;
}

/** Builds an SMPP adapter error with its protocol context in `meta`. */
export function smppError(code: ErrorCode, detail: string, context: SmppErrorContext = {}): HeraldError {
  const status = context.commandStatus;
  return heraldError(code, status === undefined ? detail : `${detail}: ${statusName(status)}`, {
    cause: context.cause,
    meta: {
      ...context.meta,
      ...(status === undefined ? {} : { commandStatus: status, commandStatusName: statusName(status) }),
      ...(context.pdu === undefined ? {} : { pdu: context.pdu }),
      ...(context.connectionId === undefined ? {} : { connectionId: context.connectionId }),
      ...(context.bindId === undefined ? {} : { bindId: context.bindId }),
    },
  });
}
