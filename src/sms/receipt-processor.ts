/**
 * SMPP delivery receipts → segment states → the delivery's final state.
 *
 * Correlation goes through the ledger only (connection + normalised SMSC id), so a receipt
 * arriving on any bind of any node finds its message. A receipt whose id matches no
 * segment is never dropped: it is held in the ledger and matched again when a segment is
 * stored (the submit worker calls {@link ReceiptProcessor.matchHeld}) and by the periodic
 * sweep, until `smpp.heldReceiptTtlMs` passes.
 *
 * SMSC ids are recycled (counters wrap, SMSCs restart and count again): a receipt goes to
 * the most recent part with its id that still waits for a final receipt. When every part
 * with the id is final already (and so is its delivery), the receipt is either a repeat or the receipt of a new
 * submission whose resp is not stored yet; it is held, and applied to the old part as a
 * repeat only once no new part has claimed it for `repeatGraceMs` (twice the connection's
 * submit timeout: a resp later than that makes the part ambiguous and resent anyway).
 *
 * A held receipt is claimed (leased) before it is applied, so the holder's re-check, the
 * submit worker and every node's sweep never apply (and record) one receipt twice.
 */
import type { SmppConfig } from '../config-smpp.js';
import { parseDeliveryReceipt, type DeliveryReceipt } from '../codecs/smpp-receipt.js';
import { isFinal } from '../domain/delivery-state.js';
import type { StoredDelivery } from '../domain/message.js';
import { isHeraldError } from '../errors.js';
import { lazyChild, type Logger } from '../logger.js';
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
/** How long a claim on a held receipt lasts: far above one apply, short enough to heal a crash. */
const HELD_CLAIM_LEASE_MS = 30_000;

