/**
 * How the receipts of a message's parts add up to the delivery's state. Pure.
 *
 * | parts (each resolved)                 | delivery                          |
 * |---------------------------------------|-----------------------------------|
 * | every part delivered                  | delivered                         |
 * | any part failed                       | failed (that part's error)        |
 * | else any part rejected                | rejected (that part's error)      |
 * | else any part expired                 | expired (that part's error)       |
 * | any part without a final receipt yet  | no change (wait)                  |
 *
 * A part submitted twice (the documented ambiguous resend) has two rows with one seq: the
 * part counts as delivered when either copy was, else as the worse outcome once both are final.
 */
import { isFinal, type DeliveryState } from '../domain/delivery-state.js';
import type { ReceiptStat } from '../codecs/smpp-receipt.js';

/** A final outcome of a part or a message. */
export type SmsFinalState = 'delivered' | 'failed' | 'rejected' | 'expired';

/** Severity order when parts disagree: the first listed wins. */
const WORST_FIRST: readonly SmsFinalState[] = ['failed', 'rejected', 'expired', 'delivered'];

/**
 * The segment state a receipt stat means, or undefined for an intermediate stat
 * (ENROUTE, ACKED, BUFFRED, SCHEDULED): those are events, never final. ACCEPTD is final
 * delivered (SMPP 3.4 §5.2.28) unless `acceptedIsFinal` is false (an aggregator's "taken by
 * the next hop", followed by a final receipt).
 */
export function segmentStateForStat(stat: ReceiptStat, acceptedIsFinal = true): SmsFinalState | undefined {
  switch (stat) {
    case 'DELIVRD':
      return 'delivered';
    case 'ACCEPTD':
      return acceptedIsFinal ? 'delivered' : undefined;
    case 'EXPIRED':
      return 'expired';
    case 'REJECTD':
      return 'rejected';
    case 'UNDELIV':
    case 'DELETED':
    case 'UNKNOWN':
    case 'SKIPPED':
      return 'failed';
    default:
      return undefined;
  }
}

/** What the merge needs of a stored segment. */
export interface SegmentFacts {
  readonly seq: number;
  readonly state: DeliveryState;
  readonly errorCode?: string | undefined;
}

/** The merged outcome, with the part that decided it when it is a failure. */
export interface MergedOutcome {
  readonly state: SmsFinalState;
  /** The lowest seq in that state (for a failure: the part whose error is reported). */
  readonly seq: number;
  readonly errorCode?: string | undefined;
}

function asFinal(state: DeliveryState): SmsFinalState {
  // `cancelled` cannot come from a receipt; should an admin set it, it reads as a failure.
  return state === 'delivered' || state === 'rejected' || state === 'expired' ? state : 'failed';
}

function resolvePart(copies: readonly SegmentFacts[]): SegmentFacts | undefined {
  const delivered = copies.find((copy) => copy.state === 'delivered');
  if (delivered !== undefined) return delivered;
  if (copies.length === 0 || !copies.every((copy) => isFinal(copy.state))) return undefined;
  return [...copies].sort((a, b) => WORST_FIRST.indexOf(asFinal(a.state)) - WORST_FIRST.indexOf(asFinal(b.state)))[0];
}

/**
 * Merges the parts of one message (see the table above).
 * @returns undefined while any of parts 1…total has no final receipt (or no row yet).
 */
export function mergeSegments(segments: readonly SegmentFacts[], total: number): MergedOutcome | undefined {
  const resolved: SegmentFacts[] = [];
  for (let seq = 1; seq <= total; seq++) {
    const part = resolvePart(segments.filter((segment) => segment.seq === seq));
    if (part === undefined) return undefined;
    resolved.push(part);
  }
  for (const state of WORST_FIRST) {
    const decider = resolved.find((part) => asFinal(part.state) === state);
    if (decider !== undefined) {
      return { state, seq: decider.seq, ...(state === 'delivered' || decider.errorCode === undefined ? {} : { errorCode: decider.errorCode }) };
    }
  }
  return undefined;
}
