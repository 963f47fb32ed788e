import type { ApiToken } from './api-token-store.port.js';

/** A browser session: the cookie holds a random id, the ledger only its hash. */
export interface ApiSession {
  /** SHA-256 of the session id, hex: a leaked table does not hand out live cookies. */
  readonly idHash: string;
  readonly tokenId: string;
  /** Must come back in the X-Herald-CSRF header of every state-changing request. */
  readonly csrfToken: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

export type NewApiSession = Omit<ApiSession, 'createdAt'>;

/** A live session and the token it was opened with. */
export interface ActiveSession {
  readonly session: ApiSession;
  readonly token: ApiToken;
}

/** Browser sessions in the ledger, so any gateway node behind a balancer knows them. */
export interface ApiSessionStore {
  /** Stores a session, dropping expired ones on the way. @throws GW_ERR_LEDGER_NOT_FOUND (no such token), GW_ERR_DB_UNREACHABLE */
  create(session: NewApiSession): Promise<ApiSession>;
  /** The session if it has not expired and its token is not revoked. @throws GW_ERR_DB_UNREACHABLE */
  findActive(idHash: string, now: Date): Promise<ActiveSession | undefined>;
  /** @returns false when there was no such session. @throws GW_ERR_DB_UNREACHABLE */
  remove(idHash: string): Promise<boolean>;
}
