/**
 * Creating an API token: the one code path behind both `herald token create` and
 * POST /api/v1/tokens, so both store the same hash and leave the same audit event.
 */
import type { ApiRole } from '../../domain/api-role.js';
import { newId } from '../../domain/ids.js';
import type { AdminStore } from '../../ports/admin-store.port.js';
import type { ApiToken } from '../../ports/api-token-store.port.js';
import { hashSecret, newApiTokenSecret } from '../auth/credentials.js';

export interface IssueTokenRequest {
  readonly name: string;
  readonly role: ApiRole;
  /** Who asks: the admin's token, or the CLI. */
  readonly actor: { readonly tokenId?: string | undefined; readonly name: string };
  readonly sourceIp?: string | undefined;
}

export interface IssuedToken {
  readonly token: ApiToken;
  /** The token itself: shown once, never stored. */
  readonly secret: string;
}

/**
 * Creates a token and records `token.create` in the audit log.
 * @throws GW_ERR_LEDGER_CONFLICT (astronomically unlikely id/hash clash), GW_ERR_DB_UNREACHABLE
 */
export async function issueApiToken(store: AdminStore, request: IssueTokenRequest): Promise<IssuedToken> {
  const secret = newApiTokenSecret();
  const token = await store.tokens.create({
    id: newId(),
    name: request.name,
    role: request.role,
    createdBy: request.actor.name,
    tokenHash: hashSecret(secret),
  });
  await store.audit.record({
    actorTokenId: request.actor.tokenId,
    actorName: request.actor.name,
    action: 'token.create',
    target: token.id,
    sourceIp: request.sourceIp,
    detail: { name: token.name, role: token.role },
  });
  return { token, secret };
}
