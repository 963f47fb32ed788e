/**
 * IMDNs that IM users send back for MO messages Herald relayed to them (an SMS or email
 * reply shown in their IM client): recorded on the MO message's timeline.
 *
 * The XML `<message-id>` names the original (the imdn.Message-ID Herald put in the
 * MESSAGE, see egress/message-body.ts); the IMDN's own imdn.Message-ID is only kept for
 * the record, since liblinphone sends none (nor an `NS: imdn` line) in its deflated IMDNs.
 */
import type { Logger } from '../logger.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { Ledger } from '../ports/ledger.port.js';

/** What ingress read from an IMDN an IM user sent. */
export interface IncomingImdn {
  /** The XML `<message-id>`: the imdn.Message-ID of the message reported on. */
  readonly messageId: string;
  readonly notificationType: string;
  readonly status: string;
  readonly datetime?: Date | undefined;
  /** The IMDN's own imdn.Message-ID, when it had one. */
  readonly imdnMessageId?: string | undefined;
  /** Who reports: the CPIM From, else the SIP From. */
  readonly from: string;
}

export interface IncomingImdnDeps {
  readonly ledger: Ledger;
  readonly store: DispositionStore;
}

/** Records incoming IMDNs on their MO message's timeline. */
export class IncomingImdnRecorder {
  readonly #deps: IncomingImdnDeps;

  constructor(deps: IncomingImdnDeps) {
    this.#deps = deps;
  }

  /**
   * @returns `recorded`, or `unknown` when no MO message has that id (logged; the sender
   *   still gets 200: an IMDN is never worth a retry loop).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async record(imdn: IncomingImdn, log: Logger): Promise<'recorded' | 'unknown'> {
    const { ledger, store } = this.#deps;
    const message = await store.findMoMessageByImdnId(imdn.messageId);
    if (message === undefined) {
      log.info({ imdnMessageId: imdn.messageId, type: imdn.notificationType, status: imdn.status, from: imdn.from }, 'IMDN for an unknown message ignored');
      return 'unknown';
    }
    const deliveries = await ledger.listDeliveries(message.id);
    // The reporting IM user is the delivery's target; with one delivery (the usual MO case) it is that one.
    const delivery = deliveries.find((d) => d.channel === 'sip' && d.targetUri === imdn.from) ?? deliveries[0];
    await ledger.appendEvent({
      messageId: message.id,
      deliveryId: delivery?.id,
      type: 'imdn-received',
      cause: `imdn:${imdn.notificationType}/${imdn.status}`,
      detail: {
        type: imdn.notificationType,
        status: imdn.status,
        from: imdn.from,
        ...(imdn.datetime === undefined ? {} : { datetime: imdn.datetime.toISOString() }),
        ...(imdn.imdnMessageId === undefined ? {} : { imdnMessageId: imdn.imdnMessageId }),
      },
    });
    log.info({ msgId: message.id, deliveryId: delivery?.id, type: imdn.notificationType, status: imdn.status }, 'IMDN received for an MO message');
    return 'recorded';
  }
}
