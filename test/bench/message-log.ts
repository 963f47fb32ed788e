/**
 * What happened to each bench message, by sequence number: typed arrays (NaN = not yet),
 * so a run of a few hundred thousand messages costs a few MB and no GC churn.
 */

export type ImdnOutcome = 'delivered' | 'failed' | 'other';
const OUTCOME_CODES: readonly ImdnOutcome[] = ['delivered', 'failed', 'other'];

export class MessageLog {
  readonly capacity: number;
  /** MESSAGE first sent. */
  readonly sentAt: Float64Array;
  /** Final response received. */
  readonly answeredAt: Float64Array;
  /** Final response status (0 = none yet, 408 = no answer within Timer F). */
  readonly status: Uint16Array;
  readonly retransmits: Uint8Array;
  /** Last SMS part seen by the simulator, and how many parts. */
  readonly submitAt: Float64Array;
  readonly submits: Uint8Array;
  /** Last part's receipt sent by the simulator; whether any part failed. */
  readonly receiptAt: Float64Array;
  readonly receipts: Uint8Array;
  readonly receiptFailed: Uint8Array;
  /** IMDN received at the sink, and which outcome it told (index in OUTCOME_CODES). */
  readonly imdnAt: Float64Array;
  readonly imdnOutcome: Uint8Array;
  readonly imdnCopies: Uint8Array;
  /** Highest sequence number sent (messages are 1..sent). */
  sent = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.sentAt = new Float64Array(capacity + 1).fill(Number.NaN);
    this.answeredAt = new Float64Array(capacity + 1).fill(Number.NaN);
    this.status = new Uint16Array(capacity + 1);
    this.retransmits = new Uint8Array(capacity + 1);
    this.submitAt = new Float64Array(capacity + 1).fill(Number.NaN);
    this.submits = new Uint8Array(capacity + 1);
    this.receiptAt = new Float64Array(capacity + 1).fill(Number.NaN);
    this.receipts = new Uint8Array(capacity + 1);
    this.receiptFailed = new Uint8Array(capacity + 1);
    this.imdnAt = new Float64Array(capacity + 1).fill(Number.NaN);
    this.imdnOutcome = new Uint8Array(capacity + 1);
    this.imdnCopies = new Uint8Array(capacity + 1);
  }

  inRange(seq: number): boolean {
    return seq >= 1 && seq <= this.sent;
  }

  recordSubmit(seq: number, at: number): void {
    if (!this.inRange(seq)) return;
    this.submits[seq] = Math.min(255, (this.submits[seq] ?? 0) + 1);
    this.submitAt[seq] = Number.isNaN(this.submitAt[seq] ?? Number.NaN) ? at : Math.max(this.submitAt[seq] ?? at, at);
  }

  recordReceipt(seq: number, at: number, failed: boolean): void {
    if (!this.inRange(seq)) return;
    this.receipts[seq] = Math.min(255, (this.receipts[seq] ?? 0) + 1);
    this.receiptAt[seq] = Number.isNaN(this.receiptAt[seq] ?? Number.NaN) ? at : Math.max(this.receiptAt[seq] ?? at, at);
    if (failed) this.receiptFailed[seq] = 1;
  }

  /** @returns false when it was a repeat (the gateway re-sent it). */
  recordImdn(seq: number, at: number, outcome: ImdnOutcome): boolean {
    if (!this.inRange(seq)) return false;
    this.imdnCopies[seq] = Math.min(255, (this.imdnCopies[seq] ?? 0) + 1);
    if (!Number.isNaN(this.imdnAt[seq] ?? Number.NaN)) return false;
    this.imdnAt[seq] = at;
    this.imdnOutcome[seq] = OUTCOME_CODES.indexOf(outcome);
    return true;
  }

  outcomeOf(seq: number): ImdnOutcome | undefined {
    return Number.isNaN(this.imdnAt[seq] ?? Number.NaN) ? undefined : OUTCOME_CODES[this.imdnOutcome[seq] ?? 2];
  }
}
