/**
 * 0008: an archive mark's generation never repeats for a message. In 0007 a message whose
 * row had been cleared started again at 1 when something new came, so its job id
 * (message id + generation) was that of a job BullMQ still kept as completed, the add
 * was ignored, and the message waited for the sweep. A sequence shared by all rows gives
 * every mark a value no earlier job of that message had; bigint because a busy gateway
 * marks thousands a second.
 *
 * A frozen snapshot like 0001: no domain imports. One statement per query (PGlite).
 */
import { sql, type Kysely, type Migration } from 'kysely';

const UP: readonly string[] = [
  `create sequence archive_generation_seq as bigint`,
  `alter table archive_due alter column generation type bigint`,
  `alter table archive_due alter column generation set default nextval('archive_generation_seq')`,
];

const DOWN: readonly string[] = [
  `alter table archive_due alter column generation set default 1`,
  `alter table archive_due alter column generation type integer`,
  `drop sequence archive_generation_seq`,
];

async function run(db: Kysely<unknown>, statements: readonly string[]): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/** Archive mark generations from one sequence. */
export const migration0008ArchiveGeneration: Migration = {
  up: (db: Kysely<unknown>) => run(db, UP),
  down: (db: Kysely<unknown>) => run(db, DOWN),
};
