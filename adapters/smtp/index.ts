/**
 * The SMTP adapter: the only code (with adapters/imap) that imports nodemailer.
 */
import type { SmtpConfig } from '../../src/config-email.js';
import type { Logger } from '../../src/logger.js';
import type { MailTransport } from '../../src/ports/mail-transport.port.js';
import { SmtpMailTransport } from './transport.js';

export { buildMessage, checkedAddress, headerText, HEADER_TEXT_MAX_CHARS } from './ops/build-message.js';
export { classifySmtpFailure, enhancedStatusOf, smtpError } from './smtp-error.js';
export { SmtpMailTransport } from './transport.js';

/** A pooled transport to `config.host`; with no host configured, one that always fails transiently. */
export function createSmtpTransport(config: SmtpConfig, log: Logger): MailTransport {
  return new SmtpMailTransport(config, log);
}
