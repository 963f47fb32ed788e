/**
 * Row → domain mapping of the admin API's tables (tokens, sessions, audit). Like
 * ./rows.ts, enumerated columns are checked rather than cast.
 */
import { isApiRole, type ApiRole } from '../domain/api-role.js';
import { heraldError } from '../errors.js';
import type { ApiSession } from '../ports/api-session-store.port.js';
import type { ApiToken } from '../ports/api-token-store.port.js';
import { AUDIT_ACTIONS, type AuditAction, type AuditEvent } from '../ports/audit-log.port.js';
import { toId } from './rows.js';
import type { ApiSessionRow, ApiTokenRow, AuditRow } from './schema.js';


function opt<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function role(value: string): ApiRole {
  if (!isApiRole(value)) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `ledger column api_tokens.role holds unknown value ${value}`);
  return value;
}

function action(value: string): AuditAction {
  const found = AUDIT_ACTIONS.find((candidate) => candidate === value);
  if (found === undefined) throw heraldError('GW_ERR_GATEWAY_INTERNAL', `ledger column audit.action holds unknown value ${value}`);
  return found;
}

export function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: role(row.role),
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: opt(row.last_used_at),
    revokedAt: opt(row.revoked_at),
  };
}

export function toApiSession(row: ApiSessionRow): ApiSession {
  return {
    idHash: row.id_hash,
    tokenId: row.token_id,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  const detail = typeof row.detail === 'object' && row.detail !== null && !Array.isArray(row.detail) ? (row.detail as Record<string, unknown>) : {};
  return {
    id: toId(row.id),
    at: row.at,
    actorTokenId: opt(row.actor_token_id),
    actorName: row.actor_name,
    action: action(row.action),
    target: row.target,
    sourceIp: opt(row.source_ip),
    detail,
  };
}
