/**
 * A delivery needs a channel job in the queue until a worker moves it past `queued`. The
 * job can go missing: a crash between persisting the delivery and enqueuing its job, or a
 * Redis that lost its data. It can also end (completed, or failed after its attempts)
 * without the delivery moving on, e.g. when the ledger was down for the last attempt.
 * This sweep asks the queue about the job of every `accepted` or `queued` delivery and
 * enqueues again exactly those whose job is missing or ended; a job still waiting,
 * delayed or running is left alone however old the delivery.
 *
 * No duplicates: the id a delivery is re-queued under is a function of the delivery (its
 * id and version) and of which of its ids the queue already holds, so two sweeps (or a
 * sweep and ingress, or a sweep and an admin retry) that race add the same id, and the
 * queue keeps one job. An id is never reused once the queue holds it: a second add
 * would be a no-op, which is how a delivery whose job ended stayed stuck before.
 */
import type { StoredDelivery } from '../domain/message.js';
import { byChannelJob, type ChannelJobName, type JobName } from '../domain/jobs.js';
import type { Logger } from '../logger.js';
import type { JobLookup, JobPresence, JobQueue } from '../ports/job-queue.port.js';
import type { Ledger } from '../ports/ledger.port.js';

/** What the sweep reads of the ledger. */
export type StrandedLedger = Pick<Ledger, 'listAwaitingJob' | 'getDelivery'>;
/** What the sweep needs of the queue: adding, looking up, and whether it is reachable. */
export type StrandedQueue = Pick<JobQueue, 'enqueue' | 'enqueueBatch' | 'isConnected'> & JobLookup;

/**
 * Younger deliveries are left to ingress. Not for correctness (ingress adds under the
 * same id as the sweep's first choice), only to skip looking up jobs that were added
 * milliseconds ago.
 */
export const STRANDED_AFTER_MS = 10_000;
const BATCH = 500;
/** Candidate ids looked up for every delivery; the rest only when these show no pending job. */
const FIRST_LOOKUP = 2;
/**
 * How often one delivery, at one version, is re-queued after its job ended without
 * moving it. Bounded so a job that ends that way every time (a handler bug) does not
 * loop forever; the delivery is then reported for an admin to cancel and retry.
 */
export const MAX_REQUEUES_AFTER_END = 2;

/** What the sweep decided for one delivery. */
export type StrandedDecision =
  | { readonly action: 'leave' }
  | { readonly action: 'enqueue'; readonly jobId: string }
  | { readonly action: 'exhausted'; readonly lastJobId: string };

/**
 * The ids a delivery's job may have, oldest first: the shared job ingress recorded it for
 * (`jobId`, when it has one), the delivery id (what ingress uses for a delivery recorded
 * alone, and where a batch hands a delivery that must retry), then `<id>-v<version>`
 * (what an admin retry uses, and the sweep's first re-queue of a delivery whose first job
 * ended), then the sweep's further re-queues. BullMQ refuses ':' in custom ids, hence '-'.
 */
export function candidateJobIds(delivery: Pick<StoredDelivery, 'id' | 'version' | 'jobId'>): readonly string[] {
  const versioned = `${delivery.id}-v${delivery.version}`;
  const further = Array.from({ length: MAX_REQUEUES_AFTER_END }, (_, k) => `${versioned}-r${k + 1}`);
  return [...(delivery.jobId === undefined ? [] : [delivery.jobId]), delivery.id, versioned, ...further];
}

/**
 * Decides from where each candidate id stands. Any pending job means a worker will run
 * the delivery: leave it. Otherwise the newest id the queue holds is the job that ended,
 * and the next id is used. When the queue holds none of them the job is lost, and the
 * first id is used again: it is the one ingress would be adding at that moment, so a
 * race adds one job.
 */
export function decide(ids: readonly string[], presence: readonly JobPresence[]): StrandedDecision {
  if (presence.includes('pending')) return { action: 'leave' };
  const ended = presence.lastIndexOf('ended');
  const next = ids[ended + 1];
  return next === undefined ? { action: 'exhausted', lastJobId: ids[ended] ?? '' } : { action: 'enqueue', jobId: next };
}

