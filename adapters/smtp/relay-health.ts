/**
 * What an SMTP failure says about the relay (not the message), for /readyz, the retry
 * pace and the start-up probe. A failure to set the session up (no answer, or a refusal
 * of EHLO, STARTTLS or AUTH) means the relay is down for every mail; some of those are
 * configuration errors no wait will cure, and are named as such (issue 18: a relay that
 * does not offer STARTTLS under `smtp.starttls: required` looked like a passing outage).
 */
import type { SmtpConfig } from '../../src/config-email.js';
import type { HeraldError } from '../../src/errors.js';

/** True when the failure is the relay's session, not this mail (GW_ERR_SMTP_UNAVAILABLE). */
export function isRelayFailure(error: HeraldError): boolean {
  return error.code === 'GW_ERR_SMTP_UNAVAILABLE';
}

/**
 * The configuration error behind a failure, in words an operator can act on, or
 * undefined when it may be a passing outage.
 */
export function configurationProblem(error: HeraldError, config: SmtpConfig): string | undefined {
  const { smtpCode, command } = error.meta;
  const tlsRefused = smtpCode === 'ETLS' && typeof command === 'string' && command.toUpperCase() === 'STARTTLS';
  if (tlsRefused && !config.secure && config.starttls === 'required') {
    return 'the relay does not offer STARTTLS and smtp.starttls is required (HERALD_SMTP_STARTTLS): enable STARTTLS on the relay, or set HERALD_SMTP_STARTTLS=opportunistic only if the path to it is trusted';
  }
  if (smtpCode === 'EAUTH') return 'the relay refused the login (HERALD_SMTP_USERNAME, HERALD_SMTP_PASSWORD)';
  return undefined;
}
