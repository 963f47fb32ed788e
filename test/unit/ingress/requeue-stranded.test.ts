/** The stranded sweep's decisions, against an in-memory ledger and queue (no Redis, no PostgreSQL). */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../../src/domain/delivery-state.js';
import type { ChannelJobName, JobName, JobPayloads } from '../../../src/domain/jobs.js';
import type { StoredDelivery } from '../../../src/domain/message.js';
import {
  MAX_REQUEUES_AFTER_END,
  STRANDED_AFTER_MS,
  candidateJobIds,
  decide,
  requeueStranded,
  type StrandedLedger,
  type StrandedQueue,
} from '../../../src/ingress/requeue-stranded.js';
import { createLogger } from '../../../src/logger.js';
import type { EnqueueOptions, JobPresence } from '../../../src/ports/job-queue.port.js';
import type { AwaitingJobPage } from '../../../src/ports/ledger.port.js';

const NOW = new Date('2026-01-01T12:00:00Z');
const OLD = new Date(NOW.getTime() - STRANDED_AFTER_MS - 1);

function delivery(id: string, state: DeliveryState, version: number, over: Partial<StoredDelivery> = {}): StoredDelivery {
  return {
    id,
    messageId: `m-${id}`,
    channel: 'sms',
    originalRecipientUri: 'tel:+15551230000',
    targetUri: 'tel:+15551230000',
    state,
    version,
    createdAt: OLD,
    updatedAt: OLD,
    ...over,
  };
}

/** Pages of `pageSize` in id order, like the real ledger's keyset (whose order is by time, then id). */
class FakeLedger implements StrandedLedger {
  readonly rows = new Map<string, StoredDelivery>();
  /** Applied by getDelivery: what happens between the sweep's list and its re-read. */
  onReread: ((d: StoredDelivery) => StoredDelivery) | undefined;

  constructor(
    deliveries: readonly StoredDelivery[],
    private readonly pageSize = 500,
  ) {
    for (const d of deliveries) this.rows.set(d.id, d);
  }

  async listAwaitingJob(state: 'accepted' | 'queued', before: Date, limit: number, after?: string): Promise<AwaitingJobPage> {
    const size = Math.min(limit, this.pageSize);
    const all = [...this.rows.values()].filter((d) => d.state === state && d.updatedAt < before).sort((a, b) => a.id.localeCompare(b.id));
    const rest = after === undefined ? all : all.filter((d) => d.id > after);
    const page = rest.slice(0, size);
    return { deliveries: page, next: rest.length > size ? page.at(-1)?.id : undefined };
  }

  async getDelivery(id: string): Promise<StoredDelivery | undefined> {
    const row = this.rows.get(id);
    if (row === undefined || this.onReread === undefined) return row;
    const changed = this.onReread(row);
    this.rows.set(id, changed);
    return changed;
  }
}

class FakeQueue implements StrandedQueue {
  readonly jobs = new Map<string, JobPresence>();
  readonly added: { name: JobName; jobId: string; deliveryId: string }[] = [];
  readonly lookups: { name: JobName; ids: readonly string[] }[] = [];
  connected = true;

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions): Promise<void> {
    this.added.push({ name, jobId: options.jobId, deliveryId: 'deliveryId' in payload ? payload.deliveryId : '' });
    // BullMQ's rule: an id it holds is not added again.
    if (!this.jobs.has(`${name}/${options.jobId}`)) this.jobs.set(`${name}/${options.jobId}`, 'pending');
  }

  async enqueueBatch(name: ChannelJobName, deliveryIds: readonly string[], options: EnqueueOptions): Promise<void> {
    for (const deliveryId of deliveryIds) this.added.push({ name, jobId: options.jobId, deliveryId });
    if (!this.jobs.has(`${name}/${options.jobId}`)) this.jobs.set(`${name}/${options.jobId}`, 'pending');
  }

  async presence(name: JobName, jobIds: readonly string[]): Promise<readonly JobPresence[]> {
    this.lookups.push({ name, ids: jobIds });
    return jobIds.map((id) => this.jobs.get(`${name}/${id}`) ?? 'missing');
  }

  isConnected(): boolean {
    return this.connected;
  }
}

function captureLog(): { log: ReturnType<typeof createLogger>; lines: { level: number; msg: string; deliveryId?: string }[] } {
  const lines: { level: number; msg: string; deliveryId?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string; deliveryId?: string });
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

const silent = createLogger('silent');

