/**
 * The group-committing writer under the ledger, on both backends: writes in flight at
 * one moment share a statement, and batching changes no outcome (one bad write fails
 * alone, with the error the per-write path gives; a delivery's moves keep their order).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewDelivery, NewMessage } from '../../../src/domain/message.js';
import { newId } from '../../../src/domain/ids.js';
import type { NewNotification, NotificationKind } from '../../../src/domain/notification.js';
import { createLedger, type LedgerConnectOptions } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { createTempDataDir } from '../../helpers/pglite.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { codeOf } from '../../helpers/error-code.js';

const log = createLogger('silent');

function message(): NewMessage {
  const id = randomUUID();
  return {
    id,
    direction: 'mt',
    sourceChannel: 'sip',
    senderUri: 'sip:alice@example.com',
    imdnMessageId: `imdn-${id}`,
    imdnRequests: ['positive-delivery'],
    imdnRoute: [],
    contentType: 'text/plain;charset=utf-8',
    body: Buffer.from('hi \u0000 \u20ac'),
    sentAt: new Date('2024-05-01T10:00:00.123Z'),
    dedupeKey: `dedupe-${id}`,
  };
}

function delivery(): NewDelivery {
  return { id: randomUUID(), channel: 'sms', originalRecipientUri: 'tel:+15551234567', targetUri: 'tel:+15551234567' };
}


describe.each(['postgres', 'pglite'] as const)('Ledger writer on %s', (backend) => {
  let cleanup: (() => Promise<void>) | undefined;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  const flushes: { kind: string; size: number }[] = [];

  beforeAll(async () => {
    let options: LedgerConnectOptions;
    if (backend === 'postgres') {
      const database = await createTestDatabase('ledger-writer');
      cleanup = () => database.drop();
      options = { databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize: 5 };
    } else {
      const folder = await createTempDataDir('herald-writer');
      cleanup = () => folder.remove();
      options = { dataDir: folder.dir, poolSize: 1 };
    }
    ledger = await createLedger(options, log, { onWriterFlush: (kind, size) => flushes.push({ kind, size }) });
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await cleanup?.();
  });

  it('records the deliveries of one flush that ask for it for one shared job, named with each of them', async () => {
    const inputs = Array.from({ length: 20 }, (_, i) => ({
      message: message(),
      // Every other message has one delivery that does not ask (e.g. an unroutable list entry).
      deliveries: [{ ...delivery(), inBatchJob: true }, ...(i % 2 === 0 ? [delivery()] : [])],
    }));
    const results = await Promise.all(inputs.map((input) => ledger.recordMessage(input.message, input.deliveries)));
    const batch = results[0]?.batch;
    expect(batch).toBeDefined();
    expect(results.every((r) => r.batch?.jobId === batch?.jobId)).toBe(true);
    const asked = inputs.map((input) => input.deliveries[0]!.id);
    expect(batch?.members.map((m) => m.deliveryId).sort()).toEqual([...asked].sort());
    expect(batch?.members.every((m) => m.channel === 'sms')).toBe(true);
    // Stored with the delivery, where the stranded sweep finds it; not on the others.
    expect((await ledger.getDelivery(asked[7]!))?.jobId).toBe(batch?.jobId);
    expect((await ledger.getDelivery(inputs[0]!.deliveries[1]!.id))?.jobId).toBeUndefined();
    // A copy (same dedupe key) records nothing and joins no job.
    const again = await ledger.recordMessage(inputs[3]!.message, [{ ...delivery(), inBatchJob: true }]);
    expect(again.duplicate).toBe(true);
    expect(again.batch).toBeUndefined();
  });

  it('keeps what it recorded for a shared job\'s SMS deliveries, to be taken once, with the sender\'s directory number', async () => {
    await ledger.directory.upsert({ imUri: 'sip:carol@example.com', msisdn: '+15550007', archiveEnabled: false });
    const fromCarol = { ...message(), senderUri: 'sip:carol@example.com' };
    const sms = { ...delivery(), inBatchJob: true };
    const alone = delivery(); // enqueued under its own id: its job may run anywhere, so nothing is kept
    const recorded = await ledger.recordMessage(fromCarol, [sms, alone]);
    const kept = ledger.takeRecorded(sms.id);
    expect(kept?.senderMsisdn).toBe('+15550007');
    expect(kept?.message.id).toBe(fromCarol.id);
    expect(kept?.message.body.equals(fromCarol.body)).toBe(true);
    // The same facts a read gives, but for nothing read back.
    expect(kept).toEqual(await ledger.getDeliveryWithMessage(sms.id));
    expect(recorded.deliveries[0]).toEqual(kept?.delivery);
    expect(ledger.takeRecorded(sms.id)).toBeUndefined();
    expect(ledger.takeRecorded(alone.id)).toBeUndefined();
    // A sender not in the directory: no number.
    const other = { ...delivery(), inBatchJob: true };
    await ledger.recordMessage(message(), [other]);
    expect(ledger.takeRecorded(other.id)?.senderMsisdn).toBeUndefined();
  });

  it('returns with a decision the delivery\'s older notification still pending, what a send would read first', async () => {
    const recorded = await ledger.recordMessage(message(), [delivery()]);
    const d = recorded.deliveries[0]!;
    const notification = (kind: NotificationKind, status: string): NewNotification => ({
      id: newId(), // UUIDv7: ids order notifications by when they became due
      deliveryId: d.id,
      messageId: d.messageId,
      kind,
      status,
      imdnMessageId: `imdn-${randomUUID()}`,
      payload: `<imdn>${status}</imdn>`,
    });
    const first = await ledger.dispositions.recordDecision(d.id, 1, [notification('processing', 'processed')]);
    expect(first.created.map((c) => c.earlierPending)).toEqual([undefined]);
    const older = first.created[0]!.notification;
    const second = await ledger.dispositions.recordDecision(d.id, 2, [notification('delivery', 'delivered')]);
    const [created] = second.created;
    expect(created?.earlierPending).toMatchObject({ id: older.id, kind: 'processing', status: 'processed', attempts: 0 });
    const read = await ledger.dispositions.readForSend(created!.notification.id);
    expect(read?.earlierPending).toEqual(created?.earlierPending);
    expect(read?.notification).toEqual(created?.notification);
  });

  it('records 100 messages submitted together in one statement, each with its deliveries and event', async () => {
    flushes.length = 0;
    const inputs = Array.from({ length: 100 }, () => ({ message: message(), deliveries: [delivery(), delivery()] }));
    const results = await Promise.all(inputs.map((input) => ledger.recordMessage(input.message, input.deliveries)));
    expect(flushes.filter((f) => f.kind === 'herald_record_messages')).toEqual([{ kind: 'herald_record_messages', size: 100 }]);
    results.forEach((result, i) => {
      const input = inputs[i]!;
      expect(result.duplicate).toBe(false);
      expect(result.message.body.equals(input.message.body)).toBe(true);
      expect(result.message.imdnRequests).toEqual(['positive-delivery']);
      expect(result.deliveries.map((d) => d.id)).toEqual(input.deliveries.map((d) => d.id));
      expect(result.deliveries.every((d) => d.state === 'accepted' && d.version === 1)).toBe(true);
    });
    const stored = await ledger.getMessage(inputs[42]!.message.id);
    expect(stored?.body.equals(inputs[42]!.message.body)).toBe(true);
    expect((await ledger.listEvents(inputs[42]!.message.id)).map((e) => e.toState)).toEqual(['accepted', 'accepted']);
  });

  it('moves 100 deliveries submitted together in one statement', async () => {
    const recorded = await ledger.recordMessage(message(), Array.from({ length: 100 }, delivery));
    flushes.length = 0;
    const moved = await Promise.all(recorded.deliveries.map((d) => ledger.transition({ deliveryId: d.id, to: 'queued', cause: 'worker', expectedVersion: 1 })));
    expect(flushes).toEqual([{ kind: 'herald_transitions', size: 100 }]);
    expect(moved.every((d) => d.state === 'queued' && d.version === 2)).toBe(true);
  });

  it('fails only the bad writes of a batch, each with the per-write error', async () => {
    const recorded = await ledger.recordMessage(message(), [delivery(), delivery(), delivery()]);
    const [a, b, c] = recorded.deliveries.map((d) => d.id) as [string, string, string];
    flushes.length = 0;
    const outcomes = await Promise.all([
      codeOf(ledger.transition({ deliveryId: a, to: 'queued', cause: 'worker' })),
      codeOf(ledger.transition({ deliveryId: b, to: 'delivered', cause: 'illegal from accepted' })),
      codeOf(ledger.transition({ deliveryId: c, to: 'queued', cause: 'stale', expectedVersion: 7 })),
      codeOf(ledger.transition({ deliveryId: randomUUID(), to: 'queued', cause: 'unknown' })),
    ]);
    expect(outcomes).toEqual(['resolved', 'GW_ERR_STATE_ILLEGAL_TRANSITION', 'GW_ERR_LEDGER_CONFLICT', 'GW_ERR_LEDGER_NOT_FOUND']);
    expect(flushes[0]).toEqual({ kind: 'herald_transitions', size: 4 });
    expect((await ledger.getDelivery(b))?.state).toBe('accepted');
    expect((await ledger.getDelivery(c))?.version).toBe(1);
  });

  it('keeps a recorded message whose batch neighbour takes a used id, and refuses only that one', async () => {
    const first = await ledger.recordMessage(message(), [delivery()]);
    const clash = { ...message(), id: first.message.id };
    const good = message();
    const [bad, ok] = await Promise.all([codeOf(ledger.recordMessage(clash, [delivery()])), ledger.recordMessage(good, [delivery()])]);
    expect(bad).toBe('GW_ERR_LEDGER_CONFLICT');
    expect(ok.duplicate).toBe(false);
    expect((await ledger.listDeliveries(good.id)).length).toBe(1);
  });

  it('gives a copy sent twice at once one row, and the second answer says duplicate', async () => {
    const original = message();
    const copy = { ...original, id: randomUUID() };
    const [one, two] = await Promise.all([ledger.recordMessage(original, [delivery()]), ledger.recordMessage(copy, [delivery()])]);
    expect([one.duplicate, two.duplicate]).toEqual([false, true]);
    expect(two.message.id).toBe(original.id);
    expect(two.deliveries.map((d) => d.id)).toEqual(one.deliveries.map((d) => d.id));
  });

  it('applies moves of one delivery submitted together in order, in separate statements', async () => {
    const recorded = await ledger.recordMessage(message(), [delivery()]);
    const id = recorded.deliveries[0]!.id;
    flushes.length = 0;
    const steps = await Promise.all([
      ledger.transition({ deliveryId: id, to: 'queued', cause: 'one' }),
      ledger.transition({ deliveryId: id, to: 'submitted', cause: 'two' }),
      ledger.transitionWithHistory({ deliveryId: id, to: 'delivered', cause: 'three' }),
    ]);
    expect(steps.map((s) => ('delivery' in s ? s.delivery.version : s.version))).toEqual([2, 3, 4]);
    expect(flushes.filter((f) => f.kind === 'herald_transitions').length).toBe(3);
    const last = steps[2];
    expect(last.history?.message.id).toBe(recorded.message.id);
    expect(last.history?.events.map((e) => e.cause)).toEqual(['ingress', 'one', 'two', 'three']);
    expect((await ledger.listEvents(recorded.message.id)).map((e) => e.toState)).toEqual(['accepted', 'queued', 'submitted', 'delivered']);
  });
});
