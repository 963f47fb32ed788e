/**
 * The one place SMTP failures become catalogue errors (STYLE rules 5 and 6), in the
 * manner of nodemailer's own _formatError: every error carries the relay's reply code,
 * the command it answered and its text, so logs and the delivery timeline say exactly
 * what the relay said.
 */
import { heraldError, type ErrorCode, type HeraldError } from '../../src/errors.js';

/** What nodemailer puts on the errors it raises (SMTPConnection.SMTPError). */
interface NodemailerErrorFacts {
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly command?: unknown;
  readonly response?: unknown;
  readonly message?: unknown;
}

/**
 * Failure classes, in one table:
 *
 * | relay answer                          | code                    | retried |
 * |---------------------------------------|-------------------------|---------|
 * | 5xx to MAIL FROM, RCPT TO or DATA     | GW_ERR_SMTP_REJECTED    | no: the delivery fails with the reply |
 * | 4xx to anything                       | GW_ERR_SMTP_DEFERRED    | yes (queue backoff) |
 * | 5xx to AUTH, EHLO, STARTTLS           | GW_ERR_SMTP_UNAVAILABLE | yes: the relay set-up is wrong, not the message |
 * | no answer (connect, TLS, timeout)     | GW_ERR_SMTP_UNAVAILABLE | yes |
 */
export function classifySmtpFailure(responseCode: number | undefined, command: string | undefined): ErrorCode {
  if (responseCode === undefined) return 'GW_ERR_SMTP_UNAVAILABLE';
  if (responseCode >= 400 && responseCode < 500) return 'GW_ERR_SMTP_DEFERRED';
  if (responseCode >= 500 && responseCode < 600) {
    const verb = (command ?? '').toUpperCase();
    const aboutTheMessage = verb.startsWith('MAIL') || verb.startsWith('RCPT') || verb.startsWith('DATA') || verb === 'MESSAGE' || verb === '';
    return aboutTheMessage ? 'GW_ERR_SMTP_REJECTED' : 'GW_ERR_SMTP_UNAVAILABLE';
  }
  return 'GW_ERR_SMTP_UNAVAILABLE';
}

/** The RFC 3463 enhanced status in a reply (`550 5.1.1 …` → `5.1.1`), when present. */
export function enhancedStatusOf(response: string | undefined): string | undefined {
  return /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response ?? '')?.[1];
}

/**
 * Wraps anything nodemailer threw (or a refused recipient it reported) into a catalogued
 * error whose `meta` holds `responseCode`, `command`, `response`, `enhancedStatus` and
 * nodemailer's own `smtpCode` (EENVELOPE, ECONNECTION, ETIMEDOUT, EAUTH…).
 */
export function smtpError(err: unknown, host: string): HeraldError {
  const facts: NodemailerErrorFacts = typeof err === 'object' && err !== null ? (err as NodemailerErrorFacts) : {};
  const responseCode = typeof facts.responseCode === 'number' ? facts.responseCode : undefined;
  const command = typeof facts.command === 'string' ? facts.command : undefined;
  const response = typeof facts.response === 'string' ? facts.response.replace(/\s+/g, ' ').trim() : undefined;
  const smtpCode = typeof facts.code === 'string' ? facts.code : undefined;
  const message = typeof facts.message === 'string' ? facts.message : String(err);
  const code = classifySmtpFailure(responseCode, command);
  const detail = response !== undefined ? `${host}: ${command ?? 'SMTP'} → ${response}` : `${host}: ${message}`;
  return heraldError(code, detail, {
    cause: err,
    meta: { responseCode, command, response, enhancedStatus: enhancedStatusOf(response), smtpCode },
  });
}
