/** Schemas of /api/v1/tokens. */
import { DATE_TIME, OPTIONAL_DATE_TIME, problemResponses } from '../common-schemas.js';

export const TOKEN_SCHEMA = {
  $id: 'ApiToken',
  type: 'object',
  required: ['id', 'name', 'role', 'createdBy', 'createdAt', 'lastUsedAt', 'revokedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['viewer', 'admin'] },
    createdBy: { type: 'string', description: 'Name of the token that created it, or `cli`.' },
    createdAt: DATE_TIME,
    lastUsedAt: { ...OPTIONAL_DATE_TIME, description: 'Updated at most once a minute.' },
    revokedAt: OPTIONAL_DATE_TIME,
  },
} as const;

const TOKEN_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

export const CREATE_TOKEN_SCHEMA = {
  tags: ['tokens'],
  summary: 'Create an API token',
  description: 'The token is in the answer and nowhere else: only its SHA-256 is stored.',
  body: {
    type: 'object',
    required: ['name', 'role'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100, pattern: '^\\S(.*\\S)?$' },
      role: { type: 'string', enum: ['viewer', 'admin'] },
    },
  },
  response: {
    201: {
      description: 'Created. `secret` is shown this once.',
      type: 'object',
      required: ['token', 'secret'],
      properties: { token: { $ref: 'ApiToken#' }, secret: { type: 'string' } },
    },
    ...problemResponses(400),
  },
} as const;

export const LIST_TOKENS_SCHEMA = {
  tags: ['tokens'],
  summary: 'List API tokens (revoked ones included)',
  response: {
    200: {
      description: 'Every token, newest first.',
      type: 'object',
      required: ['items'],
      properties: { items: { type: 'array', items: { $ref: 'ApiToken#' } } },
    },
    ...problemResponses(),
  },
} as const;

export const REVOKE_TOKEN_SCHEMA = {
  tags: ['tokens'],
  summary: 'Revoke an API token',
  description: 'Its sessions end with it. Revoking twice keeps the first revocation time.',
  params: TOKEN_ID_PARAMS,
  response: { 200: { description: 'The revoked token.', $ref: 'ApiToken#' }, ...problemResponses(404) },
} as const;
