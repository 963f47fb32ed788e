import { cpimHeaderValues, parseCpim } from '../codecs/cpim.js';
import type { MsrpIncomingMessage } from '../ports/msrp-endpoint.port.js';

/** The imdn.Message-ID of a CPIM-wrapped session message (RFC 5438 §6.3), if it has one. */
export function imdnMessageIdOf(message: Pick<MsrpIncomingMessage, 'contentType' | 'body'>): string | undefined {
  if (!message.contentType.toLowerCase().startsWith('message/cpim')) return undefined;
  try {
    return cpimHeaderValues(parseCpim(message.body), 'urn:ietf:params:imdn', 'Message-ID')[0];
  } catch {
    return undefined;
  }
}
