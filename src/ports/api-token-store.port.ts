import type { ApiRole } from '../domain/api-role.js';

/** An API token as stored: never the token itself, only facts about it. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
  /** Who created it: a token name, or `cli` for `herald token create`. */
  readonly createdBy: string;
  readonly createdAt: Date;
  /** Updated at most once a minute, so a busy client does not write on every request. */
  readonly lastUsedAt?: Date | undefined;
  readonly revokedAt?: Date | undefined;
}

export interface NewApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: ApiRole;
  readonly createdBy: string;
  /** SHA-256 of the token, hex. Tokens are 256 random bits, so a fast hash is enough. */
  readonly tokenHash: string;
}

/** API tokens in the ledger. */
export interface ApiTokenStore {
  /** @throws GW_ERR_LEDGER_CONFLICT when the id or hash exists; GW_ERR_DB_UNREACHABLE */
  create(token: NewApiToken): Promise<ApiToken>;
  /** The unrevoked token with this hash. @throws GW_ERR_DB_UNREACHABLE */
  findActiveByHash(tokenHash: string): Promise<ApiToken | undefined>;
  /** Records a use, unless one was recorded in the last minute. @throws GW_ERR_DB_UNREACHABLE */
  touch(id: string): Promise<void>;
  /** Every token, revoked ones included, newest first. @throws GW_ERR_DB_UNREACHABLE */
  list(): Promise<readonly ApiToken[]>;
  /**
   * Revokes a token and ends its sessions. Revoking a revoked token keeps the first time.
   * @returns undefined when there is no such token. @throws GW_ERR_DB_UNREACHABLE
   */
  revoke(id: string): Promise<ApiToken | undefined>;
}