/** Where a part's outcome came from, for its timeline event. */
export interface ReceiptOrigin {
  /** Event cause prefix: `smpp` for a receipt, `smpp:query_sm` for a query_sm answer. */
  readonly causePrefix: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

const FROM_RECEIPT: ReceiptOrigin = { causePrefix: 'smpp' };

/** Cause and error code of a part (and delivery) ended because its receipt never came. */
export const RECEIPT_NEVER_CAME = 'herald:receipt-never-came';

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

/**
 * Receipt dates have no zone; SMSCs mostly use UTC, which is how they are read here. They
 * often have minute resolution, so a done date can read earlier than the message itself:
 * the IMDN <datetime> is never before the delivery was accepted.
 */
function doneAt(receipt: DeliveryReceipt, notBefore: Date): Date | undefined {
  const iso = receipt.doneDate?.iso;
  if (iso === undefined) return undefined;
  const at = new Date(`${iso}Z`);
  if (Number.isNaN(at.getTime())) return undefined;
  return at.getTime() < notBefore.getTime() ? notBefore : at;
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
    const log = lazyChild(this.#deps.log, { connectionId: incoming.connectionId, bindId: incoming.bindId });
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
    // A part still waiting takes the receipt at once, and so does a final part whose
    // delivery is not final (a crash between the two left it behind: this repeat is what
    // finishes it). A final part of a final delivery: see the module comment.
    if (found !== undefined && (!isFinal(found.segment.state) || !isFinal(found.delivery.state))) {
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
    log.info(
      { smscMessageId, stat: receipt.stat, finalPart: found?.segment.id },
      found === undefined ? 'receipt held: no segment with its message id (yet)' : 'receipt held: every part with its id is final (a repeat, or a recycled id whose resp is not stored yet)',
    );
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
  async matchHeld(
    connectionId: string,
    smscMessageId: string,
    known?: readonly { readonly id: string; readonly receipt: Readonly<Record<string, unknown>>; readonly receivedAt: Date }[],
  ): Promise<number> {
    const { ledger, metrics } = this.#deps;
    const held = known ?? (await ledger.heldReceipts.forMessage(connectionId, smscMessageId));
    if (held.length === 0) return 0;
    let segment = await ledger.correlations.findSegmentBySmscId(connectionId, smscMessageId);
    if (segment === undefined) return 0;
    const log = lazyChild(this.#deps.log, { connectionId, smscMessageId });
    const repeatBefore = this.#now().getTime() - this.#repeatGraceMs(connectionId);
    let matched = 0;
    for (const row of held) {
      // Every part with the id is final: a repeat once the grace is over, until then
      // possibly the receipt of a new part whose resp is on its way.
      if (isFinal(segment.state) && row.receivedAt.getTime() > repeatBefore) continue;
      if (!(await ledger.heldReceipts.claim(row.id, HELD_CLAIM_LEASE_MS))) continue;
      const receipt = receiptFromJson(row.receipt);
      if (receipt !== undefined) segment = (await this.#apply(segment, receipt, log)) ?? segment;
      // Release after applying: a crash in between re-applies after the claim's lease.
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
    if (row.expiresAt.getTime() <= now.getTime() && !(await ledger.heldReceipts.claim(row.id, HELD_CLAIM_LEASE_MS))) return 'kept';
    if (row.expiresAt.getTime() > now.getTime() || !(await ledger.heldReceipts.release(row.id))) return 'kept';
    metrics.smsReceipts.inc({ outcome: 'expired' });
    this.#deps.log.warn(
      { connectionId: row.connectionId, smscMessageId: row.smscMessageId, stat: row.receipt.stat, receivedAt: row.receivedAt.toISOString() },
      'held receipt expired: no message ever had its id',
    );
    return 'expired';
  }

  /** Twice the connection's submit timeout (see the module comment). */
  #repeatGraceMs(connectionId: string): number {
    const connection = this.#deps.smpp.connections.find((candidate) => candidate.id === connectionId);
    return 2 * (connection?.submitTimeoutMs ?? 10_000);
  }

  #acceptedIsFinal(connectionId: string): boolean {
    return this.#deps.smpp.connections.find((candidate) => candidate.id === connectionId)?.acceptedIsFinal ?? true;
  }

  /**
   * Applies the state a query_sm answer reported for an overdue part, as a receipt would.
   * @returns whether it was final (the part is settled).
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async applyQueried(segment: StoredSegment, receipt: DeliveryReceipt): Promise<boolean> {
    const log = lazyChild(this.#deps.log, { connectionId: segment.connectionId, smscMessageId: segment.smscMessageId });
    const updated = await this.#apply(segment, receipt, log, undefined, { causePrefix: 'smpp:query_sm', detail: { via: 'query_sm' } });
    return updated !== undefined && isFinal(updated.state);
  }

  /**
   * Ends an overdue part whose receipt never came within the validity period: the part
   * becomes `expired` with a timeline event saying why, and the delivery follows the merge.
   * @throws GW_ERR_DB_UNREACHABLE
   */
  async expireOverdue(segment: StoredSegment, facts: { readonly validityMs: number; readonly queried: boolean }): Promise<void> {
    const { ledger, metrics } = this.#deps;
    const delivery = await ledger.getDelivery(segment.deliveryId);
    if (delivery === undefined) return;
    const log = lazyChild(this.#deps.log, { msgId: delivery.messageId, deliveryId: delivery.id, seq: segment.seq, connectionId: segment.connectionId, smscMessageId: segment.smscMessageId });
    const updated = await ledger.correlations.updateSegmentWithEvent(
      { segmentId: segment.id, state: 'expired', errorCode: RECEIPT_NEVER_CAME },
      {
        messageId: delivery.messageId,
        deliveryId: delivery.id,
        type: 'receipt-overdue',
        cause: RECEIPT_NEVER_CAME,
        detail: {
          connectionId: segment.connectionId,
          smscMessageId: segment.smscMessageId,
          seq: segment.seq,
          total: segment.total,
          submittedAt: segment.submittedAt.toISOString(),
          validityMs: facts.validityMs,
          queried: facts.queried,
          reason: 'no final delivery receipt (nor a final query_sm answer) within the validity period',
        },
      },
    );
    metrics.smsReceipts.inc({ outcome: 'never-came' });
    log.warn({ submittedAt: segment.submittedAt.toISOString(), validityMs: facts.validityMs }, 'no receipt within the validity period: part ended as expired');
    await this.#merge(updated, delivery, log, { stat: undefined, cause: RECEIPT_NEVER_CAME, farSideAt: this.#now() });
  }

  /**
   * @param known the part's delivery when it was read with the part.
   * @returns the part after the receipt, or undefined when its delivery is gone.
   */
  async #apply(segment: StoredSegment, receipt: DeliveryReceipt, parentLog: Logger, known?: StoredDelivery, origin: ReceiptOrigin = FROM_RECEIPT): Promise<StoredSegment | undefined> {
    const { ledger, metrics } = this.#deps;
    const delivery = known ?? (await ledger.getDelivery(segment.deliveryId));
    if (delivery === undefined) return undefined; // deleted with its message: nothing left to update
    const log = lazyChild(parentLog, { msgId: delivery.messageId, deliveryId: delivery.id, seq: segment.seq });
    const event = {
      messageId: delivery.messageId,
      deliveryId: delivery.id,
      type: 'receipt',
      cause: `${origin.causePrefix}:${receipt.stat}`,
      detail: { ...receiptDetail(receipt, segment), ...origin.detail },
    };
    const partState = segmentStateForStat(receipt.stat, this.#acceptedIsFinal(segment.connectionId));
    if (partState === undefined) {
      // Intermediate (ENROUTE, BUFFRED…): an event only; a final receipt follows.
      if (!isFinal(segment.state) && segment.state !== 'enroute') return ledger.correlations.updateSegmentWithEvent({ segmentId: segment.id, state: 'enroute' }, event);
      await ledger.appendEvent(event);
      log.debug({ stat: receipt.stat }, 'intermediate receipt');
      return segment;
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
    await this.#merge(updated, delivery, log, {
      stat: repeated ? undefined : receipt.stat,
      cause: `${origin.causePrefix}:${receipt.stat}`,
      farSideAt: doneAt(receipt, delivery.createdAt) ?? this.#now(),
    });
    return updated;
  }

  /**
   * Merges a delivery's parts after one of them changed, and moves the delivery when they
   * add up to a final state.
   * @param decided the stat that decided `segment` now (undefined for a repeat or an expiry).
   */
  async #merge(
    segment: StoredSegment,
    delivery: StoredDelivery,
    log: Logger,
    decided: { readonly stat: string | undefined; readonly cause: string; readonly farSideAt: Date },
  ): Promise<void> {
    const { ledger, metrics } = this.#deps;
    // A one-part message needs no other rows; longer ones are merged from the ledger.
    const parts = segment.total === 1 ? [segment] : await ledger.correlations.listSegments(delivery.id);
    const merged = mergeSegments(parts, segment.total);
    if (merged === undefined) {
      log.debug({ cause: decided.cause }, 'part outcome stored; other parts pending');
      return;
    }
    const decidedHere = merged.seq === segment.seq && decided.stat !== undefined;
    const what = decidedHere ? (decided.stat ?? merged.state) : merged.state;
    const failure = merged.state !== 'delivered';
    const expiredUnheard = merged.errorCode === RECEIPT_NEVER_CAME;
    const moved = await advanceDelivery(
      ledger,
      delivery.id,
      merged.state,
      {
        cause: expiredUnheard ? RECEIPT_NEVER_CAME : decidedHere ? decided.cause : `smpp:${merged.state}`,
        farSideAt: decided.farSideAt,
        ...(failure ? { errorCode: expiredUnheard ? RECEIPT_NEVER_CAME : `smpp:${merged.errorCode ?? what}` } : {}),
        ...(failure
          ? {
              errorText: expiredUnheard
                ? `no delivery receipt within the validity period (part ${merged.seq} of ${segment.total})`
                : `${what}${merged.errorCode === undefined ? '' : ` err ${merged.errorCode}`} (part ${merged.seq} of ${segment.total})`,
            }
          : {}),
        detail: { parts: segment.total, decidingPart: merged.seq },
      },
      delivery,
    );
    if (moved !== undefined) {
      metrics.deliveriesFinal.inc({ channel: 'sms', state: merged.state });
      const firstSubmit = Math.min(...parts.map((p) => p.submittedAt.getTime()));
      metrics.receiptLatencySeconds.observe({ channel: 'sms' }, Math.max(0, this.#now().getTime() - firstSubmit) / 1000);
      // debug: one line per message at carrier rates is measurable CPU (npm run bench).
      log.debug({ state: merged.state, parts: segment.total }, 'SMS delivery final');
    }
  }
}
