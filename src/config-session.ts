/**
 * The `session` section of the configuration schema: session mode (MSRP chat and Large
 * Message Mode, docs/session-mode.md). Kept apart from src/config.ts so the settings read
 * as one block; config.ts embeds it (and stays the only reader of process.env).
 */
import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const durationMs = z.number().int().min(0);

export const sessionSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe('Session mode: answer SIP INVITEs for MSRP chat and Large Message Mode (standalone and drachtio edges). Off: INVITE gets 405 and no MSRP port is opened.'),
  msrpHost: z.string().min(1).default('127.0.0.1').describe('Address the MSRP listener (TCP) binds.'),
  msrpPort: port.default(2855).describe('MSRP listener port; 0 picks a free one (the SDP answer names it).'),
  msrpsPort: port
    .default(2856)
    .describe('msrps (MSRP over TLS) listener port, opened only when tlsCertFile and tlsKeyFile are set; 0 picks a free one (the SDP answer names it).'),
  tlsCertFile: z.string().min(1).optional().describe('PEM certificate (chain) of the msrps listener. With tlsKeyFile set, offers of TCP/TLS/MSRP are answered with an msrps URI; unset: they get 488.'),
  tlsKeyFile: z.string().min(1).optional().describe('PEM private key of the msrps listener.'),
  tlsRejectUnauthorized: z
    .boolean()
    .default(true)
    .describe('When Herald opens an msrps connection (the offer said a=setup:passive), refuse a peer certificate that does not verify against the system CAs. An offer\'s a=fingerprint replaces this check: the certificate must match it.'),
  msrpPublicHost: z.string().min(1).optional().describe('Host put in Herald\'s MSRP URIs and SDP when behind NAT. Unset: msrpHost.'),
  maxMessageBytes: z
    .number()
    .int()
    .min(256)
    .default(65_536)
    .describe('Largest message accepted in a session, announced as SDP a=max-size; larger gets MSRP 413. The channel\'s own limit (SMS parts, email size) still applies.'),
  maxChunkBytes: z.number().int().min(256).default(65_536).describe('Largest MSRP chunk read; a chunk whose end-line is not found by then closes the connection.'),
  maxSessions: z.number().int().min(1).default(1_000).describe('MSRP sessions open at once on this node; past it an INVITE gets 503.'),
  idleTimeoutMs: durationMs.min(1_000).default(300_000).describe('An MSRP connection that carries nothing for this long is closed (then the session ends after reconnectGraceMs).'),
  reconnectGraceMs: durationMs.min(100).default(30_000).describe('How long a session outlives its lost (or never opened) MSRP connection, waiting for the peer to connect.'),
  transactionTimeoutMs: durationMs.min(100).default(30_000).describe('How long an MSRP SEND Herald sent waits for its response (RFC 4975 §7.1.1 suggests 30 s).'),
  bindTimeoutMs: durationMs.min(100).default(5_000).describe('A new MSRP connection must name its session within this long.'),
  minSeSeconds: z
    .number()
    .int()
    .min(1)
    .default(90)
    .describe('Session timers (RFC 4028): the smallest Session-Expires accepted, sent as Min-SE in a 422. RFC 4028 asks for at least 90; less is for tests.'),
  expiresSeconds: z
    .number()
    .int()
    .min(1)
    .default(1_800)
    .describe('Session timers (RFC 4028): the interval Herald answers a client that supports timers but names none; without a refresh (re-INVITE or UPDATE) in time Herald sends BYE.'),
}).refine((s) => (s.tlsCertFile === undefined) === (s.tlsKeyFile === undefined), {
  message: 'tlsCertFile and tlsKeyFile go together: set both for msrps, or neither',
  path: ['tlsKeyFile'],
});
