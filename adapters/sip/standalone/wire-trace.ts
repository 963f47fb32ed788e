import type { Logger } from 'pino';

/** Digest credentials never reach a log line. */
function maskSecrets(text: string): string {
  return text.replace(/^((?:proxy-)?authorization[ \t]*:).*$/gim, '$1 [secret]');
}

/**
 * Logs one SIP message at debug: the header section only (bodies are message content and
 * are logged by size), at most the first 4 KB of it, credentials masked. Costs nothing
 * unless debug is on.
 */
export function traceWire(log: Logger, direction: 'SIP received' | 'SIP sent', bytes: Buffer, peer: string): void {
  if (!log.isLevelEnabled('debug')) return;
  const window = bytes.subarray(0, 4_096).toString('latin1');
  const end = window.indexOf('\r\n\r\n');
  const head = end === -1 ? window : window.slice(0, end);
  log.debug({ peer, bytes: bytes.length, wire: maskSecrets(head) }, direction);
}
