/**
 * Admin actions on one delivery. The ledger's state machine decides what is allowed:
 * retry takes a final failure (failed, expired, rejected, cancelled) back to `queued`;
 * cancel stops a delivery that has not left Herald yet (accepted, queued). A submitted
 * SMS or email is in the far side's hands, so it cannot honestly be called cancelled.
 */
import { jobForChannel } from '../../domain/jobs.js';
import type { StoredDelivery } from '../../domain/message.js';
import { heraldError, isHeraldError } from '../../errors.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { Ledger } from '../../ports/ledger.port.js';

/** Where a failed enqueue is reported: the request's logger. */
export interface ActionLog {
  error(obj: object, msg: string): void;
}

async function existing(ledger: Ledger, deliveryId: string): Promise<StoredDelivery> {
  const delivery = await ledger.getDelivery(deliveryId);
  if (delivery === undefined) throw heraldError('GW_ERR_API_NOT_FOUND', `delivery ${deliveryId}`);
  return delivery;
}

/**
 * Queues a finally-failed delivery again. The job id carries the delivery's new version,
 * so a repeated enqueue of the same retry is a no-op and every retry is a new job
 * (BullMQ refuses ':' in custom ids, hence '-').
 * @throws GW_ERR_API_NOT_FOUND, GW_ERR_STATE_ILLEGAL_TRANSITION (not in a final failure),
 *   GW_ERR_LEDGER_CONFLICT (a concurrent change won), GW_ERR_REDIS_UNREACHABLE (not queued;
 *   the delivery is put back to failed), GW_ERR_DB_UNREACHABLE
 */
export async function retryDelivery(ledger: Ledger, jobs: JobQueue, deliveryId: string, actor: string, log: ActionLog): Promise<StoredDelivery> {
  const before = await existing(ledger, deliveryId);
  const queued = await ledger.transition({
    deliveryId,
    to: 'queued',
    cause: 'admin-retry',
    expectedVersion: before.version,
    detail: { actor, previousState: before.state },
  });
  try {
    await jobs.enqueue(jobForChannel(queued.channel), { deliveryId }, { jobId: `${deliveryId}-v${queued.version}` });
  } catch (err) {
    // Queued without a job would wait for the stranded sweep; the admin asked now, so
    // say in the ledger that it failed, and they can retry again.
    log.error({ err, deliveryId }, 'retry could not be queued');
    await ledger
      .transition({ deliveryId, to: 'failed', cause: 'admin-retry-not-queued', errorCode: 'GW_ERR_REDIS_UNREACHABLE' })
      .catch((undo: unknown) => log.error({ err: undo, deliveryId }, 'cannot mark unqueued retry as failed'));
    throw isHeraldError(err) ? err : heraldError('GW_ERR_REDIS_UNREACHABLE', `enqueue retry of ${deliveryId}`, { cause: err });
  }
  return queued;
}

/**
 * Cancels a delivery that has not been handed to the far side. A job already queued for
 * it finds it cancelled in the ledger and does nothing (workers read the ledger first).
 * @throws GW_ERR_API_NOT_FOUND, GW_ERR_STATE_ILLEGAL_TRANSITION (already submitted or final),
 *   GW_ERR_LEDGER_CONFLICT, GW_ERR_DB_UNREACHABLE
 */
export async function cancelDelivery(ledger: Ledger, deliveryId: string, actor: string): Promise<StoredDelivery> {
  const before = await existing(ledger, deliveryId);
  return ledger.transition({
    deliveryId,
    to: 'cancelled',
    cause: 'admin-cancel',
    expectedVersion: before.version,
    detail: { actor, previousState: before.state },
  });
}
