/**
 * Per-connection message id normalisation: the submit_sm_resp id and the receipt id of
 * one message must become the same string, since correlation is an exact match.
 */
import type { MessageIdModeSetting, SmppConfig } from '../config-smpp.js';
import { normaliseMessageId, type MessageIdMode } from '../codecs/smpp-receipt.js';

type Side = 'resp' | 'receipt';

function modeFor(setting: MessageIdModeSetting, side: Side): MessageIdMode | readonly MessageIdMode[] {
  if (typeof setting === 'string' || Array.isArray(setting)) return setting as MessageIdMode | readonly MessageIdMode[];
  return (setting as { resp: MessageIdMode | readonly MessageIdMode[]; receipt: MessageIdMode | readonly MessageIdMode[] })[side];
}

/**
 * The correlation key for an id seen on `side` of connection `connectionId`. A connection
 * no longer configured falls back to `as-is`.
 *
 * @throws GW_ERR_SMPP_RECEIPT_MALFORMED when the id is empty, too long, or not in the base
 *   the configured conversion expects.
 */
export function correlationId(smpp: SmppConfig, connectionId: string, side: Side, id: string): string {
  const connection = smpp.connections.find((candidate) => candidate.id === connectionId);
  return normaliseMessageId(id, connection === undefined ? 'as-is' : modeFor(connection.messageIdMode, side));
}
