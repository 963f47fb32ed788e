import type { Logger } from 'pino';
import { isHeraldError } from '../../../src/errors.js';
import type { SipIncomingRequest, SipReply, SipRequestHandler } from '../../../src/ports/sip-edge.port.js';
import { allowHeader, HANDLED_METHODS } from './constants.js';
import { edgeRefusal } from './refusal.js';
import { validateRequest } from './validate-request.js';

/**
 * Runs the core's handler for one request and always yields a final reply: a request that
 * fails the strict RFC 3261 checks (validate-request.ts) gets 400 with the reason; methods the
 * gateway does not serve get 405 with Allow (RFC 3261 §8.2.1), and a handler that throws
 * gets the SIP status of its error (500 when it is not a HeraldError), so no transaction
 * is ever left unanswered.
 */
export async function dispatchRequest(
  handler: SipRequestHandler,
  request: SipIncomingRequest,
  log: Logger,
  /** Host named in the Warning of the edge's own refusals (`sip.domain`). */
  domain = 'localhost',
  /** Methods the core serves on this edge (session mode adds INVITE and BYE). */
  handled: readonly string[] = HANDLED_METHODS,
): Promise<SipReply> {
  const invalid = validateRequest(request);
  if (invalid !== undefined) {
    // debug, not info: a flood of junk must not cost a log line each (the metric counts it).
    log.debug({ method: request.method, detail: invalid.detail, source: request.source.address }, 'SIP request refused as malformed');
    return edgeRefusal(invalid.status, invalid.detail, domain);
  }
  if (!handled.includes(request.method)) {
    log.debug({ method: request.method, callId: request.callId }, 'SIP method not allowed');
    const refusal = edgeRefusal(405, request.method, domain, 'GW_ERR_SIP_METHOD', { Allow: allowHeader(handled) });
    // The standard phrase: clients match on it, and the Warning names the method.
    return { ...refusal, reason: 'Method Not Allowed' };
  }
  try {
    const reply = await handler(request);
    if (!Number.isInteger(reply.status) || reply.status < 200 || reply.status > 699) {
      log.error({ status: reply.status, callId: request.callId }, 'SIP handler returned a non-final status');
      return internalError('handler returned a non-final status', domain);
    }
    return reply;
  } catch (err) {
    const status = isHeraldError(err) ? err.sipStatus : 500;
    log.error({ err, callId: request.callId }, 'SIP handler failed');
    if (status === 500 || !isHeraldError(err)) return internalError('request handling failed', domain);
    // The code names the fault; the detail may hold internals, so it stays in the log.
    return { ...edgeRefusal(status, err.code, domain, err.code), reason: 'Request Failed' };
  }
}

/** 500 with the standard phrase and a Warning that names no internals (they are logged). */
function internalError(detail: string, domain: string): SipReply {
  return { ...edgeRefusal(500, detail, domain, 'GW_ERR_GATEWAY_INTERNAL'), reason: 'Server Internal Error' };
}