/**
 * One pass over every `accepted` or `queued` delivery older than {@link STRANDED_AFTER_MS}.
 * Skipped while the queue store is disconnected: its answers are what the pass relies on,
 * and commands would only pile up until it is back.
 * @returns how many deliveries were enqueued again
 * @throws GW_ERR_DB_UNREACHABLE, GW_ERR_REDIS_UNREACHABLE (the next pass tries again)
 */
export async function requeueStranded(ledger: StrandedLedger, jobs: StrandedQueue, log: Logger, now = new Date()): Promise<number> {
  if (jobs.isConnected?.() === false) return 0;
  const before = new Date(now.getTime() - STRANDED_AFTER_MS);
  let total = 0;
  for (const state of ['accepted', 'queued'] as const) {
    let after: string | undefined;
    do {
      const page = await ledger.listAwaitingJob(state, before, BATCH, after);
      for (const [name, deliveries] of byChannelJob(page.deliveries, (d) => d.channel)) total += await sweepQueue(ledger, jobs, log, name, deliveries);
      after = page.next;
    } while (after !== undefined);
  }
  return total;
}

async function sweepQueue(ledger: StrandedLedger, jobs: StrandedQueue, log: Logger, name: ChannelJobName, deliveries: readonly StoredDelivery[]): Promise<number> {
  const ids = deliveries.map(candidateJobIds);
  // Nearly every delivery's job is pending under its first or second id (a backlog is the
  // common reason to be old): look those up for all, the rest only where still needed.
  const head = await lookUp(jobs, name, ids.map((own) => own.slice(0, FIRST_LOOKUP)));
  const unsettled = [...deliveries.keys()].filter((i) => !head[i]?.includes('pending'));
  const tail = await lookUp(jobs, name, unsettled.map((i) => ids[i]?.slice(FIRST_LOOKUP) ?? []));
  const presence = head.map((own) => [...own]);
  for (const [k, i] of unsettled.entries()) presence[i]?.push(...(tail[k] ?? []));
  let requeued = 0;
  // A lost shared job is added again under its own id, with the members found here: ingress
  // may still be adding it (its id keeps that to one job), and its other members (if any)
  // are found by a later pass, the shared job then pending or ended.
  const lostBatches = new Map<string, StoredDelivery[]>();
  for (const [i, delivery] of deliveries.entries()) {
    const decision = decide(ids[i] ?? [], presence[i] ?? []);
    if (decision.action === 'leave') continue;
    // The ledger was read before the queue: a worker may have moved the delivery on and
    // finished its job in between. Unchanged now means the job really ended without it.
    const fresh = await ledger.getDelivery(delivery.id);
    if (fresh === undefined || fresh.version !== delivery.version) continue;
    const context = { msgId: delivery.messageId, deliveryId: delivery.id, state: delivery.state };
    if (decision.action === 'exhausted') {
      log.error({ ...context, jobId: decision.lastJobId }, 'stranded delivery not re-queued: its jobs keep ending without moving it; cancel and retry it');
      continue;
    }
    if (decision.jobId === delivery.jobId) {
      lostBatches.set(decision.jobId, [...(lostBatches.get(decision.jobId) ?? []), delivery]);
      continue;
    }
    await jobs.enqueue(name, { deliveryId: delivery.id }, { jobId: decision.jobId });
    log.warn({ ...context, jobId: decision.jobId }, 're-queued a stranded delivery');
    requeued += 1;
  }
  for (const [jobId, members] of lostBatches) {
    await jobs.enqueueBatch(name, members.map((d) => d.id), { jobId });
    for (const d of members) log.warn({ msgId: d.messageId, deliveryId: d.id, state: d.state, jobId }, 're-queued a stranded delivery');
    requeued += members.length;
  }
  return requeued;
}

/** Presence of several groups of ids of one queue, in one round trip (none when empty). */
async function lookUp(jobs: StrandedQueue, name: JobName, groups: readonly (readonly string[])[]): Promise<JobPresence[][]> {
  const flat = groups.flat();
  const answers = flat.length === 0 ? [] : await jobs.presence(name, flat);
  let offset = 0;
  return groups.map((group) => {
    const own = answers.slice(offset, offset + group.length);
    offset += group.length;
    return own;
  });
}
