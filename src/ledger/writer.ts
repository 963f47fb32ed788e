/**
 * The ledger's hot path: how a new message, a state change, an SMS part, a receipt and an
 * IMDN reach PostgreSQL, and the reads the message path makes on the way.
 *
 * Each is one fixed statement over arrays (batch-statement.ts; the statements live in
 * batches/, joined-reads.ts, held-receipts.ts and disposition-statements.ts), run through a
 * group commit (group-commit.ts): what is in flight at one moment goes as one round trip
 * and, for a write, one commit, prepared once per connection under its name. Data-modifying
 * CTEs keep each statement atomic on PostgreSQL and PGlite alike; fsync and
 * synchronous_commit stay on, and a caller hears of its write only after the commit.
 *
 * A batch that fails for any reason but an unreachable database is run again op by op, so
 * one bad write fails alone, with the error its own statement gives. A write the statement
 * could not make (unknown delivery, stale version, illegal move, a dedupe key or SMSC id
 * that exists) comes back as `undefined`: the caller's per-write path then says why.
 */
import type { StoredHeldReceipt } from '../ports/held-receipts.port.js';
import type { DeliveryWithMessage, StoredSegment } from '../ports/ledger.port.js';
import type { NotificationSendFacts, RecordedDecision } from '../ports/disposition-store.port.js';
import type { StoredDelivery } from '../domain/message.js';
import type { StoredNotification } from '../domain/notification.js';
import type { BatchStatement, StatementRunner } from './batch-statement.js';
import { RECORD_MESSAGES, type RecordWrite, type RecordWritten } from './batches/record-messages.js';
import { INSERT_SEGMENTS, UPDATE_SEGMENTS, type SegmentInsert, type SegmentUpdateWrite } from './batches/segments.js';
import { TRANSITIONS, type TransitionOutcome, type TransitionWrite } from './batches/transitions.js';
import { isUnreachable } from './db-errors.js';
import { FINISH_SENDS, READ_FOR_SEND, RECORD_DECISIONS, type DecisionWrite, type FinishWrite } from './disposition-statements.js';
import { GroupCommit, OpFailed } from '../group-commit.js';
import { HELD_FOR_MESSAGES } from './held-receipts.js';
import { DELIVERIES_WITH_MESSAGE, SEGMENTS_WITH_DELIVERY } from './joined-reads.js';
import type { SegmentRow } from './schema.js';

export type { StatementRunner } from './batch-statement.js';

/** Told of every flush: the statement's name and how many ops it carried. */
export type FlushObserver = (statement: string, size: number) => void;

export interface LedgerWriterOptions {
  readonly onFlush?: FlushObserver | undefined;
  /** The one connection's lock, for a database with one (PGlite): see GroupCommitOptions.acquire. */
  readonly acquire?: (() => Promise<() => void>) | undefined;
}

function committer<Op, Row, Result>(run: StatementRunner, statement: BatchStatement<Op, Row, Result>, { onFlush, acquire }: LedgerWriterOptions): GroupCommit<Op, Result> {
  const execute = (ops: readonly Op[]): Promise<readonly Row[]> => run<Row>(statement.name, statement.text, statement.parameters(ops));
  return new GroupCommit<Op, Result>({
    keyOf: statement.keyOf,
    acquire,
    onFlush: onFlush && ((size) => onFlush(statement.name, size)),
    flush: async (ops) => {
      let rows: readonly Row[];
      try {
        rows = await execute(ops);
      } catch (err) {
        if (ops.length === 1 || isUnreachable(err)) throw err;
        // The statement failed, and it is atomic: nothing of the batch was written. Each op
        // again on its own, one after the other (not a burst on the pool), so the one that
        // failed it fails alone. Only the statement's own failure gets here: once it has
        // committed, nothing is written again.
        const alone: (Result | OpFailed)[] = [];
        for (const op of ops) {
          try {
            alone.push(statement.results(await execute([op]), [op])[0] as Result);
          } catch (error) {
            alone.push(new OpFailed(error));
          }
        }
        return alone;
      }
      return statement.results(rows, ops);
    },
  });
}

