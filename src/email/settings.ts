/**
 * The addresses and names the email channel derives from `smtp.*`, resolved once.
 */
import type { SmtpConfig } from '../config-email.js';

export interface EmailSettings {
  /** MAIL FROM: DSNs and Sieve rejects come back here. */
  readonly bounceAddress: string;
  /** Disposition-Notification-To when display was requested. */
  readonly reportsAddress: string;
  /** Reply-To template with `{token}` in the local part. */
  readonly replyAddress: string;
  readonly fromAddress: string;
  readonly messageIdDomain: string;
  readonly subjectTemplate: string;
  readonly noRelayRetryMs: number;
  readonly retryGiveUpMs: number;
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

/** `replies@x` → `replies+{token}@x` (RFC 5233 subaddress, what Postfix and Dovecot call detail). */
function detailTemplate(address: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+{token}${address.slice(at)}`;
}

export function emailSettings(smtp: SmtpConfig): EmailSettings {
  const bounceAddress = smtp.bounceAddress ?? smtp.fromAddress;
  const reportsAddress = smtp.reportsAddress ?? bounceAddress;
  return {
    bounceAddress,
    reportsAddress,
    replyAddress: smtp.replyAddress ?? detailTemplate(reportsAddress),
    fromAddress: smtp.fromAddress,
    messageIdDomain: smtp.messageIdDomain ?? domainOf(smtp.fromAddress),
    subjectTemplate: smtp.subjectTemplate,
    noRelayRetryMs: smtp.noRelayRetryMs,
    retryGiveUpMs: smtp.retryGiveUpMs,
  };
}
