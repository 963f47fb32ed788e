/**
 * unbind (SMPP 3.4 §4.2): ours on stop or disable, and the answer to the SMSC's.
 */
import type smpp from 'smpp';
import type { OpContext } from './context.js';
import { request } from './request.js';

/** Asks the SMSC to unbind; resolves on its resp. @throws GW_ERR_SMPP_UNAVAILABLE on timeout. */
export async function unbind(ctx: OpContext, timeoutMs: number): Promise<void> {
  await request(ctx, 'unbind', {}, timeoutMs, 'GW_ERR_SMPP_UNAVAILABLE');
}

/** Answers the SMSC's unbind; the bind then closes the socket and reconnects. */
export function answerUnbind(ctx: OpContext, pdu: smpp.PDU): void {
  ctx.session.send(pdu.response());
}
