import type { ApiToken } from '../../ports/api-token-store.port.js';

/** An API token as the API shows it (see TOKEN_SCHEMA). */
export function tokenDto(token: ApiToken): Record<string, unknown> {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}
