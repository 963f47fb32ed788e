/**
 * Final deliveries per time bucket for the dashboard's throughput chart.
 *
 * Read from `deliveries` rather than the event log: a delivery's `updated_at` is the
 * time of its last transition, so for a final state it is when it became final, and the
 * (state, updated_at) index answers "final since T" without scanning the events table,
 * which has no time index and is the largest table.
 */
import { sql, type Kysely } from 'kysely';
import { FINAL_STATES, isDeliveryState } from '../domain/delivery-state.js';
import type { Channel } from '../domain/message.js';
import type { DeliveryStats, FinalCount } from '../ports/delivery-stats.port.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase } from './schema.js';

const CHANNELS: ReadonlySet<string> = new Set<Channel>(['sms', 'email', 'sip']);

function isChannel(value: string): value is Channel {
  return CHANNELS.has(value);
}

/** {@link DeliveryStats} over Kysely (PostgreSQL or PGlite). */
export class KyselyDeliveryStats implements DeliveryStats {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  /** @throws GW_ERR_DB_UNREACHABLE */
  async finalCounts(from: Date, to: Date, bucketSeconds: number): Promise<readonly FinalCount[]> {
    return guarded('delivery final counts', async () => {
      // Epoch arithmetic instead of date_bin (PostgreSQL 14+) or date_trunc (minutes
      // only): it buckets by any size and runs the same on every server and on PGlite.
      // The size is a literal, not a parameter: PostgreSQL matches the GROUP BY to the
      // select list by text, and two parameters ($1, $5) would not be the same expression.
      const size = sql.lit(Math.max(1, Math.trunc(bucketSeconds)));
      const bucket = sql<Date>`to_timestamp(floor(extract(epoch from updated_at) / ${size}) * ${size})`;
      const rows = await this.#db
        .selectFrom('deliveries')
        .select([bucket.as('bucket'), 'channel', 'state', (eb) => eb.fn.countAll<string | number | bigint>().as('count')])
        .where('state', 'in', [...FINAL_STATES])
        .where('updated_at', '>=', from)
        .where('updated_at', '<', to)
        .groupBy([bucket, 'channel', 'state'])
        .orderBy(bucket)
        .orderBy('channel')
        .orderBy('state')
        .execute();
      const counts: FinalCount[] = [];
      for (const row of rows) {
        // The columns are free text in the schema; anything else is not ours to chart.
        if (!isChannel(row.channel) || !isDeliveryState(row.state)) continue;
        counts.push({ at: new Date(row.bucket), channel: row.channel, state: row.state, count: Number(row.count) });
      }
      return counts;
    });
  }
}
