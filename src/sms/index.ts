/**
 * The SMS channel's core, wired to its ports: the `sms-submit` job handler, the receipt
 * and MO handlers the SMS gateway calls, and the periodic sweep. No SMPP here: the
 * gateway port hides it.
 */
import type { HeraldConfig } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { JobHandler, JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { GroupStore } from '../ports/group-store.port.js';
import type { MediaLinkStore } from '../ports/media-link-store.port.js';
import type { SmsGateway } from '../ports/sms-gateway.port.js';
import { MoProcessor } from './mo-processor.js';
import { OverdueReceipts } from './overdue-receipts.js';
import { ReceiptProcessor } from './receipt-processor.js';
import { SmsSweeper } from './sms-sweeper.js';
import { createSmsSubmitHandler } from './submit-handler.js';

export { smsPartsCheck } from './sms-parts-check.js';
export { smsReadiness } from './sms-readiness.js';

export interface SmsChannelDeps {
  readonly config: HeraldConfig;
  readonly ledger: Ledger;
  readonly jobs: JobQueue;
  readonly gateway: SmsGateway;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Links for non-text content to SMS (media.linkMode). */
  readonly mediaLinks?: MediaLinkStore | undefined;
  /** Base URL of media links, resolved when a link is sent. */
  readonly mediaBaseUrl?: (() => string) | undefined;
  /** Finds the group an MO reply belongs to (reply-to-all); without it replies go by the directory only. */
  readonly groups?: GroupStore | undefined;
}

export interface SmsChannel {
  readonly submitHandler: JobHandler<'sms-submit'>;
  readonly receipts: ReceiptProcessor;
  readonly mo: MoProcessor;
  readonly sweeper: SmsSweeper;
  readonly overdue: OverdueReceipts;
  /** Starts the periodic sweep. */
  start(): void;
  stop(): Promise<void>;
}

/** Publishes each bind's state as herald_smpp_bind_state (1 bound, 0 anything else). */
function recordBindStates(gateway: SmsGateway, metrics: Metrics): void {
  for (const connection of gateway.status().connections) {
    for (const bind of connection.binds) {
      metrics.smppBindState.set({ connection: connection.id, bind: bind.id }, bind.state === 'bound' ? 1 : 0);
    }
  }
}

/** Builds the channel and registers its receipt and MO handlers on the gateway. */
export function createSmsChannel(deps: SmsChannelDeps): SmsChannel {
  const log = deps.log.child({ component: 'sms' });
  const receipts = new ReceiptProcessor({ ledger: deps.ledger, smpp: deps.config.smpp, metrics: deps.metrics, log });
  const mo = new MoProcessor({ config: deps.config, ledger: deps.ledger, jobs: deps.jobs, metrics: deps.metrics, log, groups: deps.groups });
  deps.gateway.onReceipt((receipt) => receipts.handle(receipt));
  deps.gateway.onMo((message) => mo.handle(message));
  const overdue = new OverdueReceipts({ ledger: deps.ledger, gateway: deps.gateway, receipts, smpp: deps.config.smpp, log });
  const sweeper = new SmsSweeper(
    [
      { name: 'held-receipts', run: () => receipts.sweep() },
      { name: 'overdue-receipts', run: () => overdue.sweep() },
      { name: 'mo-reassembly', run: () => mo.sweep() },
      { name: 'bind-metrics', run: async () => recordBindStates(deps.gateway, deps.metrics) },
    ],
    deps.config.smpp.receiptSweepMs,
    log,
  );
  const submitHandler = createSmsSubmitHandler({ config: deps.config, ledger: deps.ledger, gateway: deps.gateway, receipts, metrics: deps.metrics, log, mediaLinks: deps.mediaLinks, mediaBaseUrl: deps.mediaBaseUrl });
  return {
    submitHandler,
    receipts,
    mo,
    sweeper,
    overdue,
    start: () => sweeper.start(),
    stop: () => sweeper.stop(),
  };
}
