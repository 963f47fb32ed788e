import type { Logger } from 'pino';
import sip from 'sip';
import type { SipMessage, SipRemote, SipStackLogger } from 'sip';

/** Digest responses never reach a log line. */
function maskSecrets(text: string): string {
  return text.replace(/^((?:proxy-)?authorization:).*$/gim, '$1 [secret]');
}

function headText(message: SipMessage): string {
  // stringify() also rewrites Content-Length, which the transport would do anyway.
  const text = sip.stringify(message);
  const end = text.indexOf('\r\n\r\n');
  return maskSecrets(end === -1 ? text : text.slice(0, end));
}

/**
 * The `sip` stack's logger hooks: wire traces at debug (headers only; bodies are message
 * content and are logged by size), and the place where a request's top Via gets the
 * public host and port. The hook runs after the transport writes its own Via and before
 * it serialises, which is the only point where a public port that differs from the
 * listening port can be put on the wire. `onResponse` sees every response as it arrives,
 * before the stack's RFC 3263 fail-over replaces a peer's 503 with one of its own.
 */
export function stackHooks(
  log: Logger,
  via: { host: string; port: number },
  onResponse: (response: SipMessage) => void,
): SipStackLogger {
  return {
    send(message: SipMessage, target: SipRemote): void {
      const top = message.method !== undefined ? message.headers.via?.[0] : undefined;
      if (top) {
        top.host = via.host;
        top.port = via.port;
      }
      if (log.isLevelEnabled('debug')) {
        log.debug({ to: `${target.protocol} ${target.address}:${target.port}`, bodyBytes: message.content?.length ?? 0, wire: headText(message) }, 'SIP sent');
      }
    },
    recv(message: SipMessage, remote: SipRemote): void {
      if (message.status !== undefined) onResponse(message);
      if (log.isLevelEnabled('debug')) {
        log.debug({ from: `${remote.protocol} ${remote.address}:${remote.port}`, bodyBytes: message.content?.length ?? 0, wire: headText(message) }, 'SIP received');
      }
    },
    error(error: unknown): void {
      log.warn({ err: error }, 'SIP stack error');
    },
  };
}
