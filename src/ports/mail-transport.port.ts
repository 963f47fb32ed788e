/**
 * What the email channel asks of an SMTP relay (adapters/smtp implements it). One mail
 * has one envelope recipient, so the relay's answer is the delivery's answer.
 */

/** RFC 3461 §4.1 NOTIFY values; NEVER stands alone. */
export type DsnNotify = 'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY';

/** A mailbox with an optional display name; values are plain text, encoded by the adapter. */
export interface MailAddress {
  readonly name?: string | undefined;
  readonly address: string;
}

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

/**
 * One email to send. Every text field is what the reader should see: the adapter
 * encodes (RFC 2047) and folds headers, and never lets CR or LF start a new field.
 */
export interface OutgoingMail {
  /** MAIL FROM (DSNs come back here) and the single RCPT TO. */
  readonly envelope: { readonly from: string; readonly to: string };
  readonly from: MailAddress;
  readonly to: MailAddress;
  /**
   * The To header when it is not just `to` (a group message, REQ-GROUP-2); empty means
   * `undisclosed-recipients:;`. The envelope recipient stays `envelope.to` alone.
   */
  readonly headerTo?: readonly MailAddress[] | undefined;
  /** The Cc header (a group message's cc members); never adds an envelope recipient. */
  readonly cc?: readonly MailAddress[] | undefined;
  readonly replyTo?: string | undefined;
  readonly subject: string;
  /** `<id@domain>`, angle brackets included. */
  readonly messageId: string;
  readonly inReplyTo?: string | undefined;
  /** `<id>`s, oldest first. */
  readonly references: readonly string[];
  readonly date: Date;
  readonly text: string;
  readonly html?: string | undefined;
  readonly attachments: readonly MailAttachment[];
  /** Disposition-Notification-To (RFC 8098 §2.1), only when display was requested. */
  readonly dispositionNotificationTo?: string | undefined;
  /** RFC 3461: ENVID, NOTIFY, ORCPT (rfc822) and RET=HDRS. */
  readonly dsn: { readonly envelopeId: string; readonly notify: readonly DsnNotify[]; readonly originalRecipient: string };
}

export interface MailSendResult {
  /** The relay's final reply to DATA, e.g. `250 2.0.0 Ok: queued as 4Xyz`. */
  readonly response: string;
}

/** How the relay looks to /readyz. */
export type MailTransportStatus =
  | { readonly state: 'none-configured' }
  | { readonly state: 'idle' | 'up'; readonly host: string }
  /**
   * `since`: when the relay last stopped answering (epoch ms), kept across repeated
   * failures; `configuration`: set when no wait will cure it (TLS required but not
   * offered, login refused), in words an operator can act on.
   */
  | { readonly state: 'failing'; readonly host: string; readonly lastError: string; readonly since: number; readonly configuration?: string };

export interface MailTransport {
  /** False when no relay is configured: {@link send} then always fails transiently. */
  readonly configured: boolean;
  /**
   * Sends one mail.
   * @throws GW_ERR_SMTP_REJECTED (permanent: a 5xx to MAIL, RCPT or DATA), GW_ERR_SMTP_DEFERRED
   *   (a 4xx), GW_ERR_SMTP_UNAVAILABLE (no relay configured, connection, TLS, timeout or
   *   login failure); `meta` holds `responseCode`, `command` and `response` when the relay answered.
   */
  send(mail: OutgoingMail): Promise<MailSendResult>;
  status(): MailTransportStatus;
  /** Connects once to check the relay, at start; the outcome shows in status(). Never throws. */
  probe(): Promise<void>;
  /** Closes the pooled connections. Idempotent. */
  close(): Promise<void>;
}
