import type { Logger } from 'pino';
import type { SipMessage, SipStack } from 'sip';
import digest from 'sip/digest.js';
import type { SipFinalResponse, SipOutgoingMessage } from '../../../src/ports/sip-edge.port.js';
import { MAX_FORWARDS } from '../shared/constants.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { parseHeaderBlock } from '../shared/header-block.js';
import { initialCSeq, newCallId, randomToken } from '../shared/ids.js';
import { formatNameAddr } from '../shared/name-addr.js';
import { bytesToWire, headerToWire, textFromWire } from '../shared/wire-text.js';
import { headerBlockOf } from './incoming.js';
import type { ResponseTap } from './response-tap.js';

export interface SendContext {
  readonly stack: SipStack;
  readonly tap: ResponseTap;
  readonly log: Logger;
  readonly domain: string;
  /** `<sip:proxy;lr>` Route value, when every request goes through an outbound proxy. */
  readonly route: string | undefined;
  readonly timeoutMs: number;
}

/** Per-dialog-less request identity kept across the digest retry (RFC 3261 §22.2). */
interface RequestIdentity {
  readonly callId: string;
  readonly fromTag: string;
  readonly cseq: number;
}

function buildRequest(message: SipOutgoingMessage, identity: RequestIdentity, route: string | undefined): SipMessage {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name.toLowerCase()] = headerToWire(value);
  Object.assign(headers, {
    via: [],
    to: headerToWire(formatNameAddr({ ...message.to, tag: undefined })),
    from: headerToWire(formatNameAddr({ ...message.from, tag: identity.fromTag })),
    'call-id': identity.callId,
    cseq: { seq: identity.cseq, method: 'MESSAGE' },
    'max-forwards': String(MAX_FORWARDS),
    'content-type': headerToWire(message.contentType),
  });
  if (route !== undefined) headers.route = route;
  return { method: 'MESSAGE', uri: headerToWire(message.requestUri), headers, content: bytesToWire(message.body) };
}

function finalResponse(response: SipMessage): SipFinalResponse {
  return {
    status: response.status ?? 0,
    reason: textFromWire(response.reason ?? ''),
    headers: parseHeaderBlock(headerBlockOf(response)),
  };
}

/**
 * Runs one client transaction and resolves with its final response. The stack answers
 * some failures itself with a response it made up (it shares the request's Via array);
 * unless the tap saw a real answer from the peer behind it, that is a transport failure
 * (refused connection, unresolvable host) and rejects. A made-up 408 is Timer F.
 */
function transact(context: SendContext, request: SipMessage): Promise<SipMessage> {
  context.tap.watch(request);
  return new Promise((resolve, reject) => {
    context.stack.send(request, (response) => {
      if ((response.status ?? 0) < 200) return;
      const received = context.tap.take(request);
      const local = response.headers.via === request.headers.via;
      if (!local || response.status === 408) return resolve(response);
      if (received !== undefined) return resolve(received);
      const detail =
        response.status === 404
          ? `cannot resolve ${String(request.uri)}`
          : `transport failure sending to ${String(request.uri)}`;
      reject(sipEdgeError('GW_ERR_SIP_SEND_FAILED', detail, { status: response.status, reason: 'generated locally' }));
    });
  });
}

function challengeRealm(response: SipMessage): string | undefined {
  const list = response.status === 407 ? response.headers['proxy-authenticate'] : response.headers['www-authenticate'];
  const realm = list?.find((c) => c.scheme?.toLowerCase() === 'digest')?.realm;
  return realm?.replace(/^"(.*)"$/, '$1');
}

async function sendWithAuth(message: SipOutgoingMessage, context: SendContext): Promise<SipFinalResponse> {
  const identity: RequestIdentity = { callId: newCallId(context.domain), fromTag: randomToken(), cseq: initialCSeq() };
  const first = await transact(context, buildRequest(message, identity, context.route));
  const credentials = message.credentials;
  if ((first.status !== 401 && first.status !== 407) || credentials === undefined) return finalResponse(first);
  const realm = challengeRealm(first);
  if (realm === undefined) return finalResponse(first);
  // One answer only: a second challenge means the credentials are wrong, and the caller sees it.
  const retry = buildRequest(message, { ...identity, cseq: identity.cseq + 1 }, context.route);
  digest.signRequest({}, retry, first, { user: credentials.username, password: credentials.password, realm });
  context.log.debug({ callId: identity.callId, status: first.status, realm }, 'SIP MESSAGE challenged, answering once');
  return finalResponse(await transact(context, retry));
}

/**
 * Sends one MESSAGE and resolves with the final response. When `timeoutMs` passes first,
 * it resolves 408 (what Timer F means, RFC 3261 §17.1.2.2), so a dead UDP peer and a slow
 * one look the same to the caller. Transport failures (refused TCP connection, unresolvable
 * host) reject with GW_ERR_SIP_SEND_FAILED. Never retries: the caller owns the retry policy.
 * @throws GW_ERR_SIP_SEND_FAILED
 */
export function sendMessage(message: SipOutgoingMessage, context: SendContext): Promise<SipFinalResponse> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      context.log.info({ requestUri: message.requestUri, timeoutMs: context.timeoutMs }, 'SIP MESSAGE timed out');
      resolve({ status: 408, reason: 'Request Timeout', headers: {} });
    }, context.timeoutMs);
    sendWithAuth(message, context).then(
      (response) => {
        clearTimeout(timer);
        resolve(response);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
