/** Schemas of /api/v1/directory. */
import { NEXT_CURSOR, PAGING_PROPERTIES, problemResponses } from '../common-schemas.js';
import { DISPLAY_NAME_MAX, EMAIL_MAX, EMAIL_PATTERN, IM_URI_MAX, IM_URI_PATTERN, MSISDN_PATTERN } from './entry-rules.js';

export const DIRECTORY_ENTRY_SCHEMA = {
  $id: 'DirectoryEntry',
  type: 'object',
  required: ['imUri', 'msisdn', 'email', 'displayName', 'archiveEnabled'],
  properties: {
    imUri: { type: 'string' },
    msisdn: { type: ['string', 'null'], description: 'E.164 with +.' },
    email: { type: ['string', 'null'] },
    displayName: { type: ['string', 'null'] },
    archiveEnabled: { type: 'boolean', description: 'Archive this user\'s conversations to IMAP.' },
  },
} as const;

const IM_URI_PARAMS = {
  type: 'object',
  required: ['imUri'],
  properties: {
    imUri: { type: 'string', pattern: IM_URI_PATTERN, maxLength: IM_URI_MAX, description: 'URL-encoded, e.g. sip%3Aalice%40example.com' },
  },
} as const;

export const LIST_DIRECTORY_SCHEMA = {
  tags: ['directory'],
  summary: 'List number directory entries',
  description: 'Ordered by IM URI.',
  querystring: { type: 'object', additionalProperties: false, properties: { ...PAGING_PROPERTIES } },
  response: {
    200: {
      description: 'One page.',
      type: 'object',
      required: ['items', 'nextCursor'],
      properties: { items: { type: 'array', items: { $ref: 'DirectoryEntry#' } }, nextCursor: NEXT_CURSOR },
    },
    ...problemResponses(400),
  },
} as const;

export const GET_ENTRY_SCHEMA = {
  tags: ['directory'],
  summary: 'One directory entry',
  params: IM_URI_PARAMS,
  response: { 200: { description: 'The entry.', $ref: 'DirectoryEntry#' }, ...problemResponses(400, 404) },
} as const;

export const PUT_ENTRY_SCHEMA = {
  tags: ['directory'],
  summary: 'Create or replace a directory entry',
  description: 'Fields left out are cleared (archiveEnabled: false). An MSISDN or email of another IM user is 409.',
  params: IM_URI_PARAMS,
  body: {
    type: 'object',
    additionalProperties: false,
    properties: {
      msisdn: { type: ['string', 'null'], pattern: MSISDN_PATTERN },
      email: { type: ['string', 'null'], pattern: EMAIL_PATTERN, maxLength: EMAIL_MAX },
      displayName: { type: ['string', 'null'], maxLength: DISPLAY_NAME_MAX },
      archiveEnabled: { type: 'boolean', default: false },
    },
  },
  response: {
    200: { description: 'Replaced.', $ref: 'DirectoryEntry#' },
    201: { description: 'Created.', $ref: 'DirectoryEntry#' },
    ...problemResponses(400, 409),
  },
} as const;

export const DELETE_ENTRY_SCHEMA = {
  tags: ['directory'],
  summary: 'Delete a directory entry',
  params: IM_URI_PARAMS,
  response: { 204: { description: 'Deleted.', type: 'null' }, ...problemResponses(400, 404) },
} as const;

export const IMPORT_SCHEMA = {
  tags: ['directory'],
  summary: 'Import directory entries from CSV (all or nothing)',
  description:
    'Header `im_uri,msisdn,email,display_name,archive_enabled` (any order; only im_uri is required). ' +
    'Each row creates or replaces the entry of its im_uri; entries not in the file are kept. Every row is checked ' +
    'first and every problem is reported with its line (400); if the database refuses a row (its MSISDN or email ' +
    'belongs to another IM user), nothing is written and that line is reported (409).',
  body: { content: { 'text/csv': { schema: { type: 'string' } } } },
  response: {
    200: {
      description: 'Imported.',
      type: 'object',
      required: ['imported'],
      properties: { imported: { type: 'integer', description: 'Rows written.' } },
    },
    ...problemResponses(400, 409, 413, 415),
  },
} as const;

export const EXPORT_SCHEMA = {
  tags: ['directory'],
  summary: 'Export the whole directory as CSV',
  description: 'The same columns the import takes, so an export can be edited and imported again.',
  response: {
    200: { description: 'CSV, header first.', content: { 'text/csv': { schema: { type: 'string' } } } },
    ...problemResponses(),
  },
} as const;
