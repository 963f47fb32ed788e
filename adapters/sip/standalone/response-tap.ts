import type { SipMessage } from 'sip';

function keyOf(message: SipMessage): string | undefined {
  const callId = message.headers['call-id'];
  const cseq = message.headers.cseq;
  return callId === undefined || cseq === undefined ? undefined : `${cseq.seq} ${callId}`;
}

/**
 * Remembers the last final response received for each request Herald has in flight.
 * The `sip` stack treats a peer's 503 as "try the next address" (RFC 3263 §4.3) and, with
 * no address left, hands the caller a 503 it made up, dropping the peer's reason and
 * Retry-After. The tap lets send() return the peer's real answer instead, and tell a
 * peer's 503 from a transport failure.
 */
export class ResponseTap {
  readonly #pending = new Map<string, SipMessage | undefined>();

  watch(request: SipMessage): void {
    const key = keyOf(request);
    if (key !== undefined) this.#pending.set(key, undefined);
  }

  record(response: SipMessage): void {
    const key = keyOf(response);
    if (key !== undefined && (response.status ?? 0) >= 200 && this.#pending.has(key)) this.#pending.set(key, response);
  }

  /** The peer's final response, if one arrived; stops watching the request. */
  take(request: SipMessage): SipMessage | undefined {
    const key = keyOf(request);
    if (key === undefined) return undefined;
    const response = this.#pending.get(key);
    this.#pending.delete(key);
    return response;
  }
}
