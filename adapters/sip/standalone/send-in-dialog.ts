/**
 * A request inside a dialog Herald accepted (RFC 3261 §12.2.1.1): BYE to end a session.
 * To the peer's Contact, From carrying Herald's tag, To the peer's, the dialog's Call-ID.
 */
import type { SipFinalResponse, SipInDialogRequest } from '../../../src/ports/sip-edge.port.js';
import { MAX_FORWARDS } from '../shared/constants.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { parseHeaderBlock } from '../shared/header-block.js';
import { randomToken } from '../shared/ids.js';
import { formatNameAddr } from '../shared/name-addr.js';
import { headerToWire, textFromWire } from '../shared/wire-text.js';
import type { SendContext } from './send-message.js';
import { resolveTarget } from './target.js';

/** @throws GW_ERR_SIP_SEND_FAILED on a transport failure; a timeout resolves 408 like MESSAGE. */
export async function sendInDialog(request: SipInDialogRequest, context: SendContext): Promise<SipFinalResponse> {
  const target = await resolveTarget(request.requestUri);
  const branch = `z9hG4bK${randomToken()}`;
  const lines = [
    `${request.method} ${headerToWire(request.requestUri)} SIP/2.0`,
    `Via: SIP/2.0/${target.transport.toUpperCase()} ${context.via.host}:${context.via.port};rport;branch=${branch}`,
    `Max-Forwards: ${MAX_FORWARDS}`,
    `From: ${headerToWire(formatNameAddr(request.local))}`,
    `To: ${headerToWire(formatNameAddr(request.remote))}`,
    `Call-ID: ${headerToWire(request.callId)}`,
    `CSeq: ${request.cseq} ${request.method}`,
    'Content-Length: 0',
    '',
    '',
  ];
  const bytes = Buffer.from(lines.join('\r\n'), 'latin1');
  const send = (): Promise<void> => (target.transport === 'tcp' ? context.sockets.sendTcp(bytes, target.address, target.port) : context.sockets.sendUdp(bytes, target.address, target.port));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<SipFinalResponse>((resolve) => {
    timer = setTimeout(() => resolve({ status: 408, reason: 'Request Timeout', headers: {} }), context.timeoutMs);
  });
  try {
    const answered = context.transactions.run(branch, request.method, send, target.transport === 'tcp').then((response) => ({
      status: response.head.status,
      reason: textFromWire(response.head.reason),
      headers: parseHeaderBlock(response.head.headerBlock),
    }));
    return await Promise.race([answered, timeout]);
  } catch (err) {
    throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', `transport failure sending ${request.method} to ${request.requestUri}`, { cause: err, status: 503, reason: 'generated locally' });
  } finally {
    clearTimeout(timer);
  }
}
