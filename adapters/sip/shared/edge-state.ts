import type { ErrorCode } from '../../../src/errors.js';
import { sipEdgeError } from './edge-error.js';

export type EdgeState = 'idle' | 'starting' | 'ready' | 'stopping' | 'stopped';

/**
 * Guards an edge operation. A wrong-state call throws a coded error and never returns
 * quietly: `send` before `start` or after `stop` is transient for the caller's retry logic.
 * @throws `code` when `state` is not one of `allowed`.
 */
export function assertState(
  state: EdgeState,
  allowed: readonly EdgeState[],
  operation: string,
  code: ErrorCode = 'GW_ERR_GATEWAY_INTERNAL',
): void {
  if (!allowed.includes(state)) {
    throw sipEdgeError(code, `${operation} while the SIP edge is ${state}`, { meta: { state, operation } });
  }
}
