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
}
