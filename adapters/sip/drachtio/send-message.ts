import type { Logger } from 'pino';
import type { SipFinalResponse, SipOutgoingMessage } from '../../../src/ports/sip-edge.port.js';
import { MAX_FORWARDS } from '../shared/constants.js';
import { sipEdgeError } from '../shared/edge-error.js';
import { parseHeaderBlock, splitMessageText } from '../shared/header-block.js';
import { initialCSeq, newCallId, randomToken } from '../shared/ids.js';
import { formatNameAddr } from '../shared/name-addr.js';
import { bytesToWire, headerToWire, textFromWire } from '../shared/wire-text.js';
import type { Srf, SrfRequestOptions, SrfResponse } from '../types/drachtio-srf.js';

export interface DrachtioSendContext {
  readonly srf: Srf;
  readonly log: Logger;
  readonly domain: string;
  readonly outboundProxy: string | undefined;
  readonly timeoutMs: number;
}

function requestOptions(message: SipOutgoingMessage, domain: string, outboundProxy: string | undefined): SrfRequestOptions {
  // Key spelling matters: srf's digest client rewrites 'From', 'CSeq' and 'call-id' when it
  // answers a challenge, and a differently spelled duplicate would be joined into one line.
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) headers[name] = headerToWire(value);
  headers['From'] = headerToWire(formatNameAddr({ ...message.from, tag: randomToken() }));
  headers['To'] = headerToWire(formatNameAddr({ ...message.to, tag: undefined }));
  headers['call-id'] = newCallId(domain);
  headers['CSeq'] = `${initialCSeq()} MESSAGE`;
  headers['Max-Forwards'] = String(MAX_FORWARDS);
  headers['Content-Type'] = headerToWire(message.contentType);
  return {
    method: 'MESSAGE',
    headers,
    body: bytesToWire(message.body),
    ...(message.credentials ? { auth: { username: message.credentials.username, password: message.credentials.password } } : {}),
    ...(outboundProxy !== undefined ? { proxy: outboundProxy } : {}),
  };
}

function finalResponse(res: SrfResponse): SipFinalResponse {
  return {
    status: res.status,
    reason: textFromWire(res.reason ?? ''),
    headers: parseHeaderBlock(splitMessageText(res.msg.raw ?? '').headerBlock),
  };
}

/**
 * Sends one MESSAGE through drachtio-server and resolves with the final response; a 401
 * or 407 is answered once by srf's digest client when credentials are given. Same
 * semantics as the standalone edge: `timeoutMs` → 408; drachtio-server refusing the
 * request or no connection → GW_ERR_SIP_SEND_FAILED. Never retries.
 * @throws GW_ERR_SIP_SEND_FAILED
 */
export function sendMessage(message: SipOutgoingMessage, context: DrachtioSendContext): Promise<SipFinalResponse> {
  const uri = headerToWire(message.requestUri);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      context.log.info({ requestUri: message.requestUri, timeoutMs: context.timeoutMs }, 'SIP MESSAGE timed out');
      resolve({ status: 408, reason: 'Request Timeout', headers: {} });
    }, context.timeoutMs);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      const detail = err instanceof Error ? err.message : String(err);
      reject(sipEdgeError('GW_ERR_SIP_SEND_FAILED', `drachtio-server did not send to ${message.requestUri}: ${detail}`, { cause: err }));
    };
    try {
      context.srf.request(uri, requestOptions(message, context.domain, context.outboundProxy), (err, req) => {
        if (err || req === undefined) return fail(err ?? new Error('no request'));
        req.on('response', (res) => {
          if (res.status < 200) return;
          clearTimeout(timer);
          resolve(finalResponse(res));
        });
      });
    } catch (err) {
      // srf throws synchronously when it has no connection to drachtio-server.
      fail(err);
    }
  });
}
