/**
 * The dispositions service: decides which IMDNs a delivery owes its sender (the rules in
 * src/interworking), records each once in the ledger, and queues its `imdn-send` job.
 *
 * It is told about deliveries rather than asking channels for news: the ledger decorator
 * (with-dispositions.ts) calls {@link DispositionService.afterTransition} after each
 * transition, and the sweep (sweep.ts) catches whatever a crash between the transition's
 * commit and this call left undone. Both may run for the same delivery at once: the
 * notifications table's unique key and the job id (the notification id) make that harmless.
 */
import { createHash } from 'node:crypto';
import type { HeraldConfig } from '../config.js';
import type { ImdnNotification } from '../codecs/imdn.js';
import { isFinal } from '../domain/delivery-state.js';
import { newId } from '../domain/ids.js';
import type { DeliveryEvent, StoredDelivery, StoredMessage } from '../domain/message.js';
import type { NewNotification, NotificationKind, StoredNotification } from '../domain/notification.js';
import { heraldError } from '../errors.js';
import { dueNotifications, isRequested, TOKENS_DUE_BEFORE_FINAL } from '../interworking/index.js';
import { lazyChild, type Logger } from '../logger.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger, TransitionHistory } from '../ports/ledger.port.js';
import { buildImdnXml, type ImdnContent } from './build-imdn.js';
import { finalAt, reachedAt, wasHandedOff } from './delivery-history.js';
import { failureReason } from './failure-reason.js';
import { groupSummary } from './group-summary.js';
import type { InlineImdn, InlineImdnSender } from './inline-send.js';

export interface DispositionServiceDeps {
  readonly config: Pick<HeraldConfig, 'imdn'>;
  /** The plain ledger (not the decorated one: the service never transitions). */
  readonly ledger: Ledger;
  readonly store: DispositionStore;
  readonly jobs: JobQueue;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Sends new IMDNs at once (inline-send.ts); absent: every IMDN goes through the queue. */
  readonly inline?: Pick<InlineImdnSender, 'dispatch'> | undefined;
}

const DAY_MS = 24 * 3600 * 1000;

/** Whether a message can owe IMDNs at all: an IM from a SIP sender that asked, with an id to answer. */
export function owesImdns(message: StoredMessage): boolean {
  return message.direction === 'mt' && message.imdnRequests.length > 0 && message.imdnMessageId !== undefined;
}

/**
 * The imdn.Message-ID of the IMDN a delivery owes for one status: derived, not drawn, so
 * whichever node or restart sends it, and however often, the IM client sees one IMDN and
 * can recognise a resend after a crash (RFC 5438 §6.3 asks for uniqueness, which the
 * delivery id gives; 96 bits of SHA-256 keep it opaque).
 */
export function imdnMessageIdOf(deliveryId: string, kind: NotificationKind, status: string): string {
  return createHash('sha256').update(`${deliveryId}\u0000${kind}\u0000${status}`).digest('base64url').slice(0, 16);
}

export class DispositionService {
  readonly #deps: DispositionServiceDeps;
  readonly #now: () => Date;

