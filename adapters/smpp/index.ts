/**
 * Herald's SMPP 3.4 ESME. The only code that imports the `smpp` package lives under this
 * folder; main.ts builds the gateway from the `smpp` configuration section.
 */
import type { SmppConfig } from '../../src/config-smpp.js';
import type { Logger } from '../../src/logger.js';
import type { SmsGateway } from '../../src/ports/sms-gateway.port.js';
import { SmppGateway } from './gateway.js';

export { SmppGateway } from './gateway.js';

/** The SMS gateway for `config.smpp` (no connection configured: submits wait as unavailable). */
export function createSmppGateway(smpp: SmppConfig, log: Logger): SmsGateway {
  return new SmppGateway(smpp, log);
}
