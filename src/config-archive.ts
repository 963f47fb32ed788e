/**
 * The `archive` section of the configuration schema: the IMAP store every relayed message
 * (and its dispositions) is appended to. Kept apart from src/config.ts like the email
 * sections; config.ts embeds it and stays the only reader of process.env.
 *
 * Off unless `archive.host` is set: then no archive job is ever queued and /readyz says
 * `archive: none configured`.
 */
import { z } from 'zod';

const durationMs = z.number().int().min(0);
const port = z.number().int().min(1).max(65535);

/** The placeholders a folder template may use (see src/archive/folder.ts). */
export const ARCHIVE_FOLDER_PLACEHOLDERS = ['user', 'peer', 'domain', 'channel', 'direction', 'yyyy', 'mm', 'dd'] as const;

const folderTemplate = z
  .string()
  .min(1)
  .max(300)
  .refine((t) => !/[*%\u0000-\u001f\u007f]/u.test(t), 'must not contain *, % or control characters')
  .refine(
    (t) => [...t.matchAll(/\{([^}]*)\}/g)].every((m) => (ARCHIVE_FOLDER_PLACEHOLDERS as readonly string[]).includes(m[1] ?? '')),
    `placeholders are ${ARCHIVE_FOLDER_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  );

/** One archive account other than the default: for one IM user (`sip:…` URI) or a whole domain (tenant). */
const account = z.strictObject({
  user: z.string().min(1),
  username: z.string().min(1),
  password: z.string(),
  folder: folderTemplate.optional(),
});

/** The `archive` section. */
export const archiveSchema = z.strictObject({
  host: z.string().min(1).optional().describe('IMAP server of the archive. Unset: nothing is archived (no archive jobs).'),
  port: port.default(993).describe('Archive IMAP port (993 implicit TLS, 143 STARTTLS).'),
  secure: z.boolean().default(true).describe('Implicit TLS to the archive server. Off: plain connection, upgraded per archive.starttls.'),
  starttls: z.boolean().default(true).describe('Upgrade a non-secure archive connection with STARTTLS.'),
  tlsRejectUnauthorized: z.boolean().default(true).describe('Refuse archive server certificates that do not verify.'),
  username: z.string().min(1).optional().describe('Login of the one archive account (users without an entry in archive.accounts).'),
  password: z.string().optional().describe('Password of archive.username (never logged).'),
  accounts: z
    .array(account)
    .default([])
    .describe('Per-user or per-tenant archive accounts (JSON list of {user, username, password, folder}); `user` is an IM URI or a domain. The most specific match wins.'),
  folder: folderTemplate
    .default('Archive/{user}/{peer}')
    .describe('Folder template, `/` between levels; placeholders {user} {peer} {domain} {channel} {direction} {yyyy} {mm} {dd}. Folders are created on demand.'),
  domains: z
    .array(z.string().min(1))
    .default([])
    .describe('IM domains (tenants) whose users are archived. Empty: every domain.'),
  unlistedUsers: z
    .boolean()
    .default(false)
    .describe('Archive IM users that have no number-directory entry (listed users follow their archive_enabled).'),
  messageIdDomain: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/, 'must be a domain name')
    .optional()
    .describe('Right-hand side of archived Message-IDs (<message-id@domain>) and of tel: peers\' addresses. Unset: sip.domain.'),
  concurrency: z.number().int().min(1).max(1000).default(64).describe('Archive jobs each node runs at once (their APPENDs are batched per mailbox).'),
  maxConnections: z.number().int().min(1).max(100).default(4).describe('IMAP connections each node keeps to the archive at most (one per mailbox at a time).'),
  batchSize: z.number().int().min(1).max(500).default(50).describe('Most APPENDs one mailbox connection sends after one duplicate SEARCH.'),
  idleCloseMs: durationMs.default(60_000).describe('A mailbox connection with nothing to append is logged out after this long.'),
  connectionTimeoutMs: durationMs.default(15_000).describe('How long to wait for the archive connection and login.'),
  responseTimeoutMs: durationMs.min(100).default(30_000).describe('An archive command not answered within this long closes the connection (the job retries).'),
  delayMs: durationMs.default(1_000).describe('Archive jobs wait this long, so a message\'s quick succession of changes is archived in one run.'),
  retryMaxMs: durationMs.min(100).default(60_000).describe('Longest wait between tries while the archive server is unreachable (doubling from 1 s, with jitter).'),
  claimMs: durationMs.min(100).default(120_000).describe('A node archiving a message holds it this long at most; after a crash another node takes over then.'),
  sweepMs: durationMs.default(60_000).describe('How often messages due for archiving whose job is missing are queued again, and the lag metric refreshed.'),
});

export type ArchiveConfig = Readonly<z.infer<typeof archiveSchema>>;
