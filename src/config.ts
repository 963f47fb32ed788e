/**
 * Herald's configuration: one typed schema, read from an optional YAML/JSON file and from
 * environment variables (which win), validated once at boot and deep-frozen.
 *
 * This is the only module that reads process.env (it is passed in, so tests can too).
 * Every leaf setting has an environment variable: `DATABASE_URL` and `REDIS_URL` by their
 * conventional names, every other one `HERALD_` + its path in upper snake case
 * (`sip.udpPort` → `HERALD_SIP_UDP_PORT`). Lists are comma-separated; lists of objects
 * take JSON. The configuration reference (docs/configuration.md) is generated from this schema.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { heraldError } from './errors.js';
import { DEFAULT_LOG_BUFFER_BYTES } from './logger.js';
import { smppSchema } from './config-smpp.js';
import { imapSchema, smtpSchema } from './config-email.js';
import { archiveSchema } from './config-archive.js';
import { groupsSchema, mediaSchema } from './config-content.js';
import { sessionSchema } from './config-session.js';

const port = z.number().int().min(0).max(65535);
const durationMs = z.number().int().min(0);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL');
const redisUrl = z.string().regex(/^(rediss?:\/\/\S+|unix:\/\/\S+)$/, 'must be a redis://, rediss:// or unix:// URL');

/** IPv4/IPv6 network in CIDR notation, or a single address. */
const cidr = z
  .string()
  .regex(/^([0-9.]+|[0-9a-fA-F:]+)(\/\d{1,3})?$/, 'must be an IP address or CIDR network, e.g. 127.0.0.0/8');

const sipUri = z.string().regex(/^sips?:[^\s]+$/, 'must be a sip: or sips: URI');

