/**
 * Parts whose receipt is overdue: the SMSC lost it, restarted, or wrote it to a bind of a
 * node that died (an SMSC that saw it written never sends it again). Every sweep claims a
 * page of parts still waiting after `smpp.receiptOverdueMs` (one node per part, by the
 * ledger's claim) on connections with registeredDelivery 1 (with 0 or 2 a missing receipt
 * says nothing), and for each:
 *
 * - past `smpp.receiptExpiryMs` (the validity period): the part ends `expired`, cause
 *   `herald:receipt-never-came`, and its delivery follows the merge (an IMDN
 *   delivery-notification `failed` when the sender asked for one);
 * - otherwise, on a connection with `queryOverdue`: query_sm; a final message_state is
 *   applied as its receipt would have been (cause `smpp:query_sm:<stat>`); an
 *   intermediate one, an unknown id or no answer leaves the part for the next claim,
 *   `receiptOverdueMs` later.
 */
import type { SmppConfig } from '../config-smpp.js';
import { MESSAGE_STATE_STATS, RECEIPT_OUTCOME, type DeliveryReceipt } from '../codecs/smpp-receipt.js';
import type { Logger } from '../logger.js';
import type { Ledger, StoredSegment } from '../ports/ledger.port.js';
import type { SmsGateway, SmsQueryAnswer } from '../ports/sms-gateway.port.js';
import type { ReceiptProcessor } from './receipt-processor.js';

/** Parts claimed per sweep, so one sweep stays short. */
const OVERDUE_BATCH = 200;

export interface OverdueReceiptsDeps {
  readonly ledger: Ledger;
  readonly gateway: SmsGateway;
  readonly receipts: ReceiptProcessor;
  readonly smpp: SmppConfig;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** The receipt a query_sm answer stands for, or undefined when its state is not known. */
export function receiptOfQuery(segment: StoredSegment, answer: SmsQueryAnswer): DeliveryReceipt | undefined {
  const stat = MESSAGE_STATE_STATS[answer.messageState];
  if (stat === undefined) return undefined;
  return {
    id: segment.smscMessageId,
    stat,
    outcome: RECEIPT_OUTCOME[stat],
    ...(answer.errorCode === 0 ? {} : { err: String(answer.errorCode), errorCode: answer.errorCode }),
    source: 'tlv',
    anomalies: [],
  };
}

/** Queries and expires overdue parts (see the module comment). */
export class OverdueReceipts {
  readonly #deps: OverdueReceiptsDeps;
  readonly #now: () => Date;

  constructor(deps: OverdueReceiptsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * One pass. @throws GW_ERR_DB_UNREACHABLE (the sweeper retries next interval); a
   * query_sm that fails is logged and left for the next claim.
   */
  async sweep(): Promise<{ queried: number; settled: number; expired: number }> {
    const { ledger, smpp } = this.#deps;
    const now = this.#now().getTime();
    const overdueBefore = new Date(now - smpp.receiptOverdueMs);
    // Only connections that ask for every final receipt: with none (0) or failures only (2)
    // a missing receipt says nothing.
    const watched = smpp.connections.filter((connection) => connection.registeredDelivery === 1).map((connection) => connection.id);
    const claimed = await ledger.correlations.claimOverdueSegments(watched, overdueBefore, overdueBefore, OVERDUE_BATCH);
    let queried = 0;
    let settled = 0;
    let expired = 0;
    for (const segment of claimed) {
      const expiresAt = segment.submittedAt.getTime() + smpp.receiptExpiryMs;
      const connection = smpp.connections.find((candidate) => candidate.id === segment.connectionId);
      // query_sm needs the id as the SMSC spelled it: stored ids are that only when the
      // resp side is not normalised.
      const canQuery = connection?.queryOverdue === true && isAsIs(connection.messageIdMode);
      if (canQuery) {
        queried++;
        if (await this.#query(segment)) {
          settled++;
          continue;
        }
      }
      if (now >= expiresAt) {
        await this.#deps.receipts.expireOverdue(segment, { validityMs: smpp.receiptExpiryMs, queried: canQuery });
        expired++;
      }
    }
    if (claimed.length > 0) this.#deps.log.info({ overdue: claimed.length, queried, settled, expired }, 'overdue SMS receipts swept');
    return { queried, settled, expired };
  }

  /** @returns whether the answer settled the part. */
  async #query(segment: StoredSegment): Promise<boolean> {
    const log = this.#deps.log.child({ connectionId: segment.connectionId, smscMessageId: segment.smscMessageId, deliveryId: segment.deliveryId });
    let answer: SmsQueryAnswer | undefined;
    try {
      answer = await this.#deps.gateway.query(segment.connectionId, segment.smscMessageId);
    } catch (err) {
      log.warn({ err }, 'query_sm for an overdue receipt failed; asked again later');
      return false;
    }
    const receipt = answer === undefined ? undefined : receiptOfQuery(segment, answer);
    if (receipt === undefined) {
      log.info({ messageState: answer?.messageState }, 'query_sm: the SMSC does not know the message (or its state); asked again later');
      return false;
    }
    const final = await this.#deps.receipts.applyQueried(segment, receipt);
    log.info({ stat: receipt.stat, final }, 'query_sm answered an overdue receipt');
    return final;
  }
}

function isAsIs(mode: SmppConfig['connections'][number]['messageIdMode']): boolean {
  if (mode === 'as-is') return true;
  if (typeof mode === 'object' && !Array.isArray(mode)) {
    const resp = (mode as { resp: unknown }).resp;
    return resp === 'as-is';
  }
  return false;
}
