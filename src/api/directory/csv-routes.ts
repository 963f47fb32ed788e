/** /api/v1/directory/import and /export: the number directory as CSV. */
import type { FastifyPluginAsync } from 'fastify';
import { heraldError, isHeraldError } from '../../errors.js';
import { recordAudit } from '../audit.js';
import type { ApiDeps } from '../deps.js';
import type { FieldProblem } from '../problem.js';
import { CSV_COLUMNS, parseDirectoryCsv } from './csv-import.js';
import { csvLine } from './csv.js';
import { EXPORT_SCHEMA, IMPORT_SCHEMA } from './schemas.js';

/** Enough for 100 000 rows of typical length. */
const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;
const EXPORT_PAGE = 1000;

/** The column a uniqueness constraint of the directory table guards. */
function conflictField(constraint: unknown): string {
  if (constraint === 'directory_msisdn_unique') return 'csv.msisdn';
  if (constraint === 'directory_email_unique') return 'csv.email';
  return 'csv.im_uri';
}

/** The directory CSV plugin: admins import, viewers export. */
export function directoryCsvRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

    app.post<{ Body: string }>(
      '/directory/import',
      { schema: IMPORT_SCHEMA, config: { access: 'admin' }, bodyLimit: IMPORT_BODY_LIMIT },
      async (request) => {
        const parsed = parseDirectoryCsv(request.body);
        if (parsed.problems.length > 0) {
          throw heraldError('GW_ERR_API_VALIDATION', `CSV has ${parsed.problems.length} problem(s); nothing was imported`, {
            meta: { errors: parsed.problems },
          });
        }
        try {
          await deps.admin.importDirectory(parsed.entries);
        } catch (err) {
          const index = isHeraldError(err, 'GW_ERR_LEDGER_CONFLICT') ? err.meta.index : undefined;
          if (!isHeraldError(err) || typeof index !== 'number') throw err;
          const line = parsed.lines[index] ?? 0;
          const errors: FieldProblem[] = [{ line, field: conflictField(err.meta.constraint), message: 'belongs to another IM user' }];
          throw heraldError('GW_ERR_LEDGER_CONFLICT', `line ${line}: ${err.detail}; nothing was imported`, { cause: err, meta: { errors } });
        }
        await recordAudit(deps, request, 'directory.import', `${parsed.entries.length} entries`, { imported: parsed.entries.length });
        return { imported: parsed.entries.length };
      },
    );

    app.get('/directory/export', { schema: EXPORT_SCHEMA, config: { access: 'viewer' } }, async (_request, reply) => {
      // Keyset pages keep memory flat on the database side; the text is built whole
      // because directories are thousands of rows, not millions.
      let text = csvLine(CSV_COLUMNS);
      let after: string | undefined;
      for (;;) {
        const page = await deps.ledger.directory.list(EXPORT_PAGE, after);
        for (const entry of page) {
          text += csvLine([entry.imUri, entry.msisdn ?? '', entry.email ?? '', entry.displayName ?? '', entry.archiveEnabled ? 'true' : 'false']);
        }
        if (page.length < EXPORT_PAGE) break;
        after = page[page.length - 1]?.imUri;
      }
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="directory.csv"').send(text);
    });
  };
}
