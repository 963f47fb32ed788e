/**
 * The one place imapflow failures become catalogue errors (STYLE rule 5), keeping the
 * IMAP context imapflow attaches: the server's response status and text, the command's
 * error code (NoConnection, ETIMEOUT, …).
 */
import { heraldError, isHeraldError, type HeraldError } from '../../src/errors.js';

interface ImapErrorFacts {
  readonly code?: unknown;
  readonly serverResponseCode?: unknown;
  readonly responseStatus?: unknown;
  readonly responseText?: unknown;
  readonly message?: unknown;
}

/** Wraps anything imapflow threw; catalogued errors pass through unchanged. */
export function imapError(err: unknown, context: string): HeraldError {
  if (isHeraldError(err)) return err;
  const facts: ImapErrorFacts = typeof err === 'object' && err !== null ? (err as ImapErrorFacts) : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const responseText = text(facts.responseText);
  const message = text(facts.message) ?? String(err);
  return heraldError('GW_ERR_IMAP_FAILED', `${context}: ${responseText ?? message}`, {
    cause: err,
    meta: { imapCode: text(facts.code), serverResponseCode: text(facts.serverResponseCode), responseStatus: text(facts.responseStatus) },
  });
}
