/**
 * 0020: SMS parts, notifications and disposition checks keep no foreign keys, as the
 * timeline lost its own in 0013. Each round trip inserts a part, a notification and a
 * check, and each foreign key made PostgreSQL look up the delivery (and the message) and
 * lock the row FOR KEY SHARE: a WAL record and a dirtied page per key, and a MultiXact
 * when the receipt's update of that delivery runs at the same time (`npm run bench`).
 *
 * Nothing is lost by it: deliveries and messages are never deleted, and every insert
 * checks that its delivery exists in the same statement or just before (the writer's
 * INSERT_SEGMENTS and RECORD_DECISIONS, `insertNotification`), so no row can name a
 * delivery that is not there and an unknown one is still GW_ERR_LEDGER_NOT_FOUND. A purge
 * added later must delete these rows itself, as the cascade used to.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `alter table segments drop constraint segments_delivery_id_fkey`,
  `alter table notifications drop constraint notifications_delivery_id_fkey`,
  `alter table notifications drop constraint notifications_message_id_fkey`,
  `alter table disposition_checks drop constraint disposition_checks_delivery_id_fkey`,
];

const DOWN: readonly string[] = [
  `alter table segments add constraint segments_delivery_id_fkey foreign key (delivery_id) references deliveries (id) on delete cascade`,
  `alter table notifications add constraint notifications_delivery_id_fkey foreign key (delivery_id) references deliveries (id) on delete cascade`,
  `alter table notifications add constraint notifications_message_id_fkey foreign key (message_id) references messages (id) on delete cascade`,
  `alter table disposition_checks add constraint disposition_checks_delivery_id_fkey foreign key (delivery_id) references deliveries (id) on delete cascade`,
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Parts, notifications and checks without foreign keys. */
export const migration0020PartsAndNotificationsWithoutForeignKeys: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
