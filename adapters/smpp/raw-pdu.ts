/**
 * Raw octets of received PDUs. The `smpp` package decodes short_message on receipt (its
 * own GSM table, iconv for UCS-2, the UDH split apart), which loses the octets the SMSC
 * sent; receipts and MO must be read from exactly those. A Session reads each PDU as
 * `read(4)` (command_length) then `read(command_length - 4)` and emits 'pdu' synchronously
 * right after, so wrapping that one socket's `read` pairs every PDU with its body without
 * patching the package globally. The SMSC simulator (test/sim) uses this module too:
 * submit_sm and deliver_sm share one body layout.
 */
import type smpp from 'smpp';

const rawBodies = new WeakMap<smpp.PDU, Buffer>();

/** Keeps the raw body of every PDU `session` receives. Call right after `smpp.connect`. */
export function captureRawPdus(session: smpp.Session): void {
  const socket = session.socket;
  const read = socket.read.bind(socket);
  let lastBody: Buffer | undefined;
  socket.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    // read(4) is the length prefix; every PDU body is at least 12 octets.
    if (Buffer.isBuffer(chunk) && size !== undefined && size > 4) lastBody = chunk;
    return chunk;
  };
  session.on('pdu', (pdu) => {
    if (lastBody === undefined) return;
    rawBodies.set(pdu, lastBody);
    lastBody = undefined;
  });
}

/** The body captured for `pdu`, if any. */
export function rawBodyOf(pdu: smpp.PDU): Buffer | undefined {
  return rawBodies.get(pdu);
}

/** short_message and TLVs of a deliver_sm / data_sm body, as sent. */
export interface RawSmFields {
  readonly shortMessage: Buffer;
  /** TLV tag → value octets. */
  readonly tlvs: ReadonlyMap<number, Buffer>;
}

const DELIVER_LAYOUT = new Set([0x00000004, 0x00000005]);
const DATA_SM = 0x00000103;

function skipCString(body: Buffer, at: number): number {
  const end = body.indexOf(0, at);
  return end < 0 ? body.length : end + 1;
}

/**
 * Parses the mandatory fields up to short_message, then the TLVs (SMPP 3.4 §4.6.1,
 * §4.7.1). Returns undefined for other commands or a truncated body.
 */
export function parseRawSm(body: Buffer): RawSmFields | undefined {
  if (body.length < 12) return undefined;
  const commandId = body.readUInt32BE(0);
  let at = 12;
  at = skipCString(body, at); // service_type
  at += 2; // source_addr_ton, source_addr_npi
  at = skipCString(body, at); // source_addr
  at += 2; // dest_addr_ton, dest_addr_npi
  at = skipCString(body, at); // destination_addr
  let shortMessage: Buffer = Buffer.alloc(0);
  if (DELIVER_LAYOUT.has(commandId)) {
    at += 3; // esm_class, protocol_id, priority_flag
    at = skipCString(body, at); // schedule_delivery_time
    at = skipCString(body, at); // validity_period
    at += 4; // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id
    const smLength = body[at];
    if (smLength === undefined) return undefined;
    at += 1;
    shortMessage = body.subarray(at, at + smLength);
    at += smLength;
  } else if (commandId === DATA_SM) {
    at += 3; // esm_class, registered_delivery, data_coding
  } else {
    return undefined;
  }
  if (at > body.length) return undefined;
  const tlvs = new Map<number, Buffer>();
  while (at + 4 <= body.length) {
    const tag = body.readUInt16BE(at);
    const length = body.readUInt16BE(at + 2);
    tlvs.set(tag, body.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  return { shortMessage, tlvs };
}

/** SMPP 3.4 §3.2: command_length, command_id, command_status, sequence_number. */
const HEADER_OCTETS = 16;
const RESPONSE_BIT = 0x80000000;

/**
 * A deliver_sm_resp / data_sm_resp with any command_status, body included. SMPP 3.4
 * §4.6.2 and §4.7.2 define the body of both as message_id, "unused and set to NULL": one
 * NUL octet, whatever the status. The `smpp` package sends error responses as a bare
 * 16-octet header, which SMSCs fail to decode (and then drop the bind without ever
 * redelivering), so Herald builds these octets itself.
 */
export function inboundRespOctets(command: 'deliver_sm' | 'data_sm', sequenceNumber: number, commandStatus: number): Buffer {
  const octets = Buffer.alloc(HEADER_OCTETS + 1);
  octets.writeUInt32BE(octets.length, 0);
  octets.writeUInt32BE(((command === 'data_sm' ? DATA_SM : 0x00000005) | RESPONSE_BIT) >>> 0, 4);
  octets.writeUInt32BE(commandStatus >>> 0, 8);
  octets.writeUInt32BE(sequenceNumber >>> 0, 12);
  return octets;
}
