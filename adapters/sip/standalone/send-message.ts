import type { Logger } from 'pino';
import type { SipFinalResponse, SipOutgoingMessage } from '../../../src/ports/sip-edge.port.js';
import { MAX_FORWARDS } from '../shared/constants.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { parseHeaderBlock } from '../shared/header-block.js';
import { initialCSeq, newCallId, randomToken } from '../shared/ids.js';
import { formatNameAddr } from '../shared/name-addr.js';
import { bytesToWire, headerToWire, textFromWire } from '../shared/wire-text.js';
import { headerValues } from '../shared/wire-parser.js';
import type { ClientResponse, ClientTransactions } from './client-transactions.js';
import { authorization, parseChallenge, supported } from './digest-client.js';
import { resolveTarget, type SipTarget } from './target.js';
import type { SipSockets } from './transport.js';

export interface SendContext {
  readonly sockets: SipSockets;
  readonly transactions: ClientTransactions;
  readonly log: Logger;
  readonly domain: string;
  /** host and port put in Via (sip.publicAddress, else where the edge listens). */
  readonly via: { readonly host: string; readonly port: number };
  /** Outbound proxy URI, when every request goes through one (sent with a loose Route). */
  readonly outboundProxy: string | undefined;
  readonly timeoutMs: number;
}

/** Per-dialog-less request identity kept across the digest retry (RFC 3261 §22.2). */
interface RequestIdentity {
  readonly callId: string;
  readonly fromTag: string;
  readonly cseq: number;
}

function routeFor(proxy: string): string {
  return /;lr(?:[;=>]|$)/i.test(proxy) ? `<${proxy}>` : `<${proxy};lr>`;
}

function buildRequest(
  message: SipOutgoingMessage,
  identity: RequestIdentity,
  context: SendContext,
  target: SipTarget,
  branch: string,
  auth: string | undefined,
): Buffer {
  const uri = headerToWire(message.requestUri);
  const body = bytesToWire(message.body);
  const lines = [
    `MESSAGE ${uri} SIP/2.0`,
    `Via: SIP/2.0/${target.transport.toUpperCase()} ${context.via.host}:${context.via.port};rport;branch=${branch}`,
    `Max-Forwards: ${MAX_FORWARDS}`,
    `To: ${headerToWire(formatNameAddr({ ...message.to, tag: undefined }))}`,
    `From: ${headerToWire(formatNameAddr({ ...message.from, tag: identity.fromTag }))}`,
    `Call-ID: ${identity.callId}`,
    `CSeq: ${identity.cseq} MESSAGE`,
  ];
  if (context.outboundProxy !== undefined) lines.push(`Route: ${routeFor(context.outboundProxy)}`);
  const callerRoute = callerRouteOf(message);
  if (callerRoute !== undefined) lines.push(`Route: ${headerToWire(callerRoute)}`);
  const managed = new Set(['via', 'max-forwards', 'to', 'from', 'call-id', 'cseq', 'route', 'content-type', 'content-length']);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!managed.has(name.toLowerCase()) && /^[A-Za-z0-9!%*_+`'~.-]+$/.test(name)) lines.push(`${name}: ${headerToWire(value)}`);
  }
  if (auth !== undefined) lines.push(auth);
  lines.push(`Content-Type: ${headerToWire(message.contentType)}`, `Content-Length: ${Buffer.byteLength(body, 'latin1')}`, '', '');
  return Buffer.from(lines.join('\r\n') + body, 'latin1');
}

/** The Route the caller gave (a pre-existing route set, e.g. an IM client's outbound proxy), whatever its letter case. */
function callerRouteOf(message: SipOutgoingMessage): string | undefined {
  const entry = Object.entries(message.headers ?? {}).find(([name]) => name.toLowerCase() === 'route');
  return entry?.[1];
}

/** The URI of a route set's first entry: `<sip:host:port;lr>, …` → `sip:host:port;lr`. */
function firstRouteUri(route: string | undefined): string | undefined {
  if (route === undefined) return undefined;
  const first = /^\s*<([^>]*)>/.exec(route)?.[1] ?? route.split(',')[0]?.trim();
  return first === undefined || first === '' ? undefined : first;
}

function finalResponse(response: ClientResponse): SipFinalResponse {
  return {
    status: response.head.status,
    reason: textFromWire(response.head.reason),
    headers: parseHeaderBlock(response.head.headerBlock),
  };
}

async function transact(
  message: SipOutgoingMessage,
  identity: RequestIdentity,
  context: SendContext,
  target: SipTarget,
  auth: string | undefined,
): Promise<ClientResponse> {
  const branch = `z9hG4bK${randomToken()}`;
  const bytes = buildRequest(message, identity, context, target, branch, auth);
  const send = (): Promise<void> =>
    target.transport === 'tcp'
      ? context.sockets.sendTcp(bytes, target.address, target.port)
      : context.sockets.sendUdp(bytes, target.address, target.port);
  try {
    return await context.transactions.run(branch, 'MESSAGE', send, target.transport === 'tcp');
  } catch (err) {
    throw sipEdgeError('GW_ERR_SIP_SEND_FAILED', `transport failure sending to ${message.requestUri}`, {
      cause: err,
      status: 503,
      reason: 'generated locally',
    });
  }
}

/** The Authorization (or Proxy-Authorization) line answering a 401/407, if Herald can. */
function answerChallenge(message: SipOutgoingMessage, response: ClientResponse): string | undefined {
  const credentials = message.credentials;
  const status = response.head.status;
  if ((status !== 401 && status !== 407) || credentials === undefined) return undefined;
  const [challengeHeader, answerHeader] = status === 407 ? ['proxy-authenticate', 'Proxy-Authorization'] : ['www-authenticate', 'Authorization'];
  const challenge = headerValues(response.head.headers, challengeHeader)
    .map(parseChallenge)
    .find((c) => c !== undefined && supported(c));
  if (challenge === undefined) return undefined;
  return `${answerHeader}: ${authorization(challenge, { method: 'MESSAGE', uri: headerToWire(message.requestUri) }, credentials)}`;
}

async function sendWithAuth(message: SipOutgoingMessage, context: SendContext): Promise<SipFinalResponse> {
  // RFC 3261 §8.1.2: a pre-existing route set sends the request to its first entry (loose
  // routing keeps the Request-URI); the outbound proxy, when configured, comes before it.
  const target = await resolveTarget(context.outboundProxy ?? firstRouteUri(callerRouteOf(message)) ?? message.requestUri);
  const identity: RequestIdentity = { callId: newCallId(context.domain), fromTag: randomToken(), cseq: initialCSeq() };
  const first = await transact(message, identity, context, target, undefined);
  const auth = answerChallenge(message, first);
  if (auth === undefined) return finalResponse(first);
  // One answer only: a second challenge means the credentials are wrong, and the caller sees it.
  context.log.debug({ callId: identity.callId, status: first.head.status }, 'SIP MESSAGE challenged, answering once');
  return finalResponse(await transact(message, { ...identity, cseq: identity.cseq + 1 }, context, target, auth));
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
