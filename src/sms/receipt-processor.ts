/**
 * SMPP delivery receipts → segment states → the delivery's final state.
 *
 * Correlation goes through the ledger only (connection + normalised SMSC id), so a receipt
 * arriving on any bind of any node finds its message. A receipt whose id matches no
 * segment is never dropped: it is held in the ledger and matched again when a segment is
 * stored (the submit worker calls {@link ReceiptProcessor.matchHeld}) and by the periodic
 * sweep, until `smpp.heldReceiptTtlMs` passes.
 */
import type { SmppConfig } from '../config-smpp.js';
import { parseDeliveryReceipt, type DeliveryReceipt } from '../codecs/smpp-receipt.js';
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import { isHeraldError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Ledger, StoredSegment } from '../ports/ledger.port.js';
import type { StoredHeldReceipt } from '../ports/held-receipts.port.js';
import type { IncomingSmsReceipt } from '../ports/sms-gateway.port.js';
import { crashPoint } from '../crash-points.js';
import { advanceDelivery } from '../deliveries/advance-delivery.js';
import { correlationId } from './message-ids.js';
import { receiptFromJson, receiptToJson } from './receipt-json.js';
import { mergeSegments, segmentStateForStat } from './segment-merge.js';

/** Held receipts looked at per sweep, so one sweep stays short. */
const SWEEP_BATCH = 500;
/** Pages per sweep: a flood of unknown ids must not make one sweep endless. */
const SWEEP_MAX_PAGES = 20;

