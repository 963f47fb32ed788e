/**
 * The MSRP status a session message gets from what page mode would have answered the same
 * content (the IWF answers the SEND as it would the MESSAGE). RFC 4975 §10
 * has no 404 or 5xx: a refusal that is not about the content is 403.
 */
import type { MsrpVerdict } from '../ports/msrp-endpoint.port.js';
import type { SipReply } from '../ports/sip-edge.port.js';

export function verdictOf(reply: SipReply): MsrpVerdict {
  const status = reply.status;
  if (status >= 200 && status < 300) return { status: 200, comment: 'OK' };
  if (status === 413 || status === 415 || status === 400) return { status, comment: reply.reason };
  if (status === 488) return { status: 415, comment: reply.reason };
  return { status: 403, comment: reply.reason };
}