describe('stranded sweep', () => {
  describe('candidateJobIds', () => {
    it('starts with the delivery id ingress uses, then the versioned id an admin retry uses, then the sweep re-queues', () => {
      expect(candidateJobIds({ id: 'd1', version: 3 })).toEqual(['d1', 'd1-v3', ...Array.from({ length: MAX_REQUEUES_AFTER_END }, (_, k) => `d1-v3-r${k + 1}`)]);
    });
  });

  describe('decide', () => {
    const ids = candidateJobIds({ id: 'd', version: 2 });
    const missing = ids.map((): JobPresence => 'missing');
    const at = (entries: Record<number, JobPresence>): JobPresence[] => missing.map((p, i) => entries[i] ?? p);

    it('re-adds the first id when the queue holds none of them', () => {
      expect(decide(ids, missing)).toEqual({ action: 'enqueue', jobId: 'd' });
    });

    it('leaves a delivery with any job pending (waiting, delayed or active)', () => {
      expect(decide(ids, at({ 0: 'pending' }))).toEqual({ action: 'leave' });
      expect(decide(ids, at({ 0: 'ended', 1: 'pending' }))).toEqual({ action: 'leave' });
      expect(decide(ids, at({ 0: 'pending', 1: 'ended' }))).toEqual({ action: 'leave' });
      // Only the first two looked up: the others do not matter once one is pending.
      expect(decide(ids, ['missing', 'pending'])).toEqual({ action: 'leave' });
    });

    it('uses the next id when the newest job ended without moving the delivery', () => {
      expect(decide(ids, at({ 0: 'ended' }))).toEqual({ action: 'enqueue', jobId: 'd-v2' });
      expect(decide(ids, at({ 0: 'ended', 1: 'ended' }))).toEqual({ action: 'enqueue', jobId: 'd-v2-r1' });
      // The first job removed after completing, the re-queue ended too.
      expect(decide(ids, at({ 1: 'ended' }))).toEqual({ action: 'enqueue', jobId: 'd-v2-r1' });
    });

    it('reports a delivery whose every id has ended', () => {
      expect(decide(ids, ids.map((): JobPresence => 'ended'))).toEqual({ action: 'exhausted', lastJobId: ids.at(-1) });
    });
  });

  describe('when a delivery has a job still in the queue', () => {
    it('leaves it, however old the delivery', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1), delivery('q', 'queued', 2, { updatedAt: new Date(0) })]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/a', 'pending');
      queue.jobs.set('sms-submit/q', 'pending');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
    });
  });

  describe('when deliveries were recorded for a shared job (ingress batches)', () => {
    it('puts the shared id first, then the delivery id its retry job uses', () => {
      expect(candidateJobIds({ id: 'd1', version: 3, jobId: 'b-m1' }).slice(0, 3)).toEqual(['b-m1', 'd1', 'd1-v3']);
    });

    it('leaves them while the shared job is pending, or when a delivery retries in its own job', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1, { jobId: 'b-1' }), delivery('b', 'queued', 2, { jobId: 'b-1' })]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/b-1', 'pending');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      queue.jobs.set('sms-submit/b-1', 'ended');
      queue.jobs.set('sms-submit/a', 'pending');
      queue.jobs.set('sms-submit/b', 'pending');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
    });

    it('adds a lost shared job again under its own id, with every member found, once', async () => {
      const ledger = new FakeLedger([
        delivery('a', 'accepted', 1, { jobId: 'b-1' }),
        delivery('b', 'accepted', 1, { jobId: 'b-1' }),
        delivery('c', 'accepted', 1, { jobId: 'b-2' }),
      ]);
      const queue = new FakeQueue();
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(3);
      expect(queue.added).toEqual([
        { name: 'sms-submit', jobId: 'b-1', deliveryId: 'a' },
        { name: 'sms-submit', jobId: 'b-1', deliveryId: 'b' },
        { name: 'sms-submit', jobId: 'b-2', deliveryId: 'c' },
      ]);
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
    });

    it('gives a member its own job when the shared job ended without moving it', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1, { jobId: 'b-1' })]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/b-1', 'ended');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(1);
      expect(queue.added).toEqual([{ name: 'sms-submit', jobId: 'a', deliveryId: 'a' }]);
    });
  });

  describe('when a delivery is younger than the grace period', () => {
    it('is not looked at: ingress may be adding its job right now', async () => {
      const ledger = new FakeLedger([delivery('young', 'accepted', 1, { updatedAt: new Date(NOW.getTime() - STRANDED_AFTER_MS + 1000) })]);
      const queue = new FakeQueue();
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
    });
  });

  describe('when jobs are missing', () => {
    it('re-adds each accepted or queued delivery once, on its channel queue, and a second sweep adds nothing', async () => {
      const ledger = new FakeLedger([
        delivery('a', 'accepted', 1),
        delivery('q', 'queued', 2),
        delivery('e', 'queued', 2, { channel: 'email', targetUri: 'mailto:bob@example.com' }),
        delivery('s', 'queued', 2, { channel: 'sip', targetUri: 'sip:bob@example.com' }),
      ]);
      const queue = new FakeQueue();
      const { log, lines } = captureLog();
      expect(await requeueStranded(ledger, queue, log, NOW)).toBe(4);
      expect(queue.added).toEqual(
        expect.arrayContaining([
          { name: 'sms-submit', jobId: 'a', deliveryId: 'a' },
          { name: 'sms-submit', jobId: 'q', deliveryId: 'q' },
          { name: 'email-send', jobId: 'e', deliveryId: 'e' },
          { name: 'sip-deliver', jobId: 's', deliveryId: 's' },
        ]),
      );
      expect(queue.added).toHaveLength(4);
      expect(lines.filter((l) => l.msg === 're-queued a stranded delivery').map((l) => l.deliveryId).sort()).toEqual(['a', 'e', 'q', 's']);

      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toHaveLength(4);
    });

    it('does not move the delivery: `queued` stays what a worker says', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1)]);
      await requeueStranded(ledger, new FakeQueue(), silent, NOW);
      expect(ledger.rows.get('a')?.state).toBe('accepted');
      expect(ledger.rows.get('a')?.version).toBe(1);
    });

    it('asks the queue at most twice per queue and page, not once per delivery', async () => {
      const many = Array.from({ length: 7 }, (_, i) => delivery(`d${i}`, 'accepted', 1));
      const ledger = new FakeLedger(many, 3);
      const queue = new FakeQueue();
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(7);
      const perDelivery = candidateJobIds({ id: 'x', version: 1 }).length;
      // Each page: the first two ids of every delivery, then the rest of the unsettled ones.
      expect(queue.lookups.map((l) => l.ids.length)).toEqual([3 * 2, 3 * (perDelivery - 2), 3 * 2, 3 * (perDelivery - 2), 2, perDelivery - 2]);
      expect(new Set(queue.added.map((a) => a.jobId)).size).toBe(7);
    });

    it('looks no further than the first two ids of a delivery whose job is pending there', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1), delivery('r', 'queued', 4)]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/a', 'pending');
      queue.jobs.set('sms-submit/r', 'ended');
      queue.jobs.set('sms-submit/r-v4', 'pending');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.lookups).toEqual([
        { name: 'sms-submit', ids: ['a', 'a-v1'] },
        { name: 'sms-submit', ids: ['r', 'r-v4'] },
      ]);
    });
  });

  describe('when a job ended but its delivery did not move on', () => {
    it('re-adds it under the next id, since the ended id would be a no-op', async () => {
      const ledger = new FakeLedger([delivery('q', 'queued', 2)]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/q', 'ended');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(1);
      expect(queue.added).toEqual([{ name: 'sms-submit', jobId: 'q-v2', deliveryId: 'q' }]);
      expect(queue.jobs.get('sms-submit/q-v2')).toBe('pending');
    });

    it('leaves an admin retry whose versioned job is pending although the first job failed', async () => {
      const ledger = new FakeLedger([delivery('r', 'queued', 5)]);
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/r', 'ended');
      queue.jobs.set('sms-submit/r-v5', 'pending');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
    });

    it('reports, and does not re-add, a delivery whose every id has ended', async () => {
      const ledger = new FakeLedger([delivery('x', 'queued', 2)]);
      const queue = new FakeQueue();
      for (const id of candidateJobIds({ id: 'x', version: 2 })) queue.jobs.set(`sms-submit/${id}`, 'ended');
      const { log, lines } = captureLog();
      expect(await requeueStranded(ledger, queue, log, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
      expect(lines.filter((l) => l.level === 50 && l.deliveryId === 'x')).toHaveLength(1);
    });
  });

  describe('when a worker moves the delivery between the sweep reading the ledger and the queue', () => {
    it('does not re-add it', async () => {
      const ledger = new FakeLedger([delivery('q', 'queued', 2)]);
      ledger.onReread = (d) => ({ ...d, state: 'submitted', version: d.version + 1 });
      const queue = new FakeQueue();
      queue.jobs.set('sms-submit/q', 'ended');
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.added).toEqual([]);
    });
  });

  describe('when the queue store is disconnected', () => {
    it('skips the pass instead of queueing commands until it is back', async () => {
      const ledger = new FakeLedger([delivery('a', 'accepted', 1)]);
      const queue = new FakeQueue();
      queue.connected = false;
      expect(await requeueStranded(ledger, queue, silent, NOW)).toBe(0);
      expect(queue.lookups).toEqual([]);
      expect(queue.added).toEqual([]);
    });
  });
});
