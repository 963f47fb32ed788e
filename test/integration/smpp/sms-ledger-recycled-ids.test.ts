/**
 * The ledger operations issue 16 added, on both backends (PostgreSQL and embedded PGlite):
 * recycled SMSC ids (most recent open part first), the overdue-part claim one node at a
 * time, and the held-receipt claim that makes one caller apply a receipt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { openLedgerOn, type LedgerOnBackend } from '../../helpers/ledger-backend.js';
import { recordSmsMessage } from '../../helpers/ledger-fixtures.js';

describe.each(['postgres', 'pglite'] as const)('SMS ledger operations on %s', (backend) => {
  let opened: LedgerOnBackend | undefined;
  let ledger: Ledger;

  beforeAll(async () => {
    opened = await openLedgerOn(backend, 'sms_ledger_ids');
    ledger = opened.ledger;
  });
  afterAll(async () => {
    await opened?.close();
  });

  async function delivery(): Promise<string> {
    const { deliveryIds } = await recordSmsMessage(ledger, { to: ['+4915112345678'], text: 'x' });
    return deliveryIds[0] ?? '';
  }

  describe('when an SMSC id is recycled', () => {
    it('stores it for the new part and finds the most recent open part, else the most recent', async () => {
      const [old, fresh] = [await delivery(), await delivery()];
      const first = await ledger.correlations.insertSegment({ deliveryId: old, seq: 1, total: 1, connectionId: 'recycle', smscMessageId: '42' });
      await ledger.correlations.updateSegment({ segmentId: first.id, state: 'delivered' });
      const second = await ledger.correlations.insertSegment({ deliveryId: fresh, seq: 1, total: 1, connectionId: 'recycle', smscMessageId: '42' });
      expect(second.id).not.toBe(first.id);
      // A retried worker storing the same part again gets the same row.
      expect((await ledger.correlations.insertSegment({ deliveryId: fresh, seq: 1, total: 1, connectionId: 'recycle', smscMessageId: '42' })).id).toBe(second.id);
      expect((await ledger.correlations.findSegmentBySmscId('recycle', '42'))?.id).toBe(second.id);
      expect((await ledger.correlations.findSegmentWithDelivery('recycle', '42'))?.segment.id).toBe(second.id);
      await ledger.correlations.updateSegment({ segmentId: second.id, state: 'failed' });
      expect((await ledger.correlations.findSegmentBySmscId('recycle', '42'))?.id).toBe(second.id);
    });
  });

  describe('when parts wait for their receipt', () => {
    it('claims overdue open parts of the named connections once until the claim is old', async () => {
      const id = await delivery();
      const open = await ledger.correlations.insertSegment({ deliveryId: id, seq: 1, total: 2, connectionId: 'overdue', smscMessageId: 'o-1' });
      const done = await ledger.correlations.insertSegment({ deliveryId: id, seq: 2, total: 2, connectionId: 'overdue', smscMessageId: 'o-2' });
      await ledger.correlations.updateSegment({ segmentId: done.id, state: 'delivered' });
      await ledger.correlations.insertSegment({ deliveryId: id, seq: 1, total: 1, connectionId: 'not-watched', smscMessageId: 'o-3' });
      const later = new Date(Date.now() + 60_000);
      const claimed = await ledger.correlations.claimOverdueSegments(['overdue'], later, new Date(Date.now() - 60_000), 10);
      expect(claimed.map((s) => s.id)).toEqual([open.id]);
      // Claimed a moment ago: not again until claims before `later` count as old.
      expect(await ledger.correlations.claimOverdueSegments(['overdue'], later, new Date(Date.now() - 60_000), 10)).toEqual([]);
      expect((await ledger.correlations.claimOverdueSegments(['overdue'], later, later, 10)).map((s) => s.id)).toEqual([open.id]);
      expect(await ledger.correlations.claimOverdueSegments([], later, later, 10)).toEqual([]);
    });
  });

  describe('when several callers go for one held receipt', () => {
    it('lets one claim it until the lease runs out', async () => {
      const held = await ledger.heldReceipts.hold({ connectionId: 'held', smscMessageId: 'h-1', receipt: { id: 'h-1', stat: 'DELIVRD' }, expiresAt: new Date(Date.now() + 60_000) });
      const claims = await Promise.all([1, 2, 3].map(() => ledger.heldReceipts.claim(held.id, 60_000)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      const short = await ledger.heldReceipts.hold({ connectionId: 'held', smscMessageId: 'h-2', receipt: { id: 'h-2', stat: 'DELIVRD' }, expiresAt: new Date(Date.now() + 60_000) });
      expect(await ledger.heldReceipts.claim(short.id, 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await ledger.heldReceipts.claim(short.id, 60_000)).toBe(true);
      expect(await ledger.heldReceipts.release(short.id)).toBe(true);
      expect(await ledger.heldReceipts.claim(short.id, 60_000)).toBe(false);
    });
  });
});
