import type { HeraldConfig } from '../config.js';
import type { Ingress } from '../ingress/ingress.js';
import type { Logger } from '../logger.js';
import type { AdminStore } from '../ports/admin-store.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { QueueStats } from '../ports/queue-stats.port.js';
import type { SmsGateway } from '../ports/sms-gateway.port.js';

/** What the admin API needs from the rest of the gateway; main.ts provides it. */
export interface ApiDeps {
  readonly ledger: Ledger;
  /** Message search, tokens, sessions, audit: `ledger.admin` of createLedger(). */
  readonly admin: AdminStore;
  /** Where retried deliveries are queued again. */
  readonly jobs: JobQueue;
  readonly queues: QueueStats;
  readonly settings: HeraldConfig['api'];
  readonly log: Logger;
  /** SMPP connections and binds for the health view; absent, the view shows none. */
  readonly sms?: Pick<SmsGateway, 'status' | 'setEnabled'> | undefined;
  /** The SIP ingress pipeline, for POST /api/v1/messages; absent, that route answers 503. */
  readonly ingress?: Pick<Ingress, 'submit'> | undefined;
  /** @defaultValue `() => new Date()`; tests move time for sessions and rate limits. */
  readonly now?: (() => Date) | undefined;
}
