/** Schemas of /api/v1/session. */
import { DATE_TIME, problemResponses } from '../common-schemas.js';

const SESSION = {
  type: 'object',
  required: ['tokenId', 'name', 'role', 'via'],
  properties: {
    tokenId: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['viewer', 'admin'] },
    via: { type: 'string', enum: ['bearer', 'session'], description: 'How this request authenticated.' },
  },
} as const;

export const LOGIN_SCHEMA = {
  tags: ['session'],
  summary: 'Log in a browser with an API token',
  description:
    'Exchanges an API token for a session cookie (HttpOnly, SameSite=Strict) and a readable CSRF cookie. ' +
    'Requests that change something with the cookie must echo the CSRF token in X-Herald-CSRF. ' +
    'Failed logins are rate limited per client address.',
  body: {
    type: 'object',
    required: ['token'],
    additionalProperties: false,
    properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
  },
  response: {
    201: {
      description: 'Logged in; cookies set.',
      type: 'object',
      required: ['name', 'role', 'expiresAt', 'csrfToken'],
      properties: {
        name: { type: 'string' },
        role: { type: 'string', enum: ['viewer', 'admin'] },
        expiresAt: DATE_TIME,
        csrfToken: { type: 'string', description: 'Also in the herald_csrf cookie; send it as X-Herald-CSRF.' },
      },
    },
    ...problemResponses(400, 429),
  },
} as const;

export const WHOAMI_SCHEMA = {
  tags: ['session'],
  summary: 'Who is calling',
  response: { 200: { description: 'The caller.', ...SESSION }, ...problemResponses() },
} as const;

export const LOGOUT_SCHEMA = {
  tags: ['session'],
  summary: 'Log out (end the browser session)',
  description: 'Removes the session and clears its cookies. With a bearer token there is nothing to end: 204 all the same.',
  response: { 204: { description: 'Logged out.', type: 'null' }, ...problemResponses() },
} as const;
