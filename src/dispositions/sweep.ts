/**
 * Crash safety for IMDNs. A transition commits before the dispositions service runs, and
 * a notification row commits before its job is queued: a crash (or a Redis outage) in
 * between would lose an IMDN. This sweep finds
 * - deliveries that changed since the service last looked at them (and asked for IMDNs),
 *   and runs the service on them;
 * - pending notifications, and queues their job again (the job id is the notification
 *   id, so one still queued is not duplicated);
 * - pending notifications far past the give-up time whose job is gone (the queue ran out
 *   of attempts), and fails them so they stop being owed;
 * - when imdn.retentionDays is set, finished notifications older than that, deleted.
 * Nothing expires otherwise (REQ-DISNOT-3).
 */
import type { HeraldConfig } from '../config.js';
import { FINAL_STATES } from '../domain/delivery-state.js';
import { isHeraldError } from '../errors.js';
import { TOKENS_DUE_BEFORE_FINAL } from '../interworking/index.js';
import type { Logger } from '../logger.js';
import type { DispositionStore } from '../ports/disposition-store.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';
import type { DispositionService } from './service.js';

/** Younger changes are probably being handled right now by the transition hook. */
export const SWEEP_GRACE_MS = 30_000;
/** Past give-up by this much, a pending notification's job must have run out. */
const STUCK_AFTER_GIVE_UP_MS = 15 * 60_000;
const BATCH = 200;
const DAY_MS = 24 * 3600 * 1000;

export interface DispositionSweepDeps {
  readonly config: Pick<HeraldConfig, 'imdn' | 'sip'>;
  readonly ledger: Ledger;
  readonly store: DispositionStore;
  readonly jobs: JobQueue;
  readonly service: DispositionService;
  readonly log: Logger;
}

export interface SweepResult {
  readonly evaluated: number;
  readonly requeued: number;
  readonly stuck: number;
  readonly purged: number;
}

const TRIGGER_STATES: readonly string[] = ['submitted', 'enroute', ...FINAL_STATES];

/**
 * One pass (see the module comment). Each part is bounded to one batch, so a pass stays
 * short; what is left waits for the next pass.
 * @throws GW_ERR_DB_UNREACHABLE; a failed enqueue stops the pass (the next one retries).
 *   A delivery whose IMDN cannot be built (a permanent error) is logged and skipped.
 */
export async function sweepDispositions(deps: DispositionSweepDeps, now: Date = new Date()): Promise<SweepResult> {
  const { config, ledger, store, jobs, service, log } = deps;
  const before = new Date(now.getTime() - SWEEP_GRACE_MS);

  let evaluated = 0;
  for (const { deliveryId, messageId } of await store.listUnchecked(TRIGGER_STATES, before, BATCH, [...TOKENS_DUE_BEFORE_FINAL])) {
    try {
      const created = await service.evaluate(deliveryId);
      if (created.length > 0) log.warn({ msgId: messageId, deliveryId, created: created.length }, 'sweep created IMDNs a transition left undone');
    } catch (err) {
      if (!isHeraldError(err) || !err.permanent) throw err;
      // An IMDN that can never be built (e.g. a value the codec refuses) must not be
      // picked again by every pass and crowd out the others.
      log.error({ err, msgId: messageId, deliveryId }, 'IMDN cannot be built; delivery skipped');
      const delivery = await ledger.getDelivery(deliveryId);
      if (delivery !== undefined) await store.markChecked(deliveryId, delivery.version);
    }
    evaluated++;
  }

  let requeued = 0;
  let stuck = 0;
  const stuckBefore = now.getTime() - config.sip.retryGiveUpMs - STUCK_AFTER_GIVE_UP_MS;
  for (const n of await store.listPending(before, BATCH)) {
    if (n.createdAt.getTime() < stuckBefore) {
      if (await store.finish(n.id, 'failed', now, 'no send job left: gave up')) {
        await ledger.appendEvent({
          messageId: n.messageId,
          deliveryId: n.deliveryId,
          type: 'imdn-failed',
          cause: 'imdn-give-up',
          detail: { kind: n.kind, status: n.status, notificationId: n.id, reason: 'no send job left' },
        });
        stuck++;
      }
      continue;
    }
    await jobs.enqueue('imdn-send', { deliveryId: n.deliveryId, notificationId: n.id }, { jobId: n.id });
    requeued++;
  }

  let purged = 0;
  const days = config.imdn.retentionDays;
  if (days !== undefined) purged = await store.purgeFinished(new Date(now.getTime() - days * DAY_MS));
  if (evaluated + stuck + purged > 0) log.info({ evaluated, requeued, stuck, purged }, 'dispositions sweep');
  return { evaluated, requeued, stuck, purged };
}
