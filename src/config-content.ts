/**
 * The `media` and `groups` sections of the configuration schema: what Herald does with
 * non-text content for SMS recipients (REQ-CONTENT-*), and how page-mode groups (RFC 5365)
 * read on SMS and email (REQ-GROUP-2, REQ-GROUP-4). Kept apart from src/config.ts so these
 * settings read as one block; config.ts embeds them (and stays the only reader of process.env).
 */
import { z } from 'zod';

/** The `media` section. */
export const mediaSchema = z.strictObject({
  linkMode: z
    .boolean()
    .default(false)
    .describe('Non-text content (image/*, audio/*, video/*, application/*) to SMS: store it and send a link to it (GET /m/<token>) instead of refusing it with 415.'),
  linkTtlHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 365)
    .default(72)
    .describe('How long a media link works; after it, GET /m/<token> answers 410 Gone.'),
  publicBaseUrl: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http:// or https:// URL, e.g. https://herald.example.com')
    .optional()
    .describe('Base URL SMS recipients reach the HTTP server at, for media links. Unset: http://<http.host>:<http.port>.'),
});

/** The `groups` section. */
export const groupsSchema = z.strictObject({
  smsListLine: z
    .enum(['prefix', 'suffix', 'off'])
    .default('prefix')
    .describe('Where an SMS of a recipient-list MESSAGE names the other to/cc recipients (never bcc): a first line, a last line, or not at all.'),
  smsListTemplate: z
    .string()
    .regex(/\{list\}/, 'must contain {list}')
    .max(40)
    .default('To: {list}')
    .describe('The SMS list line; {list} is the other to/cc recipients, comma-separated.'),
  replyWindowMinutes: z
    .number()
    .int()
    .min(1)
    .default(1440)
    .describe('An SMS or email reply from a group member within this long after the group message is a reply to that group.'),
  replyToAll: z
    .boolean()
    .default(false)
    .describe('Also send a group reply to the other to/cc members of the group, each on their own channel (the IM sender always gets it).'),
});

export type MediaConfig = Readonly<z.infer<typeof mediaSchema>>;
export type GroupsConfig = Readonly<z.infer<typeof groupsSchema>>;
