/**
 * The ledger contract, run against both backends: a real PostgreSQL server (a fresh
 * database for this file) and embedded PGlite (a fresh temp folder).
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../../src/domain/delivery-state.js';
import type { NewDelivery, NewMessage, StoredDelivery } from '../../../src/domain/message.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLedger, type LedgerConnectOptions } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { createTempDataDir } from '../../helpers/pglite.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { codeOf } from '../../helpers/error-code.js';

const log = createLogger('silent');

function newMessage(overrides: Partial<NewMessage> = {}): NewMessage {
  const id = randomUUID();
  return {
    id,
    direction: 'mt',
    sourceChannel: 'sip',
    senderUri: 'sip:alice@example.com',
    senderDisplayName: 'Alice',
    imdnMessageId: `imdn-${id}`,
    imdnRequests: ['positive-delivery', 'negative-delivery'],
    imdnRoute: ['sip:relay1.example.com', 'sip:relay2.example.com'],
    contentType: 'text/plain;charset=utf-8',
    body: Buffer.from([0x68, 0x69, 0x00, 0xff, 0xe2, 0x82, 0xac]),
    sentAt: new Date('2024-05-01T10:00:00.123Z'),
    dedupeKey: `dedupe-${id}`,
    sipCallId: `call-${id}`,
    ...overrides,
  };
}

function newDelivery(overrides: Partial<NewDelivery> = {}): NewDelivery {
  return {
    id: randomUUID(),
    channel: 'sms',
    originalRecipientUri: 'sip:+15551234567@gw.example.com;user=phone',
    targetUri: 'tel:+15551234567',
    copyControl: 'to',
    ...overrides,
  };
}


describe.each(['postgres', 'pglite'] as const)('Ledger on %s', (backend) => {
  let options: LedgerConnectOptions;
  let cleanup: (() => Promise<void>) | undefined;
  let ledger: Awaited<ReturnType<typeof createLedger>>;

  beforeAll(async () => {
    if (backend === 'postgres') {
      const database = await createTestDatabase('ledger');
      cleanup = () => database.drop();
      options = { databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize: 5 };
    } else {
      const folder = await createTempDataDir('herald-ledger');
      cleanup = () => folder.remove();
      options = { dataDir: folder.dir, poolSize: 1 };
    }
    ledger = await createLedger(options, log);
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await cleanup?.();
  });

  /** Records a message with one delivery and walks it to `state` along the happy path. */
  async function deliveryIn(state: DeliveryState): Promise<{ messageId: string; deliveryId: string }> {
    const delivery = newDelivery();
    const { message } = await ledger.recordMessage(newMessage(), [delivery]);
    const path: DeliveryState[] = ['queued', 'submitted', 'enroute', 'delivered'];
    const stop = state === 'accepted' ? 0 : path.indexOf(state) + 1;
    for (const to of path.slice(0, stop)) await ledger.transition({ deliveryId: delivery.id, to, cause: 'test' });
    return { messageId: message.id, deliveryId: delivery.id };
  }

  it('reports its backend', () => {
    expect(ledger.backend).toBe(backend);
  });

  describe('when migrate() runs again', () => {
    it('applies nothing and leaves the schema as it was', async () => {
      expect(await ledger.migrate()).toEqual([]);
      expect(await ledger.migrate()).toEqual([]);
      await expect(ledger.ping()).resolves.toBeUndefined();
    });
  });

  describe('when a message is recorded', () => {
    it('stores the message and one accepted delivery per recipient, each with an ingress event', async () => {
      const message = newMessage();
      const deliveries = [newDelivery(), newDelivery({ channel: 'email', targetUri: 'mailto:bob@example.com', copyControl: 'cc' })];
      const result = await ledger.recordMessage(message, deliveries);

      expect(result.duplicate).toBe(false);
      expect(result.message).toMatchObject({ ...message, body: message.body });
      expect(result.message.createdAt).toBeInstanceOf(Date);
      expect(result.deliveries.map((d) => d.id)).toEqual(deliveries.map((d) => d.id));
      for (const delivery of result.deliveries) {
        expect(delivery).toMatchObject({ messageId: message.id, state: 'accepted', version: 1 });
      }

      const stored = await ledger.getMessage(message.id);
      expect(stored?.body.equals(message.body)).toBe(true);
      expect(stored).toMatchObject({
        imdnRequests: ['positive-delivery', 'negative-delivery'],
        imdnRoute: message.imdnRoute,
        sentAt: message.sentAt,
      });
      expect(await ledger.getDelivery(deliveries[1]!.id)).toMatchObject({ channel: 'email', copyControl: 'cc' });
      expect((await ledger.listDeliveries(message.id)).map((d) => d.id).sort()).toEqual(deliveries.map((d) => d.id).sort());

      const events = await ledger.listEvents(message.id);
      expect(events).toHaveLength(2);
      for (const event of events) {
        expect(event).toMatchObject({ type: 'state', toState: 'accepted', cause: 'ingress', fromState: undefined });
        expect(event.at).toBeInstanceOf(Date);
      }
    });

    it('keeps optional fields absent and stores an empty body', async () => {
      const message = newMessage({
        senderDisplayName: undefined,
        imdnMessageId: undefined,
        imdnRequests: [],
        imdnRoute: [],
        subject: undefined,
        body: Buffer.alloc(0),
        sipCallId: undefined,
      });
      await ledger.recordMessage(message, [newDelivery({ copyControl: undefined })]);
      const stored = await ledger.getMessage(message.id);
      expect(stored).toMatchObject({ imdnRequests: [], imdnRoute: [], senderDisplayName: undefined, subject: undefined });
      expect(stored?.body.length).toBe(0);
    });

    it('returns the first copy with duplicate: true when the dedupe key repeats, writing nothing', async () => {
      const first = newMessage();
      const firstDelivery = newDelivery();
      await ledger.recordMessage(first, [firstDelivery]);
      const again = await ledger.recordMessage({ ...newMessage(), dedupeKey: first.dedupeKey }, [newDelivery()]);

      expect(again.duplicate).toBe(true);
      expect(again.message.id).toBe(first.id);
      expect(again.deliveries.map((d) => d.id)).toEqual([firstDelivery.id]);
      expect(await ledger.listEvents(first.id)).toHaveLength(1);
    });

    it('returns one winner when the same dedupe key is recorded concurrently', async () => {
      const dedupeKey = `race-${randomUUID()}`;
      const results = await Promise.all(
        [1, 2, 3].map(() => ledger.recordMessage(newMessage({ dedupeKey }), [newDelivery()])),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
    });

    it('refuses a message id already taken by another message with GW_ERR_LEDGER_CONFLICT', async () => {
      const message = newMessage();
      await ledger.recordMessage(message, [newDelivery()]);
      expect(await codeOf(ledger.recordMessage(newMessage({ id: message.id }), [newDelivery()]))).toBe('GW_ERR_LEDGER_CONFLICT');
    });
  });

  describe('when a delivery moves along legal transitions', () => {
    it('stores every step as a state event with its time and cause, and bumps the version', async () => {
      const { messageId, deliveryId } = await deliveryIn('accepted');
      const steps: { to: DeliveryState; cause: string }[] = [
        { to: 'queued', cause: 'enqueued' },
        { to: 'submitted', cause: 'smpp:submit_sm_resp' },
        { to: 'enroute', cause: 'smpp:ENROUTE' },
        { to: 'enroute', cause: 'smpp:ACCEPTD' },
        { to: 'delivered', cause: 'smpp:DELIVRD' },
      ];
      const farSideAt = new Date('2024-05-01T10:00:05.000Z');
      const at = new Date('2024-05-01T10:00:06.000Z');
      let last: StoredDelivery | undefined;
      for (const [index, step] of steps.entries()) {
        const final = index === steps.length - 1;
        last = await ledger.transition({
          deliveryId,
          ...step,
          ...(final ? { farSideAt, at, detail: { receipt: 'id:abc stat:DELIVRD' } } : {}),
        });
        expect(last).toMatchObject({ state: step.to, version: index + 2 });
      }
      expect(last).toMatchObject({ state: 'delivered', version: 6, farSideAt });
      expect(await ledger.getDelivery(deliveryId)).toMatchObject({ state: 'delivered', version: 6, farSideAt });

      const events = await ledger.listEvents(messageId);
      expect(events.map((e) => [e.fromState, e.toState, e.cause])).toEqual([
        [undefined, 'accepted', 'ingress'],
        ['accepted', 'queued', 'enqueued'],
        ['queued', 'submitted', 'smpp:submit_sm_resp'],
        ['submitted', 'enroute', 'smpp:ENROUTE'],
        ['enroute', 'enroute', 'smpp:ACCEPTD'],
        ['enroute', 'delivered', 'smpp:DELIVRD'],
      ]);
      for (const event of events) {
        expect(event).toMatchObject({ type: 'state', deliveryId, messageId });
        expect(event.at).toBeInstanceOf(Date);
      }
      expect(events.at(-1)).toMatchObject({ at, detail: { receipt: 'id:abc stat:DELIVRD', farSideAt: farSideAt.toISOString() } });
    });

    it('stores the error of a failure and clears it when an admin retries', async () => {
      const { deliveryId } = await deliveryIn('submitted');
      const failed = await ledger.transition({ deliveryId, to: 'failed', cause: 'smpp:UNDELIV', errorCode: '0x0B', errorText: 'invalid destination' });
      expect(failed).toMatchObject({ state: 'failed', errorCode: '0x0B', errorText: 'invalid destination' });
      const retried = await ledger.transition({ deliveryId, to: 'queued', cause: 'admin-retry', expectedVersion: failed.version });
      expect(retried).toMatchObject({ state: 'queued', errorCode: undefined, errorText: undefined, version: failed.version + 1 });
    });
  });

  describe('when a transition reads the history with it', () => {
    it('returns the message and this delivery\'s state and receipt events, its own included', async () => {
      const { messageId, deliveryId } = await deliveryIn('submitted');
      const other = await ledger.appendEvent({ messageId, deliveryId, type: 'imdn-sent', cause: 'sip:200' });
      const receipt = await ledger.appendEvent({ messageId, deliveryId, type: 'receipt', cause: 'smpp:DELIVRD', detail: { stat: 'DELIVRD' } });
      const at = new Date('2024-05-01T10:00:06.123Z');
      const { delivery, history } = await ledger.transitionWithHistory({ deliveryId, to: 'delivered', cause: 'smpp:DELIVRD', at });
      expect(delivery).toMatchObject({ state: 'delivered', version: 4 });
      expect(history?.message).toEqual(await ledger.getMessage(messageId));
      const expected = (await ledger.listEvents(messageId)).filter((e) => e.id !== other.id);
      expect(history?.events).toEqual(expected);
      expect(history?.events.at(-2)).toEqual(receipt);
      expect(history?.events.at(-1)).toMatchObject({ type: 'state', fromState: 'submitted', toState: 'delivered', at });
    });

    it('refuses an illegal move as transition() does', async () => {
      const { deliveryId } = await deliveryIn('delivered');
      expect(await codeOf(ledger.transitionWithHistory({ deliveryId, to: 'queued', cause: 'test' }))).toBe('GW_ERR_STATE_ILLEGAL_TRANSITION');
    });
  });

  describe('when a transition is illegal', () => {
    it.each([
      ['delivered', 'queued'],
      ['accepted', 'delivered'],
    ] as const)('refuses %s → %s with GW_ERR_STATE_ILLEGAL_TRANSITION and writes nothing', async (from, to) => {
      const { messageId, deliveryId } = await deliveryIn(from);
      const before = await ledger.getDelivery(deliveryId);
      const eventsBefore = await ledger.listEvents(messageId);

      expect(await codeOf(ledger.transition({ deliveryId, to, cause: 'test' }))).toBe('GW_ERR_STATE_ILLEGAL_TRANSITION');

      expect(await ledger.getDelivery(deliveryId)).toEqual(before);
      expect(await ledger.listEvents(messageId)).toEqual(eventsBefore);
    });

    it('answers GW_ERR_LEDGER_NOT_FOUND for an unknown delivery', async () => {
      expect(await codeOf(ledger.transition({ deliveryId: randomUUID(), to: 'queued', cause: 'test' }))).toBe(
        'GW_ERR_LEDGER_NOT_FOUND',
      );
    });
  });

  describe('when the caller holds a stale version', () => {
    it('refuses with GW_ERR_LEDGER_CONFLICT and writes nothing', async () => {
      const { messageId, deliveryId } = await deliveryIn('queued');
      const before = await ledger.getDelivery(deliveryId);
      const eventsBefore = await ledger.listEvents(messageId);

      const stale = (before?.version ?? 0) - 1;
      expect(await codeOf(ledger.transition({ deliveryId, to: 'submitted', cause: 'test', expectedVersion: stale }))).toBe(
        'GW_ERR_LEDGER_CONFLICT',
      );

      expect(await ledger.getDelivery(deliveryId)).toEqual(before);
      expect(await ledger.listEvents(messageId)).toHaveLength(eventsBefore.length);
    });
  });

  describe('when two transitions of one delivery race', () => {
    it.each([
      ['without expectedVersion', false],
      ['with the same expectedVersion', true],
    ])('lets exactly one win (%s) and writes exactly one event', async (_label, optimistic) => {
      for (let round = 0; round < 5; round++) {
        const { messageId, deliveryId } = await deliveryIn('submitted');
        const version = (await ledger.getDelivery(deliveryId))?.version;
        const expectedVersion = optimistic ? version : undefined;
        const outcomes = await Promise.allSettled([
          ledger.transition({ deliveryId, to: 'delivered', cause: 'smpp:DELIVRD', expectedVersion }),
          ledger.transition({ deliveryId, to: 'failed', cause: 'smpp:UNDELIV', expectedVersion }),
        ]);

        const winners = outcomes.filter((o) => o.status === 'fulfilled');
        const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        const loser: unknown = losers[0]?.reason;
        expect(isHeraldError(loser) && ['GW_ERR_LEDGER_CONFLICT', 'GW_ERR_STATE_ILLEGAL_TRANSITION'].includes(loser.code)).toBe(true);

        const finalEvents = (await ledger.listEvents(messageId)).filter((e) => e.fromState === 'submitted');
        expect(finalEvents).toHaveLength(1);
        const stored = await ledger.getDelivery(deliveryId);
        expect(stored?.state).toBe(finalEvents[0]?.toState);
        expect(stored?.version).toBe((version ?? 0) + 1);
      }
    });
  });

  describe('when a non-state event is appended', () => {
    it('joins the timeline in order without changing the delivery', async () => {
      const { messageId, deliveryId } = await deliveryIn('submitted');
      const event = await ledger.appendEvent({ messageId, deliveryId, type: 'imdn-sent', cause: 'sip:200', detail: { status: 200 } });
      expect(event).toMatchObject({ messageId, deliveryId, type: 'imdn-sent', cause: 'sip:200', detail: { status: 200 } });
      const events = await ledger.listEvents(messageId);
      expect(events.at(-1)).toEqual(event);
      expect((await ledger.getDelivery(deliveryId))?.state).toBe('submitted');
    });

    it('answers GW_ERR_LEDGER_NOT_FOUND for an unknown message', async () => {
      expect(await codeOf(ledger.appendEvent({ messageId: randomUUID(), type: 'note', cause: 'test' }))).toBe(
        'GW_ERR_LEDGER_NOT_FOUND',
      );
    });
  });

  describe('when listing deliveries that await a channel job', () => {
    it('returns those in the state asked older than the cut-off, oldest first, page by page', async () => {
      const cutOffBefore = new Date(Date.now() - 60_000);
      const stranded = await deliveryIn('accepted');
      const moved = await deliveryIn('queued');
      const soon = new Date(Date.now() + 60_000);
      const all: string[] = [];
      const times: number[] = [];
      let after: string | undefined;
      do {
        const page = await ledger.listAwaitingJob('accepted', soon, 2, after);
        expect(page.deliveries.length).toBeLessThanOrEqual(2);
        expect(page.deliveries.every((d) => d.state === 'accepted')).toBe(true);
        all.push(...page.deliveries.map((d) => d.id));
        times.push(...page.deliveries.map((d) => d.updatedAt.getTime()));
        after = page.next;
      } while (after !== undefined);
      expect(all).toContain(stranded.deliveryId);
      expect(all).not.toContain(moved.deliveryId);
      expect(new Set(all).size).toBe(all.length);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect((await ledger.listAwaitingJob('queued', soon, 10_000)).deliveries.map((d) => d.id)).toContain(moved.deliveryId);
      expect((await ledger.listAwaitingJob('accepted', cutOffBefore, 10_000)).deliveries.map((d) => d.id)).not.toContain(stranded.deliveryId);
    });
  });

  describe('when the number directory is managed', () => {
    it('creates, finds, replaces, lists and removes entries', async () => {
      const suffix = randomUUID().slice(0, 8);
      const alice = {
        imUri: `sip:alice-${suffix}@example.com`,
        msisdn: `+1555${Date.now() % 10_000_000}`,
        email: `Alice.${suffix}@Example.com`,
        displayName: 'Alice',
        archiveEnabled: true,
      };
      expect(await ledger.directory.upsert(alice)).toEqual(alice);
      expect(await ledger.directory.byImUri(alice.imUri)).toEqual(alice);
      expect(await ledger.directory.byMsisdn(alice.msisdn)).toEqual(alice);
      expect(await ledger.directory.byEmail(alice.email.toLowerCase())).toEqual(alice);
      expect(await ledger.directory.byMsisdn('+10000000000')).toBeUndefined();

      const replaced = { imUri: alice.imUri, msisdn: alice.msisdn, archiveEnabled: false };
      expect(await ledger.directory.upsert(replaced)).toEqual({ ...replaced, email: undefined, displayName: undefined });
      expect(await ledger.directory.byEmail(alice.email)).toBeUndefined();

      const bob = { imUri: `sip:bob-${suffix}@example.com`, email: `bob.${suffix}@example.com`, archiveEnabled: false };
      await ledger.directory.upsert(bob);
      const page1 = await ledger.directory.list(1);
      const page2 = await ledger.directory.list(1000, page1[0]?.imUri);
      const all = [...page1, ...page2].map((e) => e.imUri);
      expect(all).toEqual(expect.arrayContaining([alice.imUri, bob.imUri]));
      expect(new Set(all).size).toBe(all.length);

      expect(await ledger.directory.remove(bob.imUri)).toBe(true);
      expect(await ledger.directory.remove(bob.imUri)).toBe(false);
      expect(await ledger.directory.byImUri(bob.imUri)).toBeUndefined();
    });

    it('refuses an MSISDN or email that belongs to another user with GW_ERR_LEDGER_CONFLICT', async () => {
      const suffix = randomUUID().slice(0, 8);
      const carol = { imUri: `sip:carol-${suffix}@example.com`, msisdn: `+4479${suffix.replace(/\D/g, '1')}`, email: `carol-${suffix}@example.com`, archiveEnabled: false };
      await ledger.directory.upsert(carol);
      expect(await codeOf(ledger.directory.upsert({ imUri: `sip:dave-${suffix}@example.com`, msisdn: carol.msisdn, archiveEnabled: false }))).toBe(
        'GW_ERR_LEDGER_CONFLICT',
      );
      expect(
        await codeOf(ledger.directory.upsert({ imUri: `sip:erin-${suffix}@example.com`, email: carol.email.toUpperCase(), archiveEnabled: false })),
      ).toBe('GW_ERR_LEDGER_CONFLICT');
      expect(await ledger.directory.byImUri(`sip:dave-${suffix}@example.com`)).toBeUndefined();
    });
  });

  describe('when SMS segments are recorded', () => {
    it('finds a part by SMSC id, is idempotent for the same part and records a recycled id for another', async () => {
      const { deliveryId } = await deliveryIn('submitted');
      const other = await deliveryIn('submitted');
      const smscId = `id-${randomUUID()}`;
      const part1 = await ledger.correlations.insertSegment({ deliveryId, seq: 1, total: 2, connectionId: 'smsc-a', smscMessageId: smscId });
      expect(part1).toMatchObject({ deliveryId, seq: 1, total: 2, state: 'submitted', finalAt: undefined });
      expect(typeof part1.id).toBe('string');
      expect(part1.submittedAt).toBeInstanceOf(Date);

      expect(await ledger.correlations.insertSegment({ deliveryId, seq: 1, total: 2, connectionId: 'smsc-a', smscMessageId: smscId })).toEqual(part1);
      // SMSCs recycle ids: the same id for another part is that part's too, and the most
      // recent part still waiting is the one a receipt finds.
      const recycled = await ledger.correlations.insertSegment({ deliveryId: other.deliveryId, seq: 1, total: 1, connectionId: 'smsc-a', smscMessageId: smscId });
      expect(recycled.id).not.toBe(part1.id);
      expect(await ledger.correlations.findSegmentBySmscId('smsc-a', smscId)).toEqual(recycled);
      await ledger.correlations.updateSegment({ segmentId: recycled.id, state: 'delivered' });
      // Ids are only unique per SMSC: the same id from another SMSC is another part.
      const elsewhere = await ledger.correlations.insertSegment({ deliveryId: other.deliveryId, seq: 1, total: 1, connectionId: 'smsc-b', smscMessageId: smscId });
      expect(elsewhere.id).not.toBe(part1.id);

      const part2 = await ledger.correlations.insertSegment({ deliveryId, seq: 2, total: 2, connectionId: 'smsc-a', smscMessageId: `${smscId}-2` });
      expect(await ledger.correlations.findSegmentBySmscId('smsc-a', smscId)).toEqual(part1);
      expect(await ledger.correlations.findSegmentBySmscId('smsc-a', 'unknown')).toBeUndefined();
      expect((await ledger.correlations.listSegments(deliveryId)).map((s) => s.id)).toEqual([part1.id, part2.id]);

      const at = new Date('2024-05-01T10:01:00.000Z');
      const settled = await ledger.correlations.updateSegment({ segmentId: part2.id, state: 'delivered', at });
      expect(settled).toMatchObject({ state: 'delivered', finalAt: at });
      for (const segmentId of ['999999999', 'not-a-number']) {
        expect(await codeOf(ledger.correlations.updateSegment({ segmentId, state: 'failed' }))).toBe('GW_ERR_LEDGER_NOT_FOUND');
      }
    });

    it('refuses a part of an unknown delivery with GW_ERR_LEDGER_NOT_FOUND', async () => {
      expect(
        await codeOf(ledger.correlations.insertSegment({ deliveryId: randomUUID(), seq: 1, total: 1, connectionId: 'smsc-a', smscMessageId: randomUUID() })),
      ).toBe('GW_ERR_LEDGER_NOT_FOUND');
    });
  });

  describe('when correlation ids are recorded', () => {
    it('finds the delivery by kind and key, is idempotent and refuses the key for another delivery', async () => {
      const { deliveryId } = await deliveryIn('submitted');
      const other = await deliveryIn('submitted');
      const key = `<${randomUUID()}@herald.example.com>`;
      const stored = await ledger.correlations.putCorrelation({ kind: 'email-message-id', key, deliveryId });
      expect(stored).toMatchObject({ kind: 'email-message-id', key, deliveryId });
      expect(stored.createdAt).toBeInstanceOf(Date);
      expect(await ledger.correlations.putCorrelation({ kind: 'email-message-id', key, deliveryId })).toEqual(stored);
      expect(await codeOf(ledger.correlations.putCorrelation({ kind: 'email-message-id', key, deliveryId: other.deliveryId }))).toBe(
        'GW_ERR_LEDGER_CONFLICT',
      );
      // The kind is part of the key: an ENVID may equal some Message-ID by chance.
      await ledger.correlations.putCorrelation({ kind: 'email-envid', key, deliveryId: other.deliveryId });

      expect(await ledger.correlations.findCorrelation('email-message-id', key)).toEqual(stored);
      expect((await ledger.correlations.findCorrelation('email-envid', key))?.deliveryId).toBe(other.deliveryId);
      expect(await ledger.correlations.findCorrelation('reply-token', key)).toBeUndefined();
    });
  });

  describe('when a message is marked for the archive again after its mark was cleared', () => {
    it('gets a generation it never had, so its new job id is not that of a completed job', async () => {
      const message = newMessage();
      await ledger.recordMessage(message, [newDelivery()]);
      const seen: number[] = [];
      for (let round = 0; round < 3; round += 1) {
        const [first = 0] = await ledger.archive.markDue([message.id]);
        const [second = 0] = await ledger.archive.markDue([message.id]);
        expect(second).toBeGreaterThan(first);
        const claim = await ledger.archive.claim(message.id, 'owner', 10_000);
        expect(claim).toEqual({ kind: 'claimed', generation: second });
        await ledger.archive.release(message.id, 'owner', second, true);
        expect(await ledger.archive.claim(message.id, 'owner', 10_000)).toEqual({ kind: 'none' });
        seen.push(first, second);
      }
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('keeps the row when a change came after the claim', async () => {
      const message = newMessage();
      await ledger.recordMessage(message, [newDelivery()]);
      const [generation = 0] = await ledger.archive.markDue([message.id]);
      await ledger.archive.claim(message.id, 'owner', 10_000);
      await ledger.archive.markDue([message.id]);
      await ledger.archive.release(message.id, 'owner', generation, true);
      expect((await ledger.archive.listDue(new Date(Date.now() + 60_000), 1000)).map((d) => d.messageId)).toContain(message.id);
    });
  });

  describe('when messages of one conversation ask who appends its archive root mail', () => {
    it('gives it to one message, skips it once recorded, and hands it over when its owner is done without it', async () => {
      const [first, second, third] = [newMessage(), newMessage(), newMessage()];
      for (const m of [first, second, third]) await ledger.recordMessage(m, [newDelivery()]);
      await ledger.archive.markDue([first.id, second.id, third.id]);
      const root = `acct|Archive/a/${first.id}|<conv-${first.id}@x>`;
      const asked = await Promise.all([first, second, third].map((m) => ledger.archive.claimRoots(m.id, [root])));
      expect(asked.filter((mine) => mine.has(root))).toHaveLength(1);
      const owner = [first, second, third][asked.findIndex((mine) => mine.has(root))] ?? first;
      const others = [first, second, third].filter((m) => m.id !== owner.id);
      expect(await ledger.archive.claimRoots(owner.id, [root])).toEqual(new Set([root]));
      // The owner finishes without appending it (its user was disabled): the next to ask takes over.
      const claim = await ledger.archive.claim(owner.id, 'w', 10_000);
      await ledger.archive.release(owner.id, 'w', claim.kind === 'claimed' ? claim.generation : 0, true);
      const [heir, late] = others as [typeof first, typeof first];
      expect(await ledger.archive.claimRoots(heir.id, [root])).toEqual(new Set([root]));
      expect(await ledger.archive.claimRoots(late.id, [root])).toEqual(new Set());
      await ledger.archive.recordArchived([{ itemKey: root, messageId: heir.id, mailbox: 'Archive/a', rfcMessageId: `<conv-${first.id}@x>` }]);
      expect(await ledger.archive.claimRoots(heir.id, [root])).toEqual(new Set());
    });
  });

  // Last: it replaces the suite's ledger with a reopened one.
  describe('when the ledger is closed and opened again', () => {
    it('still holds what was recorded, and has nothing to migrate', async () => {
      const message = newMessage();
      const delivery = newDelivery();
      await ledger.recordMessage(message, [delivery]);
      await ledger.transition({ deliveryId: delivery.id, to: 'queued', cause: 'enqueued' });
      await ledger.directory.upsert({ imUri: `sip:${message.id}@example.com`, msisdn: '+15550001111', archiveEnabled: true });
      await ledger.close();
      await ledger.close();

      ledger = await createLedger(options, log);
      expect(await ledger.migrate()).toEqual([]);
      const stored = await ledger.getMessage(message.id);
      expect(stored?.body.equals(message.body)).toBe(true);
      expect(stored).toMatchObject({ id: message.id, dedupeKey: message.dedupeKey, sentAt: message.sentAt });
      expect(await ledger.getDelivery(delivery.id)).toMatchObject({ state: 'queued', version: 2 });
      expect((await ledger.listEvents(message.id)).map((e) => e.toState)).toEqual(['accepted', 'queued']);
      expect((await ledger.directory.byMsisdn('+15550001111'))?.imUri).toBe(`sip:${message.id}@example.com`);
    });
  });
});

describe('createLedger', () => {
  describe('when DATABASE_URL names a host that does not exist', () => {
    it('fails fast with GW_ERR_DB_UNREACHABLE naming DATABASE_URL', async () => {
      const started = Date.now();
      const err: unknown = await createLedger({ databaseUrl: 'postgres://nope', dataDir: '.', poolSize: 1 }, log).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')).toBe(true);
      const detail = isHeraldError(err) ? err.detail : '';
      expect(detail.startsWith('DATABASE_URL')).toBe(true);
      expect(detail).not.toContain('\n');
    });
  });

  describe('when nothing listens at DATABASE_URL', () => {
    it('fails with GW_ERR_DB_UNREACHABLE and masks the password', async () => {
      const err: unknown = await createLedger(
        { databaseUrl: 'postgres://herald:s3cret-pw@127.0.0.1:1/herald', dataDir: '.', poolSize: 1 },
        log,
      ).catch((e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')).toBe(true);
      const detail = isHeraldError(err) ? err.detail : '';
      expect(detail.startsWith('DATABASE_URL')).toBe(true);
      expect(detail).not.toContain('s3cret-pw');
      expect(isHeraldError(err) ? err.message : '').not.toContain('s3cret-pw');
    });
  });

  describe('when the PGlite data folder cannot be created', () => {
    it('fails with GW_ERR_DB_UNREACHABLE naming dataDir', async () => {
      const folder = await createTempDataDir('herald-ledger-bad');
      try {
        const file = path.join(folder.dir, 'not-a-folder');
        await writeFile(file, 'x');
        const err: unknown = await createLedger({ dataDir: file, poolSize: 1 }, log).catch((e: unknown) => e);
        expect(isHeraldError(err, 'GW_ERR_DB_UNREACHABLE')).toBe(true);
        expect(isHeraldError(err) ? err.detail.startsWith('dataDir') : false).toBe(true);
      } finally {
        await folder.remove();
      }
    });
  });
});
