/**
 * Sends new IMDNs from this process at once instead of through the `imdn-send` queue.
 *
 * The queue hop bought nothing on the common path: the notification row is already the
 * durable record (pending until sent), and a job costs an add, a fetch and a finish on
 * Redis per IMDN, about a third of the gateway's queue work (npm run bench). The queue is
 * still where retries live: an attempt that throws (a 503, a transport error, an earlier
 * IMDN of the same delivery still to go) hands the notification, and those after it, to
 * the queue, delayed as the error asks. A crash mid-send leaves the row pending, and the
 * dispositions sweep queues pending rows, as it does after a lost enqueue.
 *
 * Sends run in the background (the caller is a receipt or a channel worker that must not
 * wait for a SIP transaction), at most `maxInFlight` batches at once; past that the rows
 * are queued as before, so the queue's concurrency still bounds a flood.
 */
import { isHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobContext, JobHandler, JobQueue } from '../ports/job-queue.port.js';
import type { NotificationSendFacts } from '../ports/disposition-store.port.js';
import type { StoredNotification } from '../domain/notification.js';

/** The queue's delay for a notification handed over after a failed first attempt, when the error names none. */
export const INLINE_RETRY_DELAY_MS = 1000;

/**
 * A notification to send: with its send facts when the caller holds them (a decision just
 * recorded, whose message it read), else alone, and the handler reads them.
 */
export type InlineImdn = NotificationSendFacts | { readonly notification: StoredNotification; readonly message?: undefined };

export interface InlineImdnSenderDeps {
  /** The `imdn-send` job handler: the same code whichever way a notification goes. */
  readonly handler: JobHandler<'imdn-send'>;
  /** The handler's attempt without its read (see ImdnSend.sendFrom). */
  readonly sendFrom: (facts: NotificationSendFacts, context: JobContext) => Promise<void>;
  readonly jobs: Pick<JobQueue, 'enqueueBulk'>;
  /** Batches sending at once; more are queued. */
  readonly maxInFlight: number;
  readonly log: Logger;
}

export class InlineImdnSender {
  readonly #deps: InlineImdnSenderDeps;
  #inFlight = 0;

  constructor(deps: InlineImdnSenderDeps) {
    this.#deps = deps;
  }

  /**
   * Starts sending `imdns` (one delivery's new notifications, in order) in the background.
   * @returns false when too many sends are running: the caller queues them instead.
   */
  dispatch(imdns: readonly InlineImdn[]): boolean {
    if (this.#inFlight >= this.#deps.maxInFlight) return false;
    this.#inFlight++;
    void this.#send(imdns).finally(() => {
      this.#inFlight--;
    });
    return true;
  }

  async #send(imdns: readonly InlineImdn[]): Promise<void> {
    for (const [i, imdn] of imdns.entries()) {
      const n = imdn.notification;
      const context = { jobId: n.id, attempt: 1 };
      try {
        if (imdn.message === undefined) await this.#deps.handler({ deliveryId: n.deliveryId, notificationId: n.id }, context);
        else await this.#deps.sendFrom(imdn, context);
      } catch (err) {
        await this.#handOver(imdns.slice(i).map((rest) => rest.notification), err);
        return;
      }
    }
  }

  /** Queues what is left, delayed as the failed attempt asked; a failed enqueue is left to the sweep. */
  async #handOver(rows: readonly StoredNotification[], cause: unknown): Promise<void> {
    const asked = isHeraldError(cause) ? cause.meta.retryAfterMs : undefined;
    const delayMs = typeof asked === 'number' && asked >= 0 ? asked : INLINE_RETRY_DELAY_MS;
    const log = this.#deps.log;
    log.debug({ err: cause, notifications: rows.map((n) => n.id), delayMs }, 'IMDN not sent at once; queued for retry');
    try {
      await this.#deps.jobs.enqueueBulk(
        'imdn-send',
        rows.map((n) => ({ payload: { deliveryId: n.deliveryId, notificationId: n.id }, options: { jobId: n.id, delayMs } })),
      );
    } catch (err) {
      log.warn({ err, notifications: rows.map((n) => n.id) }, 'IMDN enqueue failed; left for the sweep');
    }
  }
}
