/**
 * bind_transceiver / bind_transmitter / bind_receiver (SMPP 3.4 §4.1).
 */
import smpp from 'smpp';
import { smppError } from '../smpp-error.js';
import type { OpContext } from './context.js';
import { request } from './request.js';

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

export interface BindCredentials {
  readonly systemId: string;
  readonly password: string;
  readonly systemType: string;
}

/** SMPP 3.4. */
const INTERFACE_VERSION = 0x34;

/**
 * Binds the session.
 * @throws GW_ERR_SMPP_BIND_FAILED with the command_status when the SMSC refuses, or on timeout.
 */
export async function bind(ctx: OpContext, mode: BindMode, credentials: BindCredentials, timeoutMs: number): Promise<void> {
  const command = mode === 'transceiver' ? 'bind_transceiver' : mode === 'transmitter' ? 'bind_transmitter' : 'bind_receiver';
  const resp = await request(
    ctx,
    command,
    { system_id: credentials.systemId, password: credentials.password, system_type: credentials.systemType, interface_version: INTERFACE_VERSION },
    timeoutMs,
    'GW_ERR_SMPP_BIND_FAILED',
  );
  if (resp.command_status !== smpp.ESME_ROK) {
    throw smppError('GW_ERR_SMPP_BIND_FAILED', `${command} refused`, {
      commandStatus: resp.command_status,
      pdu: command,
      connectionId: ctx.connectionId,
      bindId: ctx.bindId,
    });
  }
}
