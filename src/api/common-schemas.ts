/**
 * JSON schemas shared by every resource: the problem document, paging, and the error
 * responses each route may give. They are registered once with `addSchema`, so the
 * OpenAPI document carries them as components and routes refer to them by `$ref`.
 */
import { PROBLEM_CONTENT_TYPE } from './problem.js';

export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details. Branch on `code`, never on `title` or `detail`.',
  required: ['type', 'title', 'status', 'detail', 'instance', 'code'],
  properties: {
    type: { type: 'string', description: 'urn:herald:error:<code>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string', description: 'The request path.' },
    code: { type: 'string', description: 'Stable GW_ERR_* code from the error catalogue.' },
    errors: {
      type: 'array',
      description: 'Each bad input, for validation errors (400).',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: {
          field: { type: 'string', description: 'e.g. body.role, querystring.cursor, csv.msisdn' },
          message: { type: 'string' },
          line: { type: 'integer', description: 'CSV line (1 is the header), for imports.' },
        },
      },
    },
  },
} as const;

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid request (GW_ERR_API_VALIDATION); `errors` names each field.',
  401: 'No, unknown or revoked credentials (GW_ERR_API_UNAUTHENTICATED).',
  403: 'Role too low (GW_ERR_API_FORBIDDEN) or missing CSRF header (GW_ERR_API_CSRF).',
  404: 'No such resource.',
  409: 'The delivery is not in a state that allows this (GW_ERR_STATE_ILLEGAL_TRANSITION) or a concurrent change won.',
  413: 'Body too large (GW_ERR_CONTENT_TOO_LARGE).',
  415: 'Unsupported content type (GW_ERR_CONTENT_UNSUPPORTED_TYPE).',
  429: 'Too many failed logins from this address (GW_ERR_API_RATE_LIMITED); see Retry-After.',
  503: 'A backing service (database, Redis) is unreachable.',
};

/** Problem responses for the given statuses, plus 401/403/503 which every protected route may give. */
export function problemResponses(...statuses: number[]): Record<number, unknown> {
  const all = [...new Set([...statuses, 401, 403, 503])].sort();
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status] ?? 'Error',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: 'Problem#' } } },
      },
    ]),
  );
}

/** Querystring members of every paged list. */
export const PAGING_PROPERTIES = {
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size.' },
  cursor: { type: 'string', minLength: 1, maxLength: 1024, description: '`nextCursor` of the previous page.' },
} as const;

export const NEXT_CURSOR = {
  type: ['string', 'null'],
  description: 'Pass as `cursor` for the next page; null on the last page.',
} as const;

/** A JSON-schema date-time string. */
export const DATE_TIME = { type: 'string', format: 'date-time' } as const;
export const OPTIONAL_DATE_TIME = { type: ['string', 'null'], format: 'date-time' } as const;