/** See the module comment. One per ledger. */
export class LedgerWriter {
  readonly #recordMessages: GroupCommit<RecordWrite, RecordWritten | undefined>;
  readonly #transitions: GroupCommit<TransitionWrite, TransitionOutcome>;
  readonly #deliveriesWithMessage: GroupCommit<string, DeliveryWithMessage | undefined>;
  readonly #insertSegments: GroupCommit<SegmentInsert, SegmentRow | undefined>;
  readonly #heldFor: GroupCommit<{ readonly connectionId: string; readonly smscMessageId: string }, readonly StoredHeldReceipt[]>;
  readonly #segmentsWithDelivery: GroupCommit<
    { readonly connectionId: string; readonly smscMessageId: string },
    { readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined
  >;
  readonly #updateSegments: GroupCommit<SegmentUpdateWrite, SegmentRow | undefined>;
  readonly #recordDecisions: GroupCommit<DecisionWrite, RecordedDecision>;
  readonly #readForSend: GroupCommit<string, NotificationSendFacts | undefined>;
  readonly #finishSends: GroupCommit<FinishWrite, boolean>;
  readonly #all: readonly { idle(): Promise<void> }[];

  constructor(run: StatementRunner, options: LedgerWriterOptions = {}) {
    this.#recordMessages = committer(run, RECORD_MESSAGES, options);
    this.#transitions = committer(run, TRANSITIONS, options);
    this.#deliveriesWithMessage = committer(run, DELIVERIES_WITH_MESSAGE, options);
    this.#insertSegments = committer(run, INSERT_SEGMENTS, options);
    this.#heldFor = committer(run, HELD_FOR_MESSAGES, options);
    this.#segmentsWithDelivery = committer(run, SEGMENTS_WITH_DELIVERY, options);
    this.#updateSegments = committer(run, UPDATE_SEGMENTS, options);
    this.#recordDecisions = committer(run, RECORD_DECISIONS, options);
    this.#readForSend = committer(run, READ_FOR_SEND, options);
    this.#finishSends = committer(run, FINISH_SENDS, options);
    this.#all = [
      this.#recordMessages,
      this.#transitions,
      this.#deliveriesWithMessage,
      this.#insertSegments,
      this.#heldFor,
      this.#segmentsWithDelivery,
      this.#updateSegments,
      this.#recordDecisions,
      this.#readForSend,
      this.#finishSends,
    ];
  }

  /** A new message and its deliveries; undefined when its dedupe key existed. */
  recordMessage(write: RecordWrite): Promise<RecordWritten | undefined> {
    return this.#recordMessages.submit(write);
  }

  /** A state change, or why it did not happen (see {@link TransitionOutcome}). */
  transition(write: TransitionWrite): Promise<TransitionOutcome> {
    return this.#transitions.submit(write);
  }

  deliveryWithMessage(deliveryId: string): Promise<DeliveryWithMessage | undefined> {
    return this.#deliveriesWithMessage.submit(deliveryId);
  }

  /** An SMS part; undefined when its SMSC id is already recorded. */
  insertSegment(write: SegmentInsert): Promise<SegmentRow | undefined> {
    return this.#insertSegments.submit(write);
  }

  heldFor(key: { readonly connectionId: string; readonly smscMessageId: string }): Promise<readonly StoredHeldReceipt[]> {
    return this.#heldFor.submit(key);
  }

  segmentWithDelivery(key: { readonly connectionId: string; readonly smscMessageId: string }): Promise<{ readonly segment: StoredSegment; readonly delivery: StoredDelivery } | undefined> {
    return this.#segmentsWithDelivery.submit(key);
  }

  /** A part's new state with its event; undefined when the part does not exist. */
  updateSegment(write: SegmentUpdateWrite): Promise<SegmentRow | undefined> {
    return this.#updateSegments.submit(write);
  }

  /** The notifications a decision created, in the order given, with the delivery's older pending one. */
  recordDecision(write: DecisionWrite): Promise<RecordedDecision> {
    return this.#recordDecisions.submit(write);
  }

  readForSend(notificationId: string): Promise<NotificationSendFacts | undefined> {
    return this.#readForSend.submit(notificationId);
  }

  /** Whether this write finished the notification (false: it was no longer pending). */
  finishSend(write: FinishWrite): Promise<boolean> {
    return this.#finishSends.submit(write);
  }

  /** Resolves when every op submitted so far has settled. */
  async idle(): Promise<void> {
    await Promise.all(this.#all.map((commit) => commit.idle()));
  }
}
