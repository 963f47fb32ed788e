/**
 * What this process just recorded for a delivery, kept until its channel job takes it:
 * the job would otherwise read back from the ledger the delivery, its message and the
 * sender's directory number that ingress wrote a moment before (one statement per message
 * under load, with its row parsing on both sides; npm run bench).
 *
 * Each entry is taken once; the oldest go first past the bound, so a backlog costs only
 * reads, never memory. Whoever takes an entry knows it may be stale (another actor may
 * have moved the delivery since): its transitions carry the version, and a refusal sends
 * it back to the ledger.
 */
import type { DeliveryWithMessage } from '../ports/ledger.port.js';

/**
 * Entries kept at most: a job takes its entry within milliseconds, so only a backlog
 * (an SMSC outage) fills it; 20 s of carrier traffic, about 20 MB of short texts.
 */
export const RECORDED_FACTS_LIMIT = 20_000;

export class RecordedFacts {
  readonly #limit: number;
  readonly #byDelivery = new Map<string, DeliveryWithMessage>();

  constructor(limit = RECORDED_FACTS_LIMIT) {
    this.#limit = limit;
  }

  remember(facts: DeliveryWithMessage): void {
    this.#byDelivery.set(facts.delivery.id, facts);
    if (this.#byDelivery.size <= this.#limit) return;
    // A Map iterates in insertion order: the first key is the oldest.
    const oldest = this.#byDelivery.keys().next();
    if (oldest.done !== true) this.#byDelivery.delete(oldest.value);
  }

  /** The facts as recorded, once; undefined when never kept here, already taken or evicted. */
  take(deliveryId: string): DeliveryWithMessage | undefined {
    const facts = this.#byDelivery.get(deliveryId);
    if (facts !== undefined) this.#byDelivery.delete(deliveryId);
    return facts;
  }

  get size(): number {
    return this.#byDelivery.size;
  }
}