export const configSchema = z.strictObject({
  dataDir: z
    .string()
    .min(1)
    .default('./data')
    .describe('Folder for embedded state: the PGlite ledger and a private Redis when one is started.'),
  databaseUrl: postgresUrl
    .optional()
    .describe('PostgreSQL connection URL. Unset: the embedded PGlite ledger under dataDir.'),
  databasePoolSize: z.number().int().min(1).max(200).default(10).describe('PostgreSQL connection pool size.'),
  redisUrl: redisUrl
    .optional()
    .describe(
      'Redis URL for the BullMQ queues. Unset: redis://127.0.0.1:6379 if it answers at the data folder\'s first start, else a private redis-server under dataDir; the choice is kept in dataDir/redis.json and the start line names it.',
    ),
  logLevel: logLevel.default('info').describe('pino log level.'),
  logFormat: z
    .enum(['auto', 'json', 'pretty'])
    .default('auto')
    .describe('Log lines as JSON (one object a line, for collectors) or pretty (coloured, human-readable, pino-pretty); auto: pretty when stdout is a terminal, else JSON.'),
  logBufferBytes: z
    .number()
    .int()
    .min(65_536)
    .default(DEFAULT_LOG_BUFFER_BYTES)
    .describe(
      'Most bytes of log lines held while stdout is blocked (a stuck log pipe); lines beyond are dropped, counted in herald_log_lines_dropped_total, and reported in one warning once stdout takes lines again.',
    ),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1').describe('Address the HTTP server (health, metrics, API) binds.'),
      port: port.default(8080).describe('HTTP port; 0 picks a free one.'),
    })
    .prefault({}),
  api: z
    .strictObject({
      sessionTtlSeconds: z
        .number()
        .int()
        .min(60)
        .default(28_800)
        .describe('Lifetime of a browser session (the cookie from POST /api/v1/session), in seconds.'),
      cookieSecure: z
        .boolean()
        .default(false)
        .describe('Mark session cookies Secure; turn on when browsers reach Herald over https (e.g. behind a TLS proxy).'),
      loginAttempts: z
        .number()
        .int()
        .min(1)
        .default(5)
        .describe('Failed logins one client address may make in a burst before POST /api/v1/session answers 429.'),
      loginRefillSeconds: z
        .number()
        .int()
        .min(1)
        .default(60)
        .describe('One more failed login is allowed per this many seconds, up to loginAttempts.'),
    })
    .prefault({}),
  shutdown: z
    .strictObject({
      deadlineMs: durationMs
        .default(15_000)
        .describe('On SIGTERM/SIGINT: how long in-flight work may take to drain before the process exits anyway.'),
    })
    .prefault({}),
  sip: z
    .strictObject({
      edge: z
        .enum(['standalone', 'drachtio'])
        .default('standalone')
        .describe('SIP edge: `standalone` (built-in stack) or `drachtio` (drachtio-server, production).'),
      host: z.string().min(1).default('127.0.0.1').describe('Address the standalone edge listens on.'),
      port: port.default(5060).describe('UDP and TCP port of the standalone edge.'),
      transports: z
        .array(z.enum(['udp', 'tcp']))
        .min(1)
        .default(['udp', 'tcp'])
        .describe('Transports the standalone edge listens on.'),
      publicAddress: z
        .string()
        .optional()
        .describe('Host[:port] put in Via/Contact when the edge is behind NAT. Unset: host and port.'),
      outboundProxy: sipUri.optional().describe('Send every outgoing MESSAGE through this proxy (e.g. sip:proxy.example.com:5060).'),
      identity: sipUri
        .default('sip:herald@localhost')
        .describe('The gateway\'s own SIP identity: the Sender header of the IMDNs and MO messages it sends (their From is whom it speaks for).'),
      domain: z
        .string()
        .min(1)
        .default('localhost')
        .describe('SIP domain of the gateway (host part of its URIs): IM users address numbers as sip:+E164@this domain, and SMS replies come from there.'),
      allowedNetworks: z
        .array(cidr)
        .default(['127.0.0.0/8', '::1/128'])
        .describe('Source networks allowed to send MESSAGE. Empty: no network check (then digest auth should be on).'),
      digestRealm: z.string().optional().describe('Turn on SIP digest authentication of senders with this realm.'),
      digestUsers: z
        .array(z.strictObject({ username: z.string().min(1), password: z.string().min(1) }))
        .default([])
        .describe('Digest credentials accepted when digestRealm is set (JSON list of {username,password}).'),
      digestAlgorithms: z
        .array(z.enum(['SHA-256', 'MD5']))
        .min(1)
        .default(['SHA-256', 'MD5'])
        .describe(
          'Digest algorithms offered, one challenge each, most preferred first (RFC 8760); MD5 is for old clients. Put MD5 first only for clients that read just the first challenge.',
        ),
      trustedProxyNetworks: z
        .array(cidr)
        .default([])
        .describe(
          'Proxies whose P-Asserted-Identity (RFC 3325) names the sender; from them no digest is asked. Empty: P-Asserted-Identity is ignored.',
        ),
      outboundUsername: z.string().optional().describe('Digest username Herald answers challenges to its own MESSAGEs with.'),
      outboundPassword: z.string().optional().describe('Digest password for outboundUsername.'),
      maxBodyBytes: z
        .number()
        .int()
        .min(256)
        .default(65_536)
        .describe('Largest MESSAGE body accepted (after inflating); larger gets 413 with the limit.'),
      maxInflatedBytes: z
        .number()
        .int()
        .min(256)
        .default(262_144)
        .describe('Cap on the inflated size of a deflate/gzip body (a compression bomb guard).'),
      sendTimeoutMs: durationMs.default(32_000).describe('How long one outgoing MESSAGE transaction may take (Timer F).'),
      tcpHeaderTimeoutMs: durationMs
        .min(100)
        .default(5_000)
        .describe('Standalone edge over TCP: time from a message\'s first byte to its last; slower connections are closed.'),
      tcpMaxConnectionsPerSource: z
        .number()
        .int()
        .min(1)
        .default(16)
        .describe('Standalone edge: open inbound TCP connections allowed per source address; more are closed at once.'),
      retryGiveUpMs: durationMs
        .default(3_600_000)
        .describe('Give up re-sending an outgoing MESSAGE (IMDN, MO relay) after this long.'),
      drachtio: z
        .strictObject({
          mode: z
            .enum(['inbound', 'outbound'])
            .default('inbound')
            .describe('inbound: Herald connects to drachtio-server\'s admin port; outbound: drachtio-server connects to Herald.'),
          host: z.string().default('127.0.0.1').describe('drachtio-server admin host (inbound mode; outbound mode sends through it).'),
          port: port.default(9022).describe('drachtio-server admin port (inbound), or the port Herald listens on (outbound).'),
          adminPort: port
            .default(9022)
            .describe('Outbound mode: drachtio-server admin port Herald keeps a connection to for the MESSAGEs it sends (drachtio-server connects to Herald only when a request arrives).'),
          secret: z
            .string()
            .min(1)
            .optional()
            .describe('Shared secret of the drachtio-server admin connection; required with the drachtio edge (no built-in default).'),
        })
        .prefault({}),
    })
    .prefault({}),
  routing: z
    .strictObject({
      emailDomains: z
        .array(z.string().min(1))
        .default([])
        .describe('SIP URIs in these domains (sip:bob@example.com) go to email as bob@example.com.'),
      defaultCountryCode: z
        .string()
        .regex(/^\d{1,3}$/, 'must be 1 to 3 digits')
        .optional()
        .describe('Country code prefixed to national numbers (no +) when routing to SMS.'),
    })
    .prefault({}),
  queues: z
    .strictObject({
      prefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
        .default('herald')
        .describe('Redis key prefix of every queue; gateways sharing one Redis and one database use the same prefix.'),
      concurrency: z.number().int().min(1).max(1000).default(32).describe('Jobs each worker runs at once, per queue (sms-submit: queues.smsConcurrency).'),
      smsConcurrency: z
        .number()
        .int()
        .min(1)
        .max(5000)
        .default(512)
        .describe(
          'sms-submit jobs each node runs at once. Most of a job is waiting (for the SMSC\'s resp, for the ledger\'s group commit), and the more run at once the more the ledger batches: at carrier rates this, not CPU, bounds throughput. The bind windows bound what is in flight at the SMSC.',
        ),
      stalledIntervalMs: durationMs
        .default(30_000)
        .describe('How often jobs of a crashed worker are looked for and retried.'),
      strandedSweepMs: durationMs
        .default(60_000)
        .describe(
          'How often deliveries waiting for a channel job (accepted or queued, older than 10 s) are checked against the queue; those whose job is missing (a crash before enqueuing, Redis data lost) or ended without moving them are queued again.',
        ),
    })
    .prefault({}),
  abuse: z
    .strictObject({
      denyPrefixes: z
        .array(z.string().regex(/^\+\d{1,15}$/, 'must be + and digits'))
        .default(['+1900', '+1976', '+449', '+4487', '+4470', '+3390', '+4990', '+39899'])
        .describe('SMS destinations refused with 403 (premium-rate ranges by default); the longest matching allow/deny prefix wins.'),
      allowPrefixes: z
        .array(z.string().regex(/^\+\d{1,15}$/, 'must be + and digits'))
        .default([])
        .describe('When set, only SMS destinations under these prefixes are allowed.'),
      allowShortCodes: z
        .boolean()
        .default(false)
        .describe('Allow SMS to short codes (national numbers of 6 digits or fewer), which premium services use.'),
      senderPerMinute: z
        .number()
        .int()
        .min(0)
        .default(600)
        .describe('MESSAGEs one sender may send per minute across all nodes (0: no limit); past it, 403 with Retry-After.'),
      destinationPrefixLimits: z
        .array(z.strictObject({ prefix: z.string().regex(/^\+\d{1,15}$/), perMinute: z.number().int().min(1) }))
        .default([])
        .describe('Per-destination-prefix SMS rate limits per minute (JSON list of {prefix, perMinute}), against SMS pumping.'),
    })
    .prefault({}),
  ingress: z
    .strictObject({
      backlogLimit: z
        .number()
        .int()
        .min(1)
        .default(100_000)
        .describe('Deliveries and IMDNs waiting in the queues (a job that carries many deliveries counts each) above which SIP ingress answers 503 with Retry-After.'),
      retryAfterSeconds: z.number().int().min(1).default(10).describe('Retry-After sent with a 503.'),
      maxRecipients: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(20)
        .describe('Most recipients of one recipient-list MESSAGE (RFC 5365); a longer list gets 413 with the limit.'),
    })
    .prefault({}),
  smpp: smppSchema.prefault({}),
  smtp: smtpSchema.prefault({}),
  imap: imapSchema.prefault({}),
  archive: archiveSchema.prefault({}),
  media: mediaSchema.prefault({}),
  groups: groupsSchema.prefault({}),
  session: sessionSchema.prefault({}),
  imdn: z
    .strictObject({
      retentionDays: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'Days an IMDN stays owed: a report on a message accepted longer ago yields no IMDN, and sent/failed notification rows older than this are deleted. Unset: kept forever (REQ-DISNOT-3).',
        ),
      groupSummary: z
        .boolean()
        .default(false)
        .describe('Also send one aggregated delivery IMDN for a multi-recipient message once every recipient is final.'),
      sweepMs: durationMs
        .default(30_000)
        .describe('How often deliveries missing their IMDNs and IMDNs without a queued job are looked for (crash safety).'),
      inlineMaxInFlight: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(2000)
        .describe(
          'First IMDN attempts this process makes at once, each one SIP transaction; beyond that they go through the imdn-send queue (a job each on Redis).',
        ),
      routeAllow: z
        .array(z.string().regex(/^([0-9.]+|[0-9a-fA-F:]+)(\/\d{1,3})?$|^\*?\.?[A-Za-z0-9.-]+$/, 'must be a domain, *.domain, an IP address or a CIDR network'))
        .default([])
        .describe(
          'Where an imdn.IMDN-Record-Route may send IMDNs: domains (*.example.com for subdomains), addresses or CIDR networks. The sender\'s own domain is always allowed; a route elsewhere is ignored and logged.',
        ),
    })
    .prefault({}),
});