  constructor(deps: DispositionServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Creates (once) and queues every IMDN the delivery owes now, then records that this
   * version of the delivery was looked at.
   * @returns the notifications created by this call.
   * @throws GW_ERR_DB_UNREACHABLE and other ledger failures; a failed enqueue is only
   *   logged (the sweep queues pending notifications later).
   */
  async afterTransition(delivery: StoredDelivery, history?: TransitionHistory): Promise<readonly StoredNotification[]> {
    const { store } = this.#deps;
    // The message and this delivery's timeline (read by the transition itself when the
    // ledger can, else in one read), and the notifications with the check mark in one
    // write: one or two round trips per transition (npm run bench).
    const facts = history ?? (await store.readDecisionFacts(delivery.messageId, delivery.id));
    if (facts === undefined) return [];
    const { message, events } = facts;
    // Messages that asked for nothing are never swept (the sweep's query skips them), so
    // they cost no write here; the others are marked so the sweep does not pick them again.
    if (message.direction !== 'mt' || message.imdnRequests.length === 0) return [];
    const log = lazyChild(this.#deps.log, { msgId: message.id, deliveryId: delivery.id });
    if (!owesImdns(message) || this.#pastRetention(message, log)) {
      await store.markChecked(delivery.id, delivery.version);
      return [];
    }
    // Nothing can be due before the final state (see TOKENS_DUE_BEFORE_FINAL), so there is
    // nothing to record as decided either: one write fewer per hand-off. The sweep skips
    // these deliveries by the same rule (listUnchecked's tokensBeforeFinal).
    if (!isFinal(delivery.state) && !message.imdnRequests.some((token) => TOKENS_DUE_BEFORE_FINAL.has(token))) return [];
    const due: NewNotification[] = [];
    for (const notification of dueNotifications({
      state: delivery.state,
      channel: delivery.channel,
      handedOff: wasHandedOff(delivery, events),
      requests: message.imdnRequests,
    })) {
      due.push(this.#notification(delivery.id, notification.type, this.#contentFor(message, delivery, events, notification)));
    }
    if (this.#deps.config.imdn.groupSummary && isFinal(delivery.state)) {
      const summary = await this.#summary(message);
      if (summary !== undefined) due.push(summary);
    }
    const decided = await store.recordDecision(delivery.id, delivery.version, due);
    const created = decided.created.map((c) => c.notification);
    // Marked checked before the enqueue: a failed enqueue leaves the rows pending, and the
    // sweep queues pending notifications whatever the check says. Sent from the facts at
    // hand, the decision's and this message: no read per IMDN (npm run bench).
    await this.#enqueue(
      decided.created.map((c) => ({ ...c, message })),
      log,
    );
    // debug: one line per message at carrier rates is measurable CPU (npm run bench).
    if (created.length > 0) log.debug({ imdns: created.map((n) => `${n.kind}/${n.status}`) }, 'IMDNs due');
    return created;
  }

  /**
   * Reads a delivery and runs {@link afterTransition} on it (the sweep's entry).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async evaluate(deliveryId: string): Promise<readonly StoredNotification[]> {
    const delivery = await this.#deps.ledger.getDelivery(deliveryId);
    return delivery === undefined ? [] : this.afterTransition(delivery);
  }

  /**
   * An IMDN a far-side report implies without a state change: an MDN `displayed`
   * (display-notification), a DSN `delayed`/`relayed` (processing-notification), per the
   * tables in src/interworking. Sent only when the sender asked for it.
   * @returns the notification when this call created it.
   * @throws GW_ERR_LEDGER_NOT_FOUND for an unknown delivery; GW_ERR_DB_UNREACHABLE
   */
  async afterFarSideReport(deliveryId: string, notification: ImdnNotification, at: Date): Promise<StoredNotification | undefined> {
    const { ledger } = this.#deps;
    const delivery = await ledger.getDelivery(deliveryId);
    if (delivery === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `delivery ${deliveryId}`);
    const message = await ledger.getMessage(delivery.messageId);
    if (message === undefined) throw heraldError('GW_ERR_LEDGER_NOT_FOUND', `message ${delivery.messageId}`);
    const log = lazyChild(this.#deps.log, { msgId: message.id, deliveryId });
    if (!owesImdns(message) || this.#pastRetention(message, log)) return undefined;
    if (!isRequested(message.imdnRequests, notification, delivery.channel)) return undefined;
    const row = await this.#create(delivery.id, notification.type, { message, delivery, notification, at });
    if (row !== undefined) await this.#enqueue([{ notification: row }], log);
    return row;
  }

  #pastRetention(message: StoredMessage, log: Logger): boolean {
    const days = this.#deps.config.imdn.retentionDays;
    if (days === undefined || this.#now().getTime() - message.createdAt.getTime() < days * DAY_MS) return false;
    log.info({ retentionDays: days }, 'no IMDN: the message is older than imdn.retentionDays');
    return true;
  }

  #contentFor(message: StoredMessage, delivery: StoredDelivery, events: readonly DeliveryEvent[], notification: ImdnNotification): ImdnContent {
    // Hand-off marks (interworking, processing processed) date from the hand-off; final
    // reports from the far side's time; before hand-off, from the failure itself.
    const handOffMark = notification.type !== 'delivery' && (notification.status === 'legacy-sms' || notification.status === 'processed');
    const at = handOffMark ? (reachedAt(delivery, events, 'submitted') ?? delivery.updatedAt) : finalAt(delivery, events);
    if (notification.status === 'failed' || notification.status === 'error') {
      const { reason, code } = failureReason(delivery, events);
      return { message, delivery, notification, at, reason, code };
    }
    return { message, delivery, notification, at };
  }

  /** The group summary's row when it is due; it needs every recipient's timeline, read here. */
  async #summary(message: StoredMessage): Promise<NewNotification | undefined> {
    const { ledger } = this.#deps;
    const deliveries = await ledger.listDeliveries(message.id);
    if (deliveries.length < 2) return undefined;
    const summary = groupSummary(deliveries, await ledger.listEvents(message.id));
    const first = deliveries[0];
    if (summary === undefined || first === undefined) return undefined;
    if (!message.imdnRequests.includes(summary.notification.status === 'delivered' ? 'positive-delivery' : 'negative-delivery')) return undefined;
    const content: ImdnContent = { message, notification: summary.notification, at: summary.at, reason: summary.reason, code: summary.code };
    // Kept on the first recipient's row: the unique key then makes it once per message.
    return this.#notification(first.id, 'summary', content);
  }

  #notification(deliveryId: string, kind: NotificationKind, content: ImdnContent): NewNotification {
    return {
      id: newId(),
      deliveryId,
      messageId: content.message.id,
      kind,
      status: content.notification.status,
      imdnMessageId: imdnMessageIdOf(deliveryId, kind, content.notification.status),
      payload: buildImdnXml(content),
    };
  }

  /** @returns the row when this call created it; undefined when it already existed. */
  async #create(deliveryId: string, kind: NotificationKind, content: ImdnContent): Promise<StoredNotification | undefined> {
    const { notification, created } = await this.#deps.store.insertNotification(this.#notification(deliveryId, kind, content));
    return created ? notification : undefined;
  }

  async #enqueue(imdns: readonly InlineImdn[], log: Logger): Promise<void> {
    if (imdns.length === 0) return;
    if (this.#deps.inline?.dispatch(imdns) === true) return;
    const rows = imdns.map((imdn) => imdn.notification);
    try {
      await this.#deps.jobs.enqueueBulk(
        'imdn-send',
        rows.map((n) => ({ payload: { deliveryId: n.deliveryId, notificationId: n.id }, options: { jobId: n.id } })),
      );
    } catch (err) {
      // The rows are durable and pending: the sweep queues them.
      log.warn({ err, notifications: rows.map((n) => n.id) }, 'IMDN enqueue failed; left for the sweep');
    }
  }
}
