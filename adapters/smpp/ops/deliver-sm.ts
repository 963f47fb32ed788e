/**
 * deliver_sm and data_sm from the SMSC (SMPP 3.4 §4.6, §4.7): a delivery receipt or a
 * mobile-originated message. Read from the raw octets (the package's decoding is lossy),
 * handed to the core, and answered only once the core says it is durable: ESME_ROK, or
 * the connection's `inboundErrorStatus` (ESME_RMSGQFUL by default: the status SMSCs
 * retry; many never retry ESME_RX_T_APPN) so the SMSC delivers it again later. Every
 * answer is a well-formed resp with its NULL message_id (SMPP 3.4 §4.6.2).
 */
import smpp from 'smpp';
import type { ReceiptTlvs } from '../../../src/codecs/smpp-receipt.js';
import type { IncomingMo, IncomingSmsReceipt, SmsAddress } from '../../../src/ports/sms-gateway.port.js';
import { inboundRespOctets, parseRawSm, rawBodyOf } from '../raw-pdu.js';
import type { OpContext } from './context.js';

/** Where inbound traffic goes (the gateway's registered handlers). */
export interface InboundSink {
  receipt(event: IncomingSmsReceipt): Promise<void>;
  mo(event: IncomingMo): Promise<void>;
}

const TLV_RECEIPTED_MESSAGE_ID = 0x001e;
const TLV_MESSAGE_STATE = 0x0427;
const TLV_NETWORK_ERROR_CODE = 0x0423;
const TLV_MESSAGE_PAYLOAD = 0x0424;
const TLV_SAR_MSG_REF_NUM = 0x020c;
const TLV_SAR_TOTAL_SEGMENTS = 0x020e;
const TLV_SAR_SEGMENT_SEQNUM = 0x020f;

/** esm_class message type bits (SMPP 3.4 §5.2.12). */
const ESM_TYPE_MASK = 0x3c;
const ESM_TYPE_RECEIPT = 0x04;
const ESM_TYPE_INTERMEDIATE = 0x20;

function addressOf(address: string | undefined, ton: number | undefined, npi: number | undefined): SmsAddress {
  return { address: address ?? '', ton: ton ?? 0, npi: npi ?? 0 };
}

function receiptTlvs(tlvs: ReadonlyMap<number, Buffer>): ReceiptTlvs {
  const id = tlvs.get(TLV_RECEIPTED_MESSAGE_ID);
  const state = tlvs.get(TLV_MESSAGE_STATE);
  const nec = tlvs.get(TLV_NETWORK_ERROR_CODE);
  return {
    ...(id === undefined ? {} : { receiptedMessageId: id }),
    ...(state?.[0] === undefined ? {} : { messageState: state[0] }),
    ...(nec === undefined ? {} : { networkErrorCode: nec }),
  };
}

function sarOf(tlvs: ReadonlyMap<number, Buffer>): IncomingMo['sar'] {
  const ref = tlvs.get(TLV_SAR_MSG_REF_NUM);
  const total = tlvs.get(TLV_SAR_TOTAL_SEGMENTS)?.[0];
  const seq = tlvs.get(TLV_SAR_SEGMENT_SEQNUM)?.[0];
  if (ref === undefined || total === undefined || seq === undefined) return undefined;
  return { ref: ref.length >= 2 ? ref.readUInt16BE(0) : (ref[0] ?? 0), total, seq };
}

/**
 * Answers one inbound deliver_sm / data_sm. Written to the socket directly: the package
 * would send an error resp without its body. A closed socket cannot be answered; the SMSC
 * then keeps the PDU and delivers it again on the next bind.
 */
function answer(ctx: OpContext, command: 'deliver_sm' | 'data_sm', pdu: smpp.PDU, status: number): void {
  const socket = ctx.session.socket;
  if (!socket.writable) {
    ctx.log.warn({ command, seq: pdu.sequence_number, status }, 'inbound PDU not answered: the bind closed first (the SMSC delivers it again)');
    return;
  }
  socket.write(inboundRespOctets(command, pdu.sequence_number, status));
}

/**
 * Handles one inbound deliver_sm / data_sm and answers it when the sink has settled.
 * Never throws: a failure becomes a retryable-error resp. The answer is registered with
 * the bind (ctx.owe) so an unbind waits for it instead of closing the socket under it.
 */
export function handleDeliverSm(ctx: OpContext, pdu: smpp.PDU, sink: InboundSink): void {
  const command = pdu.command === 'data_sm' ? 'data_sm' : 'deliver_sm';
  const raw = rawBodyOf(pdu);
  const fields = raw === undefined ? undefined : parseRawSm(raw);
  if (fields === undefined) {
    // Cannot happen with the capture in place; answer so the SMSC retries rather than stalls.
    ctx.log.error({ command, seq: pdu.sequence_number }, 'inbound PDU without raw body: asked the SMSC to retry');
    answer(ctx, command, pdu, ctx.inboundErrorStatus);
    return;
  }
  const esmClass = pdu.esm_class ?? 0;
  const payload = fields.tlvs.get(TLV_MESSAGE_PAYLOAD);
  const octets = fields.shortMessage.length > 0 || payload === undefined ? fields.shortMessage : payload;
  const type = esmClass & ESM_TYPE_MASK;
  const isReceipt = type === ESM_TYPE_RECEIPT || type === ESM_TYPE_INTERMEDIATE || (type === 0 && fields.tlvs.has(TLV_RECEIPTED_MESSAGE_ID));
  const common = {
    connectionId: ctx.connectionId,
    bindId: ctx.bindId,
    command,
    source: addressOf(pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi),
    destination: addressOf(pdu.destination_addr, pdu.dest_addr_ton, pdu.dest_addr_npi),
    esmClass,
  } as const;
  const work = isReceipt
    ? sink.receipt({ ...common, tlvs: receiptTlvs(fields.tlvs), text: Buffer.from(octets) })
    : sink.mo({ ...common, dataCoding: pdu.data_coding ?? 0, shortMessage: Buffer.from(octets), sar: sarOf(fields.tlvs) });
  ctx.owe(
    work.then(
      () => answer(ctx, command, pdu, smpp.ESME_ROK),
      (err: unknown) => {
        ctx.log.warn({ err, command, receipt: isReceipt, status: ctx.inboundErrorStatus }, 'inbound SMS not stored: asked the SMSC to deliver it again');
        answer(ctx, command, pdu, ctx.inboundErrorStatus);
      },
    ),
  );
}
