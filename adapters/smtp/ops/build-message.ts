/**
 * OutgoingMail → nodemailer message options. Header safety lives here: every text that
 * reaches a header is stripped of control characters first (CR and LF above all), and
 * addresses must be plain addr-specs, so no IM field can end a header line and start
 * another. nodemailer then RFC 2047-encodes and folds what it is given.
 */
import type Mail from 'nodemailer/lib/mailer/index.js';
import { heraldError } from '../../../src/errors.js';
import type { MailAddress, OutgoingMail } from '../../../src/ports/mail-transport.port.js';

/** Longest header text kept: a Subject or name beyond this is an abuse, not a message. */
export const HEADER_TEXT_MAX_CHARS = 900;

const ADDR_SPEC = /^[^\s@<>"(),;:\\[\]\u0000-\u001f\u007f]+@[^\s@<>"(),;:\\[\]\u0000-\u001f\u007f]+$/u;
const MSG_ID = /^<[^\s<>\u0000-\u001f\u007f]+@[^\s<>\u0000-\u001f\u007f]+>$/u;

/**
 * Header-safe text: C0/C1 controls (CR, LF, TAB, NUL, U+0085) and the Unicode line and
 * paragraph separators become spaces, runs of blanks collapse, and the length is capped.
 */
export function headerText(value: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/gu, ' ').replace(/ {2,}/g, ' ').trim();
  return flat.length > HEADER_TEXT_MAX_CHARS ? `${flat.slice(0, HEADER_TEXT_MAX_CHARS - 1)}…` : flat;
}

/** @throws GW_ERR_EMAIL_ADDRESS when `address` is not a bare addr-spec. */
export function checkedAddress(address: string): string {
  if (!ADDR_SPEC.test(address)) throw heraldError('GW_ERR_EMAIL_ADDRESS', JSON.stringify(address.slice(0, 200)));
  return address;
}

/** @throws GW_ERR_EMAIL_ADDRESS when `id` is not `<left@right>` without spaces or controls. */
function checkedMessageId(id: string): string {
  if (!MSG_ID.test(id)) throw heraldError('GW_ERR_EMAIL_ADDRESS', `Message-ID ${JSON.stringify(id.slice(0, 200))}`);
  return id;
}

function mailbox(value: MailAddress): Mail.Address | string {
  const address = checkedAddress(value.address);
  const name = value.name === undefined ? '' : headerText(value.name);
  return name === '' ? address : { name, address };
}

/**
 * @throws GW_ERR_EMAIL_ADDRESS when an address or Message-ID is unusable (a permanent
 *   failure of the delivery: sending it again cannot help).
 */
export function buildMessage(mail: OutgoingMail): Mail.Options {
  const headers: Record<string, string> = {};
  if (mail.dispositionNotificationTo !== undefined) headers['Disposition-Notification-To'] = checkedAddress(mail.dispositionNotificationTo);
  return {
    envelope: { from: checkedAddress(mail.envelope.from), to: checkedAddress(mail.envelope.to) },
    from: mailbox(mail.from),
    // The envelope above is explicit, so To/Cc only show members and never add recipients.
    to: mail.headerTo === undefined ? mailbox(mail.to) : mail.headerTo.length === 0 ? 'undisclosed-recipients:;' : mail.headerTo.map(mailbox),
    ...(mail.cc === undefined || mail.cc.length === 0 ? {} : { cc: mail.cc.map(mailbox) }),
    ...(mail.replyTo === undefined ? {} : { replyTo: checkedAddress(mail.replyTo) }),
    subject: headerText(mail.subject),
    messageId: checkedMessageId(mail.messageId),
    ...(mail.inReplyTo === undefined ? {} : { inReplyTo: checkedMessageId(mail.inReplyTo) }),
    ...(mail.references.length === 0 ? {} : { references: mail.references.map(checkedMessageId) }),
    date: mail.date,
    text: mail.text,
    ...(mail.html === undefined ? {} : { html: mail.html }),
    attachments: mail.attachments.map((a) => ({ filename: headerText(a.filename), contentType: headerText(a.contentType), content: a.content })),
    headers,
    dsn: {
      id: mail.dsn.envelopeId,
      return: 'headers',
      notify: [...mail.dsn.notify],
      recipient: checkedAddress(mail.dsn.originalRecipient),
    },
  };
}
