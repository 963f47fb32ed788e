import type { SipIncomingRequest } from '../../../src/ports/sip-edge.port.js';
import { splitMessageText } from '../shared/header-block.js';
import { toIncomingRequest, transportOf } from '../shared/incoming-request.js';
import { bytesFromWire } from '../shared/wire-text.js';
import type { SrfRequest } from '../types/drachtio-srf.js';

/**
 * srf's request → the core's typed request. Headers come from the raw text drachtio-server
 * forwarded, so each header line stays its own entry; the body is cut at Content-Length
 * (RFC 3261 §18.3) from the latin1 wire text, so binary bodies arrive byte for byte.
 */
export function fromSrfRequest(req: SrfRequest): SipIncomingRequest {
  const { headerBlock, body } = splitMessageText(req.msg.raw ?? '');
  const declared = Number.parseInt(req.msg.get('content-length') ?? '', 10);
  const bodyText = Number.isInteger(declared) && declared >= 0 ? body.slice(0, declared) : body;
  return toIncomingRequest({
    method: req.method,
    requestUri: req.uri,
    headerBlock,
    body: bytesFromWire(bodyText),
    source: { address: req.source_address, port: Number(req.source_port), transport: transportOf(req.protocol) },
  });
}
