/**
 * Delivery receipt PDUs as the simulator sends them, in the variants SMSCs use
 * (PROTOCOLS.md › SMPP 3.4): TLVs and/or text, `text:` or `Text:`, 10- or 12-digit dates.
 */
import type smpp from 'smpp';
import { encodeLatin1 } from '../../src/codecs/gsm0338.js';
import type { ReceiptFormat, SimReceiptStat } from './smsc-sim-types.js';

/** message_state per stat (SMPP 3.4 §5.3.2.35). */
export const MESSAGE_STATE: Readonly<Record<SimReceiptStat, number>> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** esm_class message type "SMSC delivery receipt" (SMPP 3.4 §5.2.12). */
export const ESM_CLASS_RECEIPT = 0x04;
/** network_error_code network type for GSM. */
const NETWORK_TYPE_GSM = 3;
/** SMPP 3.4 Appendix B: the text field carries the first 20 characters of the message. */
const RECEIPT_TEXT_CHARS = 20;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** YYMMDDhhmm, or YYMMDDhhmmss with seconds, in UTC. */
export function receiptDate(at: Date, withSeconds: boolean): string {
  const base = `${pad(at.getUTCFullYear() % 100)}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}`;
  return withSeconds ? base + pad(at.getUTCSeconds()) : base;
}

/**
 * Fields of a delivery receipt PDU (deliver_sm, or data_sm with `viaDataSm`) in a
 * given format: TLVs receipted_message_id / message_state / network_error_code and/or
 * the SMPP 3.4 Appendix B text, encoded ISO-8859-1 with data_coding 0 as SMSCs do.
 */
export function receiptPdu(
  messageId: string,
  stat: SimReceiptStat,
  err: number,
  format: ReceiptFormat,
  source: string,
  destination: string,
  original: string,
  submittedAt: Date,
  viaDataSm = false,
): smpp.PduFields {
  const withText = format !== 'tlv-only';
  const withTlvs = format !== 'text-only';
  const seconds = format === 'twelve-digit-dates';
  const delivered = stat === 'DELIVRD' ? '001' : '000';
  const excerpt = [...original].slice(0, RECEIPT_TEXT_CHARS).map((char) => (char.length === 1 && char.charCodeAt(0) <= 0xff ? char : '?')).join('');
  const text =
    `id:${messageId} sub:001 dlvrd:${delivered} submit date:${receiptDate(submittedAt, seconds)} ` +
    `done date:${receiptDate(new Date(), seconds)} stat:${stat} err:${pad(err, 3)} ${format === 'capital-text' ? 'Text' : 'text'}:${excerpt}`;
  return {
    source_addr_ton: 1,
    source_addr_npi: 1,
    // A receipt travels back: from the handset's number to the original sender.
    source_addr: destination,
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: source,
    esm_class: ESM_CLASS_RECEIPT,
    data_coding: 0,
    // data_sm has no short_message: its text travels in message_payload.
    ...(viaDataSm
      ? withText
        ? { message_payload: encodeLatin1(text) }
        : {}
      : { short_message: withText ? encodeLatin1(text) : Buffer.alloc(0) }),
    ...(withTlvs
      ? {
          receipted_message_id: messageId,
          message_state: MESSAGE_STATE[stat],
          network_error_code: Buffer.from([NETWORK_TYPE_GSM, (err >> 8) & 0xff, err & 0xff]),
        }
      : {}),
  };
}