export interface ReceiptProcessorDeps {
  readonly ledger: Ledger;
  readonly smpp: SmppConfig;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** The error code kept for a part: the network error when the receipt has one. */
function errorCodeOf(receipt: DeliveryReceipt): string | undefined {
  if (receipt.errorCode !== undefined) return String(receipt.errorCode);
  return receipt.err;
}

/** Receipt dates have no zone; SMSCs mostly use UTC, which is how they are read here. */
function doneAt(receipt: DeliveryReceipt): Date | undefined {
  const iso = receipt.doneDate?.iso;
  if (iso === undefined) return undefined;
  const at = new Date(`${iso}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** What the timeline (and the later IMDN) needs of one receipt. */
function receiptDetail(receipt: DeliveryReceipt, segment: StoredSegment): Record<string, unknown> {
  return {
    connectionId: segment.connectionId,
    smscMessageId: segment.smscMessageId,
    seq: segment.seq,
    total: segment.total,
    stat: receipt.stat,
    outcome: receipt.outcome,
    ...(receipt.err === undefined ? {} : { err: receipt.err }),
    ...(receipt.errorCode === undefined ? {} : { errorCode: receipt.errorCode }),
    ...(receipt.networkError === undefined ? {} : { networkType: receipt.networkError.networkType }),
    ...(receipt.submitDate === undefined ? {} : { submitDate: receipt.submitDate.iso ?? receipt.submitDate.raw }),
    ...(receipt.doneDate === undefined ? {} : { doneDate: receipt.doneDate.iso ?? receipt.doneDate.raw }),
    source: receipt.source,
    ...(receipt.anomalies.length === 0 ? {} : { anomalies: receipt.anomalies }),
  };
}

/** Reads receipts, holds the unmatched ones and merges part outcomes into deliveries. */
export class ReceiptProcessor {
  readonly #deps: ReceiptProcessorDeps;
  readonly #now: () => Date;
  /** Segments this process is storing right now, by connection + id (see expectSegment). */
  readonly #storing = new Map<string, Promise<void>>();

  constructor(deps: ReceiptProcessorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * Handles one receipt from the network. Resolves once its effect is durable (applied or
   * held). An unreadable receipt is logged, counted and resolved too: refusing it would
   * only make the SMSC send it again, forever.
   * @throws GW_ERR_DB_UNREACHABLE and other ledger failures (the adapter then asks the SMSC to retry).
   */
  async handle(incoming: IncomingSmsReceipt): Promise<void> {
    const { ledger, smpp, metrics } = this.#deps;
    // The receipt usually follows its submit_sm_resp on the same socket, read in the same
    // tick: let the submit side's continuation run (and announce the segment it is
    // storing) before looking, so the common race is waited out instead of held.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const log = this.#deps.log.child({ connectionId: incoming.connectionId, bindId: incoming.bindId });
    let receipt: DeliveryReceipt;
    let smscMessageId: string;
    try {
      receipt = parseDeliveryReceipt({ tlvs: incoming.tlvs, text: incoming.text });
      smscMessageId = correlationId(smpp, incoming.connectionId, 'receipt', receipt.id);
    } catch (err) {
      if (!isHeraldError(err, 'GW_ERR_SMPP_RECEIPT_MALFORMED')) throw err;
      metrics.smsReceipts.inc({ outcome: 'malformed' });
      log.warn({ code: err.code, detail: err.detail, text: incoming.text.toString('latin1').slice(0, 200) }, 'unreadable delivery receipt acknowledged and dropped');
      return;
    }
    await this.#storing.get(`${incoming.connectionId}\u0000${smscMessageId}`);
    // The part and its delivery in one read (one round trip fewer per receipt).
    const found = await ledger.correlations.findSegmentWithDelivery(incoming.connectionId, smscMessageId);
    if (found !== undefined) {
      metrics.smsReceipts.inc({ outcome: 'matched' });
      await this.#apply(found.segment, receipt, log, found.delivery);
      crashPoint('receipt-before-resp');
      return;
    }
    const held = await ledger.heldReceipts.hold({
      connectionId: incoming.connectionId,
      smscMessageId,
      receipt: receiptToJson(receipt),
      expiresAt: new Date(this.#now().getTime() + smpp.heldReceiptTtlMs),
    });
    metrics.smsReceipts.inc({ outcome: 'held' });
    log.info({ smscMessageId, stat: receipt.stat }, 'receipt held: no segment with its message id (yet)');
    // Closes the race with a segment stored (on any node) between our look-up and the
    // hold: that node's matchHeld may have run before our row existed.
    await this.matchHeld(incoming.connectionId, smscMessageId, [held]);
  }

  /**
   * Announces that this process is storing the segment of an SMSC id, so a receipt for it
   * arriving meanwhile waits for the insert instead of being held. Only an optimisation:
   * receipts on other nodes still meet the segment through the held table.
   */
  expectSegment(connectionId: string, smscMessageId: string, stored: Promise<unknown>): void {
    const key = `${connectionId}\u0000${smscMessageId}`;
    const settled = stored.then(
      () => undefined,
      () => undefined,
    );
    this.#storing.set(key, settled);
    void settled.then(() => {
      if (this.#storing.get(key) === settled) this.#storing.delete(key);
    });
  }

  /**
   * Applies the receipts held for one SMSC id, now that its segment may exist. Called by
   * the submit worker right after storing a segment.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async matchHeld(connectionId: string, smscMessageId: string, known?: readonly { readonly id: string; readonly receipt: Readonly<Record<string, unknown>> }[]): Promise<number> {
    const { ledger, metrics } = this.#deps;
    const held = known ?? (await ledger.heldReceipts.forMessage(connectionId, smscMessageId));
    if (held.length === 0) return 0;
    const segment = await ledger.correlations.findSegmentBySmscId(connectionId, smscMessageId);
    if (segment === undefined) return 0;
    const log = this.#deps.log.child({ connectionId, smscMessageId });
    let matched = 0;
    for (const row of held) {
      const receipt = receiptFromJson(row.receipt);
      if (receipt !== undefined) await this.#apply(segment, receipt, log);
      // Release after applying: a crash in between re-applies, which is harmless.
      if (await ledger.heldReceipts.release(row.id)) {
        matched++;
        metrics.smsReceipts.inc({ outcome: 'late-matched' });
      }
    }
    if (matched > 0) log.info({ matched }, 'held receipt matched its segment');
    return matched;
  }

  /**
   * One pass over the held receipts: match those whose segment now exists, drop (and
   * count) those past their expiry.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async sweep(): Promise<{ matched: number; expired: number }> {
    const { ledger } = this.#deps;
    const now = this.#now();
    let matched = 0;
    let expired = 0;
    let after: string | undefined;
    for (let pages = 0; pages < SWEEP_MAX_PAGES; pages++) {
      const page = await ledger.heldReceipts.list(SWEEP_BATCH, after);
      for (const row of page) {
        after = row.id;
        const outcome = await this.#sweepOne(row, now);
        if (outcome === 'matched') matched++;
        if (outcome === 'expired') expired++;
      }
      if (page.length < SWEEP_BATCH) break;
    }
    return { matched, expired };
  }

  async #sweepOne(row: StoredHeldReceipt, now: Date): Promise<'matched' | 'expired' | 'kept'> {
    const { ledger, metrics } = this.#deps;
    const segment = await ledger.correlations.findSegmentBySmscId(row.connectionId, row.smscMessageId);
    if (segment !== undefined) return (await this.matchHeld(row.connectionId, row.smscMessageId, [row])) > 0 ? 'matched' : 'kept';
    if (row.expiresAt.getTime() > now.getTime() || !(await ledger.heldReceipts.release(row.id))) return 'kept';
    metrics.smsReceipts.inc({ outcome: 'expired' });
    this.#deps.log.warn(
      { connectionId: row.connectionId, smscMessageId: row.smscMessageId, stat: row.receipt.stat, receivedAt: row.receivedAt.toISOString() },
      'held receipt expired: no message ever had its id',
    );
    return 'expired';
  }

  /** @param known the part's delivery when it was read with the part. */
  async #apply(segment: StoredSegment, receipt: DeliveryReceipt, parentLog: Logger, known?: StoredDelivery): Promise<void> {
    const { ledger, metrics } = this.#deps;
    const delivery = known ?? (await ledger.getDelivery(segment.deliveryId));
    if (delivery === undefined) return; // deleted with its message: nothing left to update
    const log = parentLog.child({ msgId: delivery.messageId, deliveryId: delivery.id, seq: segment.seq });
    const event = {
      messageId: delivery.messageId,
      deliveryId: delivery.id,
      type: 'receipt',
      cause: `smpp:${receipt.stat}`,
      detail: receiptDetail(receipt, segment),
    };
    const partState = segmentStateForStat(receipt.stat);
    if (partState === undefined) {
      // Intermediate (ENROUTE, ACCEPTD, BUFFRED…): an event only; a final receipt follows.
      if (!isFinal(segment.state) && segment.state !== 'enroute') await ledger.correlations.updateSegmentWithEvent({ segmentId: segment.id, state: 'enroute' }, event);
      else await ledger.appendEvent(event);
      log.debug({ stat: receipt.stat }, 'intermediate receipt');
      return;
    }
    // A repeated final receipt changes no part, but it still re-runs the merge below: a
    // crash between storing the part's state and moving the delivery left the delivery
    // behind, and the SMSC's re-sent receipt is the only thing that will come to finish it
    // (moving a delivery already final is a no-op).
    const repeated = isFinal(segment.state);
    if (repeated) {
      metrics.smsReceipts.inc({ outcome: 'duplicate' });
      log.info({ stat: receipt.stat, state: segment.state }, 'repeated final receipt for a part: kept as an event');
    }
    const errorCode = partState === 'delivered' ? undefined : errorCodeOf(receipt);
    // The event and the part's new state in one write (one round trip fewer per receipt).
    let updated = segment;
    if (repeated) await ledger.appendEvent(event);
    else updated = await ledger.correlations.updateSegmentWithEvent({ segmentId: segment.id, state: partState, errorCode }, event);
    // A one-part message needs no other rows; longer ones are merged from the ledger.
    const parts = segment.total === 1 ? [updated] : await ledger.correlations.listSegments(delivery.id);
    const merged = mergeSegments(parts, segment.total);
    if (merged === undefined) {
      log.debug({ stat: receipt.stat }, 'part receipt stored; other parts pending');
      return;
    }
    const decidedHere = merged.seq === segment.seq && !repeated;
    const failure = merged.state !== 'delivered';
    const moved = await advanceDelivery(ledger, delivery.id, merged.state, {
      cause: `smpp:${decidedHere ? receipt.stat : merged.state}`,
      farSideAt: doneAt(receipt) ?? this.#now(),
      ...(failure ? { errorCode: `smpp:${merged.errorCode ?? (decidedHere ? receipt.stat : merged.state)}` } : {}),
      ...(failure
        ? { errorText: `${decidedHere ? receipt.stat : merged.state}${merged.errorCode === undefined ? '' : ` err ${merged.errorCode}`} (part ${merged.seq} of ${segment.total})` }
        : {}),
      detail: { parts: segment.total, decidingPart: merged.seq },
    }, delivery);
    if (moved !== undefined) {
      metrics.deliveriesFinal.inc({ channel: 'sms', state: merged.state });
      const firstSubmit = Math.min(...parts.map((p) => p.submittedAt.getTime()));
      metrics.receiptLatencySeconds.observe({ channel: 'sms' }, Math.max(0, this.#now().getTime() - firstSubmit) / 1000);
      // debug: one line per message at carrier rates is measurable CPU (npm run bench).
      log.debug({ state: merged.state, parts: segment.total }, 'SMS delivery final');
    }
  }
}
