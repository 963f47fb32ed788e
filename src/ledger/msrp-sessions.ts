/**
 * MSRP sessions and their messages (migration 0022) over Kysely, for PostgreSQL and
 * PGlite. The row types live in schema.ts because the message search reads the link table too.
 */
import type { Kysely, Selectable } from 'kysely';
import type { MsrpSessionRecord, MsrpSessionStore } from '../ports/msrp-session-store.port.js';
import { guarded } from './db-errors.js';
import type { LedgerDatabase, MsrpSessionsTable } from './schema.js';

function toRecord(row: Selectable<MsrpSessionsTable>): MsrpSessionRecord {
  return {
    id: row.id,
    callId: row.call_id,
    imUser: row.im_user,
    farParty: row.far_party,
    largeMessageMode: row.large_message_mode,
    secure: row.secure,
    node: row.node,
    startedAt: row.started_at,
    endedAt: row.ended_at ?? undefined,
    endReason: row.end_reason ?? undefined,
  };
}

/** {@link MsrpSessionStore} over the ledger's connection. */
export class KyselyMsrpSessionStore implements MsrpSessionStore {
  readonly #db: Kysely<LedgerDatabase>;

  constructor(db: Kysely<LedgerDatabase>) {
    this.#db = db;
  }

  opened(session: MsrpSessionRecord): Promise<void> {
    return guarded(`msrp session opened ${session.id}`, async () => {
      await this.#db
        .insertInto('msrp_sessions')
        .values({
          id: session.id,
          call_id: session.callId,
          im_user: session.imUser,
          far_party: session.farParty,
          large_message_mode: session.largeMessageMode,
          secure: session.secure,
          node: session.node,
          started_at: session.startedAt,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    });
  }

  ended(sessionId: string, at: Date, reason: string): Promise<void> {
    return guarded(`msrp session ended ${sessionId}`, async () => {
      await this.#db.updateTable('msrp_sessions').set({ ended_at: at, end_reason: reason }).where('id', '=', sessionId).where('ended_at', 'is', null).execute();
    });
  }

  endOrphans(node: string, at: Date, reason: string): Promise<number> {
    return guarded(`msrp sessions of ${node}`, async () => {
      const result = await this.#db.updateTable('msrp_sessions').set({ ended_at: at, end_reason: reason }).where('node', '=', node).where('ended_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows);
    });
  }

  linkMessage(sessionId: string, messageId: string): Promise<void> {
    return guarded(`msrp session message ${messageId}`, async () => {
      await this.#db.insertInto('msrp_session_messages').values({ message_id: messageId, session_id: sessionId }).onConflict((oc) => oc.column('message_id').doNothing()).execute();
    });
  }

  ofMessages(messageIds: readonly string[]): Promise<ReadonlyMap<string, MsrpSessionRecord>> {
    return guarded('msrp sessions of messages', async () => {
      const found = new Map<string, MsrpSessionRecord>();
      if (messageIds.length === 0) return found;
      const rows = await this.#db
        .selectFrom('msrp_session_messages as l')
        .innerJoin('msrp_sessions as s', 's.id', 'l.session_id')
        .selectAll('s')
        .select('l.message_id')
        .where('l.message_id', 'in', messageIds)
        .execute();
      for (const row of rows) found.set(row.message_id, toRecord(row));
      return found;
    });
  }
}
