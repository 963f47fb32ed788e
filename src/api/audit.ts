/** Records an admin action in the audit trail, attributed to the request's caller. */
import type { FastifyRequest } from 'fastify';
import type { AuditAction } from '../ports/audit-log.port.js';
import { principalOf } from './auth/authenticate.js';
import type { ApiDeps } from './deps.js';

/**
 * Appends one audit event. Called after the action succeeded: the trail lists what was
 * done, and refused attempts are in the request log.
 * @throws GW_ERR_DB_UNREACHABLE
 */
export async function recordAudit(
  deps: ApiDeps,
  request: FastifyRequest,
  action: AuditAction,
  target: string,
  detail: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  const actor = principalOf(request);
  await deps.admin.audit.record({
    actorTokenId: actor.tokenId,
    actorName: actor.name,
    action,
    target,
    sourceIp: request.ip,
    detail: { ...detail, via: actor.via },
  });
  request.log.info({ action, target, actor: actor.name }, 'admin action');
}
