/**
 * The `smtp` and `imap` sections of the configuration schema: the relay Herald sends IMs
 * through as email, and the mailbox(es) it reads DSNs, MDNs and replies from. Kept apart
 * from src/config.ts so the email settings read as one block; config.ts embeds them (and
 * stays the only reader of process.env).
 *
 * Both sections are optional as a whole: with no `smtp.host` email deliveries wait and
 * retry every `smtp.noRelayRetryMs`; with no `imap.host` no report or reply is read.
 */
import { z } from 'zod';
import { DEFAULT_SUBJECT_TEMPLATE } from './domain/subject.js';

const durationMs = z.number().int().min(0);
const port = z.number().int().min(1).max(65535);
/** A bare addr-spec; display names are built by Herald, never taken from settings. */
const address = z.string().regex(/^[^\s@<>"(),;:\\[\]]+@[^\s@<>"(),;:\\[\]]+$/, 'must be an email address like herald@example.com');

/** The `smtp` section. */
export const smtpSchema = z
  .strictObject({
    host: z.string().min(1).optional().describe('SMTP relay (submission server) Herald sends email through. Unset: email deliveries wait.'),
    port: port.default(587).describe('SMTP relay port (587 submission with STARTTLS, 465 implicit TLS, 25 relay).'),
    secure: z.boolean().default(false).describe('Implicit TLS from the first byte (port 465). Off: plain connection upgraded by STARTTLS.'),
    starttls: z
      .enum(['required', 'opportunistic', 'off'])
      .default('required')
      .describe('STARTTLS on a non-secure connection: `required` (refuse to send in clear), `opportunistic` (when offered), `off`.'),
    tlsRejectUnauthorized: z.boolean().default(true).describe('Refuse relay certificates that do not verify.'),
    username: z.string().min(1).optional().describe('SMTP AUTH user. Unset: no authentication.'),
    password: z.string().optional().describe('SMTP AUTH password (never logged).'),
    heloName: z.string().min(1).optional().describe('Name Herald gives in EHLO. Unset: the machine\'s hostname.'),
    poolSize: z.number().int().min(1).max(100).default(5).describe('SMTP connections kept open to the relay.'),
    maxMessagesPerConnection: z.number().int().min(1).default(100).describe('Messages sent over one connection before it is renewed.'),
    connectionTimeoutMs: durationMs.default(10_000).describe('How long to wait for the TCP (and TLS) connection.'),
    greetingTimeoutMs: durationMs.default(10_000).describe('How long to wait for the relay\'s greeting.'),
    socketTimeoutMs: durationMs.default(60_000).describe('How long a connection may stay silent during a transaction.'),
    fromAddress: address
      .default('herald@localhost')
      .describe('From address of mail whose IM sender has no email in the number directory (shown with the sender\'s name).'),
    bounceAddress: address
      .optional()
      .describe('Envelope sender (MAIL FROM): where DSNs and Sieve rejects come back; must land in a watched IMAP mailbox. Unset: fromAddress.'),
    reportsAddress: address
      .optional()
      .describe('Disposition-Notification-To of mail whose sender asked for display notifications (MDNs land here). Unset: bounceAddress.'),
    replyAddress: z
      .string()
      .regex(/^[^\s@<>]*\{token\}[^\s@<>]*@[^\s@<>]+$/, 'must be an address with {token} in its local part, e.g. replies+{token}@example.com')
      .optional()
      .describe('Reply-To address template; {token} is replaced by a random per-message token (e.g. replies+{token}@example.com). Unset: the local part of reportsAddress + "+{token}".'),
    messageIdDomain: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name')
      .optional()
      .describe('Right-hand side of the Message-IDs Herald writes. Unset: the domain of fromAddress.'),
    subjectTemplate: z
      .string()
      .default(DEFAULT_SUBJECT_TEMPLATE)
      .describe('Subject when the IM has none, in the email and in the archived copy; {sender} is the sender\'s display name or address.'),
    maxMessageBytes: z
      .number()
      .int()
      .min(1024)
      // Postfix's message_size_limit default (10240000), less room for headers and MIME encoding.
      .default(7_500_000)
      .describe('Largest IM content (bytes, before MIME encoding) sent as email; SIP ingress answers a larger one 413 with the limit.'),
    noRelayRetryMs: durationMs
      .min(100)
      .default(60_000)
      .describe('Retry delay of an email delivery while no SMTP relay is configured.'),
    retryGiveUpMs: durationMs
      .default(86_400_000)
      .describe('Give up on an email delivery the relay keeps deferring (4xx) or cannot be reached for after this long.'),
  })
  .superRefine((smtp, ctx) => {
    if (smtp.password !== undefined && smtp.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'password is set but username is not' });
    }
  });

/** The `imap` section. */
export const imapSchema = z.strictObject({
  host: z.string().min(1).optional().describe('IMAP server holding the mailbox(es) DSNs, MDNs and replies arrive in. Unset: none are read.'),
  port: port.default(993).describe('IMAP port (993 implicit TLS, 143 STARTTLS).'),
  secure: z.boolean().default(true).describe('Implicit TLS from the first byte (port 993). Off: plain connection, upgraded per imap.starttls.'),
  starttls: z.boolean().default(true).describe('Upgrade a non-secure connection with STARTTLS.'),
  tlsRejectUnauthorized: z.boolean().default(true).describe('Refuse server certificates that do not verify.'),
  username: z.string().min(1).optional().describe('IMAP login (e.g. the full address of the reports mailbox).'),
  password: z.string().optional().describe('IMAP password (never logged).'),
  mailboxes: z
    .array(z.string().min(1))
    .min(1)
    .default(['INBOX'])
    .describe('Mailboxes watched, one connection each; every mail in them is read as a DSN, an MDN or a reply by its content.'),
  processedMailbox: z
    .string()
    .min(1)
    .default('Herald/Processed')
    .describe('Where processed mail is moved (created when missing; `/` separates levels).'),
  reIdleMs: durationMs
    .min(1000)
    .max(29 * 60_000)
    // Below imapflow's 5-minute socket timeout, so a quiet IDLE never trips it.
    .default(4 * 60_000)
    .describe('IDLE is ended, the connection checked with NOOP and IDLE started again this often (RFC 2177: before 29 minutes; NATs drop quiet connections sooner).'),
  responseTimeoutMs: durationMs
    .min(100)
    .default(30_000)
    .describe('A NOOP (heartbeat) not answered within this long means a dead connection: it is closed and reopened.'),
  connectionTimeoutMs: durationMs.default(15_000).describe('How long to wait for the connection and login.'),
  reconnectMinMs: durationMs.default(1_000).describe('First reconnect delay after a lost connection (doubling, with jitter).'),
  reconnectMaxMs: durationMs.default(60_000).describe('Longest reconnect delay.'),
});

export type SmtpConfig = Readonly<z.infer<typeof smtpSchema>>;
export type ImapConfig = Readonly<z.infer<typeof imapSchema>>;
