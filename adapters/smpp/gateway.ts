/**
 * The SMS gateway on SMPP 3.4: every configured connection with its binds, behind the
 * core's SmsGateway port. Inbound receipts and MO go to the handlers the core registered;
 * until it has, they are answered with a temporary error so the SMSC keeps them.
 */
import type { SmppConfig } from '../../src/config-smpp.js';
import { heraldError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type {
  IncomingMo,
  IncomingSmsReceipt,
  SmsGateway,
  SmsGatewayStatus,
  SmsInboundHandler,
  SmsQueryAnswer,
  SmsSubmitRequest,
  SmsSubmitResult,
} from '../../src/ports/sms-gateway.port.js';
import { SmppConnection } from './connection.js';
import type { InboundSink } from './ops/index.js';
import { smppError } from './smpp-error.js';

function notReady(what: string): Promise<never> {
  return Promise.reject(smppError('GW_ERR_SMPP_UNAVAILABLE', `no ${what} handler registered yet`));
}

export class SmppGateway implements SmsGateway {
  readonly #connections = new Map<string, SmppConnection>();
  readonly #log: Logger;
  #receiptHandler: SmsInboundHandler<IncomingSmsReceipt> = () => notReady('receipt');
  #moHandler: SmsInboundHandler<IncomingMo> = () => notReady('MO');
  #stopping: Promise<void> | undefined;

  constructor(smpp: SmppConfig, log: Logger) {
    this.#log = log.child({ component: 'smpp' });
    const sink: InboundSink = {
      receipt: (event) => this.#receiptHandler(event),
      mo: (event) => this.#moHandler(event),
    };
    for (const connection of smpp.connections) this.#connections.set(connection.id, new SmppConnection(connection, sink, this.#log));
  }

  /** @throws GW_ERR_SMPP_UNAVAILABLE for an unknown connection id; see SmsGateway.submit. */
  async submit(request: SmsSubmitRequest): Promise<SmsSubmitResult> {
    const connection = this.#connections.get(request.connectionId);
    if (connection === undefined) {
      throw smppError('GW_ERR_SMPP_UNAVAILABLE', `no SMPP connection ${request.connectionId}`, { connectionId: request.connectionId, meta: { retryAfterMs: 60_000 } });
    }
    return connection.submit(request);
  }

  /** @throws GW_ERR_SMPP_UNAVAILABLE for an unknown connection id; see SmsGateway.query. */
  async query(connectionId: string, messageId: string): Promise<SmsQueryAnswer | undefined> {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined) throw smppError('GW_ERR_SMPP_UNAVAILABLE', `no SMPP connection ${connectionId}`, { connectionId });
    return connection.query(messageId);
  }

  onReceipt(handler: SmsInboundHandler<IncomingSmsReceipt>): void {
    this.#receiptHandler = handler;
  }

  onMo(handler: SmsInboundHandler<IncomingMo>): void {
    this.#moHandler = handler;
  }

  status(): SmsGatewayStatus {
    return { configured: this.#connections.size > 0, connections: [...this.#connections.values()].map((connection) => connection.status()) };
  }

  /** @throws GW_ERR_LEDGER_NOT_FOUND for an unknown connection id. */
  async setEnabled(connectionId: string, enabled: boolean): Promise<void> {
    const connection = this.#connections.get(connectionId);
    if (connection === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `SMPP connection ${connectionId}`);
    await connection.setEnabled(enabled);
  }

  async start(): Promise<void> {
    if (this.#connections.size === 0) {
      this.#log.warn({}, 'no SMPP connection configured (smpp.connections): SMS deliveries wait until one is');
      return;
    }
    for (const connection of this.#connections.values()) connection.start();
    this.#log.info({ connections: [...this.#connections.keys()] }, 'SMPP binds starting');
  }

  stop(): Promise<void> {
    this.#stopping ??= Promise.all([...this.#connections.values()].map((connection) => connection.stop())).then(() => undefined);
    return this.#stopping;
  }
}
