/** /api/v1/tokens: admins create, list and revoke API tokens. */
import type { FastifyPluginAsync } from 'fastify';
import type { ApiRole } from '../../domain/api-role.js';
import { heraldError } from '../../errors.js';
import { principalOf } from '../auth/authenticate.js';
import { recordAudit } from '../audit.js';
import type { ApiDeps } from '../deps.js';
import { tokenDto } from './dto.js';
import { issueApiToken } from './issue-token.js';
import { CREATE_TOKEN_SCHEMA, LIST_TOKENS_SCHEMA, REVOKE_TOKEN_SCHEMA, TOKEN_SCHEMA } from './schemas.js';

interface CreateBody {
  readonly name: string;
  readonly role: ApiRole;
}

/** The tokens resource plugin (admin only). */
export function tokenRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.addSchema(TOKEN_SCHEMA);

    app.post<{ Body: CreateBody }>('/tokens', { schema: CREATE_TOKEN_SCHEMA, config: { access: 'admin' } }, async (request, reply) => {
      const actor = principalOf(request);
      const { token, secret } = await issueApiToken(deps.admin, {
        name: request.body.name,
        role: request.body.role,
        actor: { tokenId: actor.tokenId, name: actor.name },
        sourceIp: request.ip,
      });
      request.log.info({ tokenId: token.id, name: token.name, role: token.role, actor: actor.name }, 'API token created');
      return reply.code(201).send({ token: tokenDto(token), secret });
    });

    app.get('/tokens', { schema: LIST_TOKENS_SCHEMA, config: { access: 'admin' } }, async () => {
      const tokens = await deps.admin.tokens.list();
      return { items: tokens.map(tokenDto) };
    });

    app.post<{ Params: { id: string } }>(
      '/tokens/:id/revoke',
      { schema: REVOKE_TOKEN_SCHEMA, config: { access: 'admin' } },
      async (request) => {
        const token = await deps.admin.tokens.revoke(request.params.id);
        if (token === undefined) throw heraldError('GW_ERR_API_NOT_FOUND', `token ${request.params.id}`);
        await recordAudit(deps, request, 'token.revoke', token.id, { name: token.name });
        return tokenDto(token);
      },
    );
  };
}
