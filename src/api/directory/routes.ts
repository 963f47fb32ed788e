/** /api/v1/directory/:imUri and the list: the number directory, one entry at a time. */
import type { FastifyPluginAsync } from 'fastify';
import { heraldError } from '../../errors.js';
import { recordAudit } from '../audit.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ApiDeps } from '../deps.js';
import { directoryEntryDto } from './dto.js';
import { DELETE_ENTRY_SCHEMA, GET_ENTRY_SCHEMA, LIST_DIRECTORY_SCHEMA, PUT_ENTRY_SCHEMA } from './schemas.js';

interface EntryParams {
  readonly imUri: string;
}

interface PutBody {
  readonly msisdn?: string | null;
  readonly email?: string | null;
  readonly displayName?: string | null;
  readonly archiveEnabled: boolean;
}

/** The directory entries plugin: viewers read, admins change. */
export function directoryRoutes(deps: ApiDeps): FastifyPluginAsync {
  const directory = deps.ledger.directory;
  return async (app) => {
    app.get<{ Querystring: { limit: number; cursor?: string } }>(
      '/directory',
      { schema: LIST_DIRECTORY_SCHEMA, config: { access: 'viewer' } },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await directory.list(limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
        const page = rows.slice(0, limit);
        const last = page[page.length - 1];
        return { items: page.map(directoryEntryDto), nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last.imUri) : null };
      },
    );

    app.get<{ Params: EntryParams }>('/directory/:imUri', { schema: GET_ENTRY_SCHEMA, config: { access: 'viewer' } }, async (request) => {
      const entry = await directory.byImUri(request.params.imUri);
      if (entry === undefined) throw heraldError('GW_ERR_API_NOT_FOUND', `directory entry ${request.params.imUri}`);
      return directoryEntryDto(entry);
    });

    app.put<{ Params: EntryParams; Body: PutBody | undefined }>(
      '/directory/:imUri',
      { schema: PUT_ENTRY_SCHEMA, config: { access: 'admin' } },
      async (request, reply) => {
        const { imUri } = request.params;
        const body = request.body;
        const existed = (await directory.byImUri(imUri)) !== undefined;
        const entry = await directory.upsert({
          imUri,
          msisdn: body?.msisdn ?? undefined,
          email: body?.email ?? undefined,
          displayName: body?.displayName ?? undefined,
          archiveEnabled: body?.archiveEnabled ?? false,
        });
        await recordAudit(deps, request, 'directory.put', imUri, { ...directoryEntryDto(entry), created: !existed });
        return reply.code(existed ? 200 : 201).send(directoryEntryDto(entry));
      },
    );

    app.delete<{ Params: EntryParams }>(
      '/directory/:imUri',
      { schema: DELETE_ENTRY_SCHEMA, config: { access: 'admin' } },
      async (request, reply) => {
        const { imUri } = request.params;
        const removed = await directory.remove(imUri);
        if (!removed) throw heraldError('GW_ERR_API_NOT_FOUND', `directory entry ${imUri}`);
        await recordAudit(deps, request, 'directory.delete', imUri);
        return reply.code(204).send();
      },
    );
  };
}
