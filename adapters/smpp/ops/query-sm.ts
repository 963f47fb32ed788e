/**
 * query_sm (SMPP 3.4 §4.8): asks the SMSC for the state of a message whose receipt is
 * overdue (lost by the SMSC, or written to a bind of a node that died).
 */
import smpp from 'smpp';
import type { SmsQueryAnswer } from '../../../src/ports/sms-gateway.port.js';
import type { OpContext } from './context.js';
import { request } from './request.js';

/**
 * Sends one query_sm. source_addr is left empty (ton/npi 0): Herald does not keep the
 * address a part was sent from, and SMSCs look messages up by id.
 * @returns the answer, or undefined when the SMSC does not know the id (any error status).
 * @throws GW_ERR_SMPP_UNAVAILABLE on timeout, GW_ERR_SMPP_STATE on a closed socket.
 */
export async function querySm(ctx: OpContext, messageId: string, timeoutMs: number): Promise<SmsQueryAnswer | undefined> {
  const resp = await request(ctx, 'query_sm', { message_id: messageId, source_addr_ton: 0, source_addr_npi: 0, source_addr: '' }, timeoutMs, 'GW_ERR_SMPP_UNAVAILABLE');
  if (resp.command_status !== smpp.ESME_ROK) return undefined;
  const finalDate = typeof resp.final_date === 'string' ? resp.final_date : resp.final_date instanceof Date ? resp.final_date.toISOString() : '';
  return { messageState: resp.message_state ?? 0, ...(finalDate === '' ? {} : { finalDate }), errorCode: resp.error_code ?? 0 };
}
