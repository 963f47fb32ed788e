/** Receipt stats read back from the timeline (JSON), checked against the codec's list. */
import { RECEIPT_STATS, type ReceiptStat } from '../codecs/smpp-receipt.js';

/** Narrows a stat read back from a timeline event (JSON) to the codec's union. */
export function isReceiptStat(value: string): value is ReceiptStat {
  return (RECEIPT_STATS as readonly string[]).includes(value);
}
