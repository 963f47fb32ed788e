/** Why a SIP edge dropped an input without answering it (the `reason` label of the metric). */
export type DropReason =
  | 'too-large'
  | 'no-header-end'
  | 'unanswerable'
  | 'peer-refused'
  | 'ack'
  | 'stray-response'
  | 'tcp-connection-cap'
  | 'tcp-header-timeout'
  | 'tcp-unframeable'
  | 'transaction-table-full'
  /** A 2xx to INVITE whose ACK never came within 64·T1. */
  | 'no-ack'
  | 'internal-error';

/**
 * What an edge reports about inputs it never hands to the core. main.ts wires it to the
 * `herald_sip_dropped_total` counter; tests and the default count nothing.
 */
export interface SipEdgeObserver {
  dropped(reason: DropReason): void;
}

export const NO_OBSERVER: SipEdgeObserver = { dropped: () => undefined };
