/**
 * submit_sm (SMPP 3.4 §4.4): one planned part, its octets exactly as planned (the
 * package's own encoders are bypassed by giving Buffers).
 */
import type smpp from 'smpp';
import type { SmsSubmitRequest } from '../../../src/ports/sms-gateway.port.js';
import type { OpContext } from './context.js';
import { request } from './request.js';

/** The SMSC's answer: its command_status and, when accepted, the message id. */
export interface SubmitAnswer {
  readonly status: number;
  readonly messageId: string;
}

/** The submit_sm fields of a part. */
export function submitFields(submit: SmsSubmitRequest): smpp.PduFields {
  const { part } = submit;
  return {
    source_addr_ton: submit.source.ton,
    source_addr_npi: submit.source.npi,
    source_addr: submit.source.address,
    dest_addr_ton: submit.destination.ton,
    dest_addr_npi: submit.destination.npi,
    destination_addr: submit.destination.address,
    esm_class: part.esmClass,
    registered_delivery: submit.registeredDelivery,
    data_coding: part.dataCoding,
    short_message: part.shortMessage,
    ...(part.tlvs?.sarMsgRefNum === undefined
      ? {}
      : { sar_msg_ref_num: part.tlvs.sarMsgRefNum, sar_total_segments: part.tlvs.sarTotalSegments, sar_segment_seqnum: part.tlvs.sarSegmentSeqnum }),
    ...(part.tlvs?.messagePayload === undefined ? {} : { message_payload: part.tlvs.messagePayload }),
  };
}

/**
 * Sends one submit_sm and resolves with the resp's status and id. A timeout here is the
 * ambiguous case: the SMSC may have accepted the part.
 * @throws GW_ERR_SMPP_SUBMIT_TIMEOUT, GW_ERR_SMPP_STATE, or the bind's close error.
 */
export async function submitSm(ctx: OpContext, submit: SmsSubmitRequest, timeoutMs: number): Promise<SubmitAnswer> {
  const resp = await request(ctx, 'submit_sm', submitFields(submit), timeoutMs, 'GW_ERR_SMPP_SUBMIT_TIMEOUT');
  return { status: resp.command_status, messageId: resp.message_id ?? '' };
}
