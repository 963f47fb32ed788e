/**
 * enquire_link (SMPP 3.4 §4.11): our keep-alive probe, and the answer to the SMSC's.
 */
import type smpp from 'smpp';
import type { OpContext } from './context.js';
import { request } from './request.js';

/**
 * Probes the link. @throws GW_ERR_SMPP_UNAVAILABLE when no resp comes in `timeoutMs`
 * (the bind is then recycled), or the bind's close error.
 */
export async function enquireLink(ctx: OpContext, timeoutMs: number): Promise<void> {
  await request(ctx, 'enquire_link', {}, timeoutMs, 'GW_ERR_SMPP_UNAVAILABLE');
}

/** Answers the SMSC's enquire_link. */
export function answerEnquireLink(ctx: OpContext, pdu: smpp.PDU): void {
  ctx.session.send(pdu.response());
}