export type HeraldConfig = Readonly<z.infer<typeof configSchema>>;

const ENV_ALIASES: Readonly<Record<string, string>> = {
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
};

/** One settable leaf of the schema: where it lives, its env name, its type and default. */
export interface SettingInfo {
  readonly path: readonly string[];
  readonly env: string;
  readonly kind: 'string' | 'number' | 'boolean' | 'enum' | 'list' | 'json';
  readonly description: string;
  readonly defaultValue: unknown;
  readonly choices?: readonly string[] | undefined;
}

export function envNameFor(path: readonly string[]): string {
  const key = path.join('.');
  const alias = ENV_ALIASES[key];
  if (alias !== undefined) return alias;
  return 'HERALD_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
}

interface ZodDefLike {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly element?: z.ZodType;
  readonly entries?: Record<string, string>;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { def: ZodDefLike }).def;
}

/** Lists every leaf setting of the schema, in declaration order. */
export function listSettings(schema: z.ZodObject = configSchema, prefix: readonly string[] = []): SettingInfo[] {
  const out: SettingInfo[] = [];
  for (const [key, child] of Object.entries(schema.shape) as [string, z.ZodType][]) {
    const path = [...prefix, key];
    let node = child;
    let description = child.description ?? '';
    let defaultValue: unknown;
    for (;;) {
      const def = defOf(node);
      if (def.type === 'default') defaultValue = def.defaultValue;
      if ((def.type === 'default' || def.type === 'optional' || def.type === 'prefault') && def.innerType) {
        node = def.innerType;
        description ||= node.description ?? '';
        continue;
      }
      break;
    }
    const def = defOf(node);
    if (def.type === 'object') {
      out.push(...listSettings(node as z.ZodObject, path));
      continue;
    }
    let kind: SettingInfo['kind'] = 'string';
    let choices: string[] | undefined;
    if (def.type === 'number') kind = 'number';
    else if (def.type === 'boolean') kind = 'boolean';
    else if (def.type === 'enum') {
      kind = 'enum';
      choices = Object.values(def.entries ?? {});
    } else if (def.type === 'array') {
      const element = def.element ? defOf(def.element) : undefined;
      kind = element?.type === 'object' ? 'json' : 'list';
      if (element?.type === 'enum') choices = Object.values(element.entries ?? {});
    }
    out.push({ path, env: envNameFor(path), kind, description, defaultValue, choices });
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** Turns one environment string into the value its setting expects; undefined = invalid. */
function coerceEnv(setting: SettingInfo, raw: string): unknown {
  switch (setting.kind) {
    case 'number': {
      const n = Number(raw.trim());
      return raw.trim() === '' || !Number.isFinite(n) ? raw : n;
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      return raw;
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'json':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Path of a YAML or JSON file; `HERALD_CONFIG` is used when not given. */
  readonly file?: string | undefined;
}

/**
 * Reads and validates the configuration.
 * @throws GW_ERR_CONFIG_FILE when the file cannot be read or parsed;
 *   GW_ERR_CONFIG_INVALID listing every bad setting, one per line, each naming its
 *   environment variable and path.
 */
export function loadConfig(options: LoadConfigOptions = {}): HeraldConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? env.HERALD_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file !== undefined && file !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw heraldError('GW_ERR_CONFIG_FILE', `${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const parsed: unknown = parseYaml(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('top level must be a mapping');
        raw = parsed as Record<string, unknown>;
      }
    } catch (err) {
      throw heraldError('GW_ERR_CONFIG_FILE', `${file}: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
    }
  }
  const settings = listSettings();
  for (const setting of settings) {
    const value = env[setting.env];
    if (value !== undefined && value !== '') setPath(raw, setting.path, coerceEnv(setting, value));
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const setting = settings.find((s) => path.join('.').startsWith(s.path.join('.')));
      const name = setting ? `${setting.env} (${setting.path.join('.')})` : path.join('.') || '(top level)';
      return `${name}: ${issue.message}`;
    });
    throw heraldError('GW_ERR_CONFIG_INVALID', lines.join('\n'), { meta: { problems: lines } });
  }
  const crossed = crossProblems(result.data);
  if (crossed.length > 0) throw heraldError('GW_ERR_CONFIG_INVALID', crossed.join('\n'), { meta: { problems: crossed } });
  return deepFreeze(result.data);
}

/**
 * Rules that tie settings together, each naming the setting to set. A secret has no
 * built-in default: a well-known one lets anyone pose as drachtio-server and choose the
 * source address Herald trusts.
 */
function crossProblems(config: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  if (config.sip.edge === 'drachtio' && config.sip.drachtio.secret === undefined) {
    const path = ['sip', 'drachtio', 'secret'];
    problems.push(`${envNameFor(path)} (${path.join('.')}): required with the drachtio edge (the <admin secret> of drachtio.conf.xml); there is no built-in default`);
  }
  return problems;
}
