/** Messages in the ledger for API tests, built the way ingress records them. */
import pg from 'pg';
import type { DeliveryState } from '../../src/domain/delivery-state.js';
import { newId } from '../../src/domain/ids.js';
import type { Channel, Direction, StoredDelivery, StoredMessage } from '../../src/domain/message.js';
import type { Ledger } from '../../src/ports/ledger.port.js';

export interface SeedDelivery {
  readonly channel?: Channel;
  readonly targetUri: string;
  /** Walked to along accepted → queued → submitted → … @defaultValue 'accepted' */
  readonly state?: DeliveryState;
}

export interface SeedMessage {
  /**
   * The message's sentAt. Ids are UUIDv7 made now (newId never goes back in time), so
   * seed oldest first; use {@link backdate} for created_at. @defaultValue now
   */
  readonly at?: Date;
  readonly direction?: Direction;
  readonly senderUri?: string;
  readonly imdnMessageId?: string;
  readonly sipCallId?: string;
  readonly body?: string;
  readonly deliveries: readonly SeedDelivery[];
}

/** The transitions that lead from accepted to `state`. */
const PATHS: Readonly<Record<DeliveryState, readonly DeliveryState[]>> = {
  accepted: [],
  queued: ['queued'],
  submitted: ['queued', 'submitted'],
  enroute: ['queued', 'submitted', 'enroute'],
  delivered: ['queued', 'submitted', 'delivered'],
  failed: ['queued', 'submitted', 'failed'],
  expired: ['queued', 'submitted', 'expired'],
  rejected: ['queued', 'rejected'],
  cancelled: ['queued', 'cancelled'],
};

export interface Seeded {
  readonly message: StoredMessage;
  readonly deliveries: readonly StoredDelivery[];
}

/** Records a message and walks each delivery to its state. */
export async function seedMessage(ledger: Ledger, seed: SeedMessage): Promise<Seeded> {
  const at = seed.at ?? new Date();
  const id = newId();
  const { message } = await ledger.recordMessage(
    {
      id,
      direction: seed.direction ?? 'mt',
      sourceChannel: seed.direction === 'mo' ? 'sms' : 'sip',
      senderUri: seed.senderUri ?? 'sip:alice@example.com',
      imdnMessageId: seed.imdnMessageId,
      imdnRequests: ['positive-delivery'],
      imdnRoute: [],
      contentType: 'text/plain;charset=utf-8',
      body: Buffer.from(seed.body ?? 'hello', 'utf8'),
      sentAt: at,
      dedupeKey: `seed-${id}`,
      sipCallId: seed.sipCallId,
    },
    seed.deliveries.map((d) => ({ id: newId(), channel: d.channel ?? 'sms', originalRecipientUri: d.targetUri, targetUri: d.targetUri })),
  );
  const deliveries = await ledger.listDeliveries(message.id);
  for (const [index, delivery] of deliveries.entries()) {
    const state = seed.deliveries[index]?.state ?? 'accepted';
    for (const to of PATHS[state]) await ledger.transition({ deliveryId: delivery.id, to, cause: 'test' });
  }
  return { message, deliveries: await ledger.listDeliveries(message.id) };
}

/**
 * Sets when Herald accepted a message (created_at is the database's now() on insert), so
 * time-range filters can be tested on fixed times.
 */
export async function backdate(databaseUrl: string, messageId: string, at: Date): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('update messages set created_at = $1 where id = $2', [at, messageId]);
  } finally {
    await client.end();
  }
}
