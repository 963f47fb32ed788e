/**
 * A parsed receipt as the JSON kept in held_receipts, and back. The ledger stores what we
 * wrote, but it is read by other builds too, so reviving checks the two fields matching
 * needs and re-derives the outcome from the stat.
 */
import { RECEIPT_OUTCOME, RECEIPT_STATS, type DeliveryReceipt, type ReceiptStat } from '../codecs/smpp-receipt.js';

/** The receipt as plain JSON (every field of a DeliveryReceipt is JSON already). */
export function receiptToJson(receipt: DeliveryReceipt): Readonly<Record<string, unknown>> {
  return JSON.parse(JSON.stringify(receipt)) as Record<string, unknown>;
}

/** The receipt back from JSON, or undefined when the row does not hold one. */
export function receiptFromJson(json: Readonly<Record<string, unknown>>): DeliveryReceipt | undefined {
  const { id, stat } = json;
  if (typeof id !== 'string' || typeof stat !== 'string' || !(RECEIPT_STATS as readonly string[]).includes(stat)) return undefined;
  const known = stat as ReceiptStat;
  const anomalies = Array.isArray(json.anomalies) ? json.anomalies.filter((a): a is string => typeof a === 'string') : [];
  const source = json.source === 'tlv' || json.source === 'text' || json.source === 'tlv+text' ? json.source : 'text';
  return { ...(json as object), id, stat: known, outcome: RECEIPT_OUTCOME[known], source, anomalies } as DeliveryReceipt;
}
