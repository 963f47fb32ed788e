/**
 * What starts archiving: the ledger handed to the channels and the dispositions module is
 * decorated (like `withDispositions`) so a change that gives a message something new to
 * archive marks it due and queues its job, without any channel knowing the archive exists.
 *
 * Marked: hand-off (submitted) and every final state of a delivery, and every IMDN sent
 * to or received from an IM user. Marking runs after the ledger write committed; its
 * failures are logged and swallowed (the write must not look failed), and the sweep
 * queues again any due message whose job is missing.
 */
import { isFinal, type DeliveryState } from '../domain/delivery-state.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { ArchiveStore } from '../ports/archive-store.port.js';
import type { Ledger, NewEvent, TransitionRequest } from '../ports/ledger.port.js';
import type { DeliveryEvent, StoredDelivery } from '../domain/message.js';
import type { Logger } from '../logger.js';
import type { ArchiveSettings } from './settings.js';

/** Delivery states that give a message something to archive. */
export function triggersArchive(state: DeliveryState): boolean {
  return state === 'submitted' || isFinal(state);
}

/** Timeline events archived as reports (besides final states). */
export const ARCHIVED_EVENT_TYPES: ReadonlySet<string> = new Set(['imdn-sent', 'imdn-received']);

/** The job id of one due mark: a new generation is a new job, even after the last one completed. */
export function archiveJobId(messageId: string, generation: number): string {
  return `${messageId}.${generation}`;
}

/** Marks messages due and queues their jobs. */
export class ArchiveTrigger {
  constructor(
    private readonly deps: { readonly settings: ArchiveSettings; readonly store: ArchiveStore; readonly jobs: JobQueue },
  ) {}

  /** @throws GW_ERR_DB_UNREACHABLE, GW_ERR_REDIS_UNREACHABLE (the sweep makes up for a lost enqueue) */
  async due(messageId: string): Promise<void> {
    const [generation = 1] = await this.deps.store.markDue([messageId]);
    await this.deps.jobs.enqueue('archive', { messageId }, { jobId: archiveJobId(messageId, generation), delayMs: this.deps.settings.delayMs });
  }
}

function marker(trigger: Pick<ArchiveTrigger, 'due'>, log: Logger): (messageId: string, what: string) => Promise<void> {
  return async (messageId, what) => {
    try {
      await trigger.due(messageId);
    } catch (err) {
      log.warn({ err, msgId: messageId, what }, 'archive not queued; the sweep retries it');
    }
  };
}

/**
 * What {@link withArchive} does for an event, for events a store writes itself (the IMDN
 * outcome, written with its notification in one statement, never passes the ledger's
 * appendEvent). Never throws.
 */
export function archiveEventHook(trigger: Pick<ArchiveTrigger, 'due'>, log: Logger): (event: Pick<NewEvent, 'messageId' | 'type'>) => Promise<void> {
  const mark = marker(trigger, log);
  return async (event) => {
    if (ARCHIVED_EVENT_TYPES.has(event.type)) await mark(event.messageId, event.type);
  };
}

/**
 * Wraps `ledger` so transitions into {@link triggersArchive} states and
 * {@link ARCHIVED_EVENT_TYPES} events also mark the message due. Every other member is
 * the wrapped ledger's own (bound to it, so private fields keep working).
 */
export function withArchive<L extends Ledger>(ledger: L, trigger: Pick<ArchiveTrigger, 'due'>, log: Logger): L {
  const mark = marker(trigger, log);
  const transition = async (request: TransitionRequest): Promise<StoredDelivery> => {
    const delivery = await ledger.transition(request);
    if (triggersArchive(delivery.state)) await mark(delivery.messageId, delivery.state);
    return delivery;
  };
  const appendEvent = async (event: NewEvent): Promise<DeliveryEvent> => {
    const stored = await ledger.appendEvent(event);
    if (ARCHIVED_EVENT_TYPES.has(event.type)) await mark(event.messageId, event.type);
    return stored;
  };
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'transition') return transition;
      if (property === 'appendEvent') return appendEvent;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
