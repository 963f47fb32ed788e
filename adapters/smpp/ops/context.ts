/** What every SMPP operation gets from the bind it runs on. */
import type smpp from 'smpp';
import type { Logger } from '../../../src/logger.js';
import type { PendingRequests } from '../pending.js';

export interface OpContext {
  readonly session: smpp.Session;
  readonly connectionId: string;
  readonly bindId: string;
  readonly pending: PendingRequests;
  readonly log: Logger;
  /** command_status answered to a deliver_sm / data_sm that could not be stored. */
  readonly inboundErrorStatus: number;
  /** Registers an answer still owed to the SMSC: unbind waits for these before closing. */
  readonly owe: (answered: Promise<void>) => void;
}
