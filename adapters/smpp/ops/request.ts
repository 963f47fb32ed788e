/**
 * Sends one request PDU and waits for its response, with a timeout, failing early if the
 * bind closes. Shared by the outbound operations.
 */
import smpp from 'smpp';
import type { ErrorCode } from '../../../src/errors.js';
import { smppError } from '../smpp-error.js';
import type { OpContext } from './context.js';

/** Outbound request commands Herald sends. */
export type RequestCommand = 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver' | 'submit_sm' | 'enquire_link' | 'unbind' | 'query_sm';

/**
 * @returns the response PDU, whatever its command_status (the caller classifies it).
 * @throws `timeoutCode` when no response comes in `timeoutMs`; GW_ERR_SMPP_STATE when the
 *   socket is not writable; whatever error the bind fails pending requests with on close.
 */
export function request(ctx: OpContext, command: RequestCommand, fields: smpp.PduFields, timeoutMs: number, timeoutCode: ErrorCode): Promise<smpp.PDU> {
  return new Promise<smpp.PDU>((resolve, reject) => {
    let settled = false;
    const done = (): void => {
      settled = true;
      clearTimeout(timer);
      untrack();
    };
    const untrack = ctx.pending.add((err) => {
      if (settled) return;
      done();
      reject(err);
    });
    const timer = setTimeout(() => {
      if (settled) return;
      done();
      reject(smppError(timeoutCode, `no ${command}_resp within ${timeoutMs} ms`, { pdu: command, connectionId: ctx.connectionId, bindId: ctx.bindId }));
    }, timeoutMs);
    const sent = ctx.session.send(new smpp.PDU(command, fields), (resp) => {
      if (settled) return; // answered after we gave up: the caller already treats it as lost
      done();
      resolve(resp);
    });
    if (!sent && !settled) {
      done();
      reject(smppError('GW_ERR_SMPP_STATE', `${command} on a closed socket`, { pdu: command, connectionId: ctx.connectionId, bindId: ctx.bindId }));
    }
  });
}
