/**
 * What the fault tests share (their vitest hooks are in fault-rig.ts): an IM
 * user (Herald's standalone SIP edge in this process, sending MESSAGEs and receiving the
 * IMDNs and relayed replies that come back), a steady-rate load of CPIM MESSAGEs, the
 * gateway's environment around the SMSC simulator, and the checks against the ledger
 * afterwards (every acknowledged message final; duplicates counted).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../adapters/sip/index.js';
import { parseImdn, type Imdn } from '../../src/codecs/imdn.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { SipFinalResponse } from '../../src/ports/sip-edge.port.js';
import type { SmscSimulator } from '../sim/smsc-sim.js';

/** The shared Redis, for the tests that do not restart theirs. */
export const SHARED_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One MESSAGE the load sent and what became of it at the SIP level. */
export interface SentMessage {
  readonly index: number;
  /** Unique per message: how the simulator's records and the ledger rows are matched. */
  readonly text: string;
  readonly imdnMessageId: string;
  readonly number: string;
  /** The final status, or 0 when the transaction failed (timeout, transport error). */
  status: number;
  retryAfter?: string | undefined;
  warning?: string | undefined;
  /** Which gateway it went to (scale-out). */
  readonly target: number;
  readonly sentAt: number;
}

/** One IMDN the IM user received. */
export interface ReceivedImdn {
  readonly imdn: Imdn;
  /** The IMDN's own imdn.Message-ID (its CPIM header): one per IMDN, the same on a resend. */
  readonly ownMessageId: string | undefined;
  readonly at: number;
}

/** One MESSAGE the IM user received that is not an IMDN (a relayed email reply). */
export interface ReceivedText {
  readonly from: string;
  readonly body: string;
  readonly at: number;
}

export interface ImUser {
  readonly edge: StandaloneSipEdge;
  /** The sender URI, with the port IMDNs come back to. */
  readonly uri: string;
  readonly imdns: ReceivedImdn[];
  readonly texts: ReceivedText[];
  /** IMDNs per imdn.Message-ID and `type/status`. */
  imdnCounts(): Map<string, Map<string, number>>;
  stop(): Promise<void>;
}

/**
 * Starts an IM user on a free port. Its transactions time out after `sendTimeoutMs`
 * (short, so a MESSAGE to a dead gateway ends quickly and counts as not acknowledged).
 */
export async function startImUser(sendTimeoutMs = 4_000): Promise<ImUser> {
  const config = loadConfig({ env: { HERALD_SIP_PORT: '0', HERALD_SIP_SEND_TIMEOUT_MS: String(sendTimeoutMs) } });
  const edge = createStandaloneEdge(config.sip, createLogger('silent'));
  const imdns: ReceivedImdn[] = [];
  const texts: ReceivedText[] = [];
  await edge.start(async (request) => {
    const text = request.body.toString('utf8');
    const xml = /<\?xml[\s\S]*<\/imdn>/.exec(text)?.[0];
    if (xml !== undefined) imdns.push({ imdn: parseImdn(xml), ownMessageId: /^imdn\.Message-ID:\s*(\S+)/m.exec(text)?.[1], at: Date.now() });
    else texts.push({ from: request.from.uri, body: text, at: Date.now() });
    return { status: 200, reason: 'OK' };
  });
  const uri = `sip:alice@127.0.0.1:${edge.address().port}`;
  return {
    edge,
    uri,
    imdns,
    texts,
    imdnCounts() {
      const out = new Map<string, Map<string, number>>();
      for (const { imdn } of imdns) {
        const kinds = out.get(imdn.messageId) ?? new Map<string, number>();
        const kind = `${imdn.notification.type}/${imdn.notification.status}`;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        out.set(imdn.messageId, kinds);
      }
      return out;
    },
    stop: () => edge.stop(),
  };
}

/** A CPIM MESSAGE body asking for the given IMDNs. */
export function cpimBody(from: string, to: string, imdnMessageId: string, text: string, requests: string): string {
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    `DateTime: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}`,
    'NS: imdn <urn:ietf:params:imdn>',
    `imdn.Message-ID: ${imdnMessageId}`,
    `imdn.Disposition-Notification: ${requests}`,
    '',
    'Content-Type: text/plain;charset=UTF-8',
    '',
    text,
  ].join('\r\n');
}

export interface LoadOptions {
  readonly user: ImUser;
  /** SIP ports of the gateways; message i goes to ports[i % ports.length]. */
  readonly ports: () => readonly number[];
  readonly ratePerSecond: number;
  /** Stop sending when this resolves true (checked before each MESSAGE) or after `maxMessages`. */
  readonly until: () => boolean;
  readonly maxMessages?: number;
  /** IMDNs asked for. @defaultValue 'positive-delivery, negative-delivery' */
  readonly requests?: string;
  /** A label inside every text, so two runs never share one. */
  readonly label: string;
  /** Most MESSAGEs waiting for their answer at once. @defaultValue 200 */
  readonly maxInFlight?: number;
  /**
   * The recipient of message i as `user@host` (e.g. an email address routed to email).
   * Unset: +1555 plus seven digits at the gateway, routed to SMS.
   */
  readonly recipient?: (index: number) => string;
}

function headerOf(response: SipFinalResponse, name: string): string | undefined {
  return response.headers[name]?.[0];
}

/**
 * Sends MESSAGEs at a steady rate until told to stop, and resolves once every one has its
 * answer (or its transaction failed). Numbers are +1555 plus seven digits: routable to
 * SMS, not a premium range or a short code.
 */
export async function runLoad(options: LoadOptions): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.ratePerSecond;
  const started = Date.now();
  const limit = options.maxMessages ?? Number.POSITIVE_INFINITY;
  for (let index = 0; index < limit && !options.until(); index++) {
    // Paced from the start time, not from the previous send: a slow answer does not slow
    // the offered load down (it is not a closed loop).
    const due = started + index * intervalMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    while (inFlight.size >= (options.maxInFlight ?? 200)) await Promise.race(inFlight);
    const ports = options.ports();
    const target = index % ports.length;
    const port = ports[target] ?? 0;
    const number = `+1555${String(1_000_000 + index).padStart(7, '0')}`;
    const recipient = options.recipient?.(index);
    // A recipient in another domain is addressed as such and routed to the gateway by a
    // loose Route (RFC 3261 §16.12), as an IM client's outbound proxy would.
    const requestUri = recipient === undefined ? `sip:${number}@127.0.0.1:${port}` : `sip:${recipient}`;
    const toUri = recipient === undefined ? `sip:${number}@127.0.0.1` : `sip:${recipient}`;
    const message: SentMessage = {
      index,
      text: `fault ${options.label} #${index}`,
      imdnMessageId: `${options.label}-${index}-${randomBytes(3).toString('hex')}`,
      number,
      status: 0,
      target,
      sentAt: Date.now(),
    };
    sent.push(message);
    const send = options.user.edge
      .send({
        requestUri,
        from: { uri: options.user.uri },
        to: { uri: toUri },
        contentType: 'message/cpim',
        body: cpimBody(options.user.uri, toUri, message.imdnMessageId, message.text, options.requests ?? 'positive-delivery, negative-delivery'),
        headers: recipient === undefined ? undefined : { Route: `<sip:127.0.0.1:${port};lr>` },
      })
      .then((response) => {
        message.status = response.status;
        message.retryAfter = headerOf(response, 'retry-after');
        message.warning = headerOf(response, 'warning');
      })
      .catch(() => {
        message.status = 0;
      })
      .finally(() => inFlight.delete(send));
    inFlight.add(send);
  }
  await Promise.all(inFlight);
  return sent;
}

/** Status counts of a load run, e.g. `{202: 310, 503: 12, 0: 4}`, for failure messages. */
export function statusCounts(sent: readonly SentMessage[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const message of sent) out[message.status] = (out[message.status] ?? 0) + 1;
  return out;
}

export interface LedgerRow {
  readonly text: string;
  readonly state: string;
  readonly errorCode: string | null;
}

/** Reads every MT delivery of the ledger with its message text. */
export async function ledgerRows(databaseUrl: string): Promise<Map<string, LedgerRow>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ body: Buffer; state: string; error_code: string | null }>(
      "select m.body, d.state, d.error_code from messages m join deliveries d on d.message_id = m.id where m.direction = 'mt'",
    );
    return new Map(
      result.rows.map((row) => {
        const text = row.body.toString('utf8');
        return [text, { text, state: row.state, errorCode: row.error_code }];
      }),
    );
  } finally {
    await client.end();
  }
}

const FINAL = new Set(['delivered', 'failed', 'expired', 'rejected', 'cancelled']);

/**
 * Waits until every given text's delivery is final in the ledger; resolves the rows.
 * Fails with the texts still open (and their states) after `timeoutMs`.
 */
export async function waitAllFinal(databaseUrl: string, texts: readonly string[], timeoutMs: number): Promise<Map<string, LedgerRow>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let rows: Map<string, LedgerRow> | undefined;
    try {
      rows = await ledgerRows(databaseUrl);
    } catch {
      rows = undefined; // the database may be coming back; try again
    }
    const open = rows === undefined ? texts : texts.filter((text) => !FINAL.has(rows.get(text)?.state ?? 'missing'));
    if (rows !== undefined && open.length === 0) return rows;
    if (Date.now() > deadline) {
      const detail = open.slice(0, 10).map((text) => `${text}: ${rows?.get(text)?.state ?? 'missing'}`);
      throw new Error(`${open.length} of ${texts.length} acknowledged messages not final after ${timeoutMs} ms: ${detail.join('; ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Submits the simulator accepted per text (how many times each message reached the SMSC). */
export function submitsPerText(sim: SmscSimulator): Map<string, number> {
  const out = new Map<string, number>();
  for (const submit of sim.submits) {
    if (submit.text === undefined) continue;
    out.set(submit.text, (out.get(submit.text) ?? 0) + 1);
  }
  return out;
}

/** What a fault test may change in a gateway's environment. */
export interface GatewayEnvOptions {
  /** The ESME's system_id at the simulator. @defaultValue 'herald' */
  readonly systemId?: string;
  /** Overrides of the one SMPP connection's settings (windowSize, binds, submitTimeoutMs…). */
  readonly connection?: Readonly<Record<string, unknown>>;
  /** Further variables, applied last. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** The environment of a gateway process bound to the simulator, for the fault tests. */
export function gatewayEnv(
  options: GatewayEnvOptions & {
    readonly databaseUrl: string;
    readonly redisUrl: string;
    readonly prefix: string;
    readonly smscPort: number;
  },
): Record<string, string> {
  return {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    HERALD_QUEUES_PREFIX: options.prefix,
    HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
    // info at least: startGatewayProcess reads the real ports from the `herald started` line.
    HERALD_LOG_LEVEL: process.env.HERALD_FAULT_LOG_LEVEL ?? 'info',
    // The load comes from one sender far faster than a person types.
    HERALD_ABUSE_SENDER_PER_MINUTE: '0',
    // Sweeps and stalled-job checks tick fast so recovery fits a test's time budget.
    HERALD_QUEUES_STALLED_INTERVAL_MS: '2000',
    HERALD_QUEUES_STRANDED_SWEEP_MS: '2000',
    HERALD_IMDN_SWEEP_MS: '2000',
    HERALD_SMPP_RECEIPT_SWEEP_MS: '1000',
    HERALD_SIP_SEND_TIMEOUT_MS: '4000',
    HERALD_SMPP_CONNECTIONS: JSON.stringify([
      {
        id: 'smsc1',
        host: '127.0.0.1',
        port: options.smscPort,
        systemId: options.systemId ?? 'herald',
        password: 'secret',
        binds: 1,
        windowSize: 10,
        maxPerSecond: 1000,
        enquireLinkMs: 5000,
        submitTimeoutMs: 3000,
        reconnect: { minMs: 200, maxMs: 2000 },
        ...options.connection,
      },
    ]),
    ...options.extra,
  };
}

/** GET /readyz: its status code and checks (undefined when nothing answers). */
export async function readyz(httpUrl: string): Promise<{ status: number; checks: Record<string, string> } | undefined> {
  try {
    const response = await fetch(`${httpUrl}/readyz`, { signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { checks?: Record<string, string> };
    return { status: response.status, checks: body.checks ?? {} };
  } catch {
    return undefined;
  }
}

/** One /readyz answer: asked at `at`, answered at `doneAt` (a loaded machine may take seconds). */
export interface ReadinessSample {
  readonly at: number;
  readonly doneAt: number;
  readonly status: number;
  readonly checks: Record<string, string>;
}

/**
 * Polls /readyz every `everyMs` until stopped. `during(from, to)` keeps the samples asked
 * and answered inside a window, so none straddles the start or the end of an outage.
 */
export function watchReadiness(httpUrl: () => string, everyMs = 500): { readonly seen: ReadinessSample[]; during(from: number, to: number): ReadinessSample[]; stop(): void } {
  const seen: ReadinessSample[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      const at = Date.now();
      const report = await readyz(httpUrl());
      if (report !== undefined && !stopped) seen.push({ at, doneAt: Date.now(), ...report });
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    seen,
    during: (from, to) => seen.filter((sample) => sample.at > from && sample.doneAt < to),
    stop() {
      stopped = true;
    },
  };
}

/** The notification rows of messages (by their imdn.Message-ID), to explain a missing IMDN. */
export async function notificationRows(databaseUrl: string, imdnMessageIds: readonly string[]): Promise<string[]> {
  if (imdnMessageIds.length === 0) return [];
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ imdn: string; state: string; kind: string | null; status: string | null; n_state: string | null; attempts: number | null }>(
      `select m.imdn_message_id as imdn, d.state, n.kind, n.status, n.state as n_state, n.attempts
         from messages m join deliveries d on d.message_id = m.id left join notifications n on n.delivery_id = d.id
        where m.imdn_message_id = any($1)`,
      [imdnMessageIds],
    );
    return result.rows.map((r) => `${r.imdn}: delivery ${r.state}, notification ${r.kind ?? '-'}/${r.status ?? '-'} ${r.n_state ?? 'none'} (${r.attempts ?? 0} attempts)`);
  } finally {
    await client.end();
  }
}

/**
 * Waits until `has(message)` holds for every message, up to `timeoutMs`; resolves those
 * for which it still does not.
 */
export async function waitEach<T>(items: readonly T[], has: (item: T) => boolean, timeoutMs: number): Promise<T[]> {
  const deadline = Date.now() + timeoutMs;
  let missing = items.filter((item) => !has(item));
  while (missing.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    missing = missing.filter((item) => !has(item));
  }
  return missing;
}

/** When an outage of {@link loadThroughOutage} happened. */
export interface OutageWindow {
  /** Right after `cut` returned. */
  readonly start: number;
  /** Right before `restore` was called: a service answers a little before restore() has seen it answer. */
  readonly restoring: number;
  /** Right after `restore` returned. */
  readonly end: number;
}

export interface OutageRun {
  readonly sent: SentMessage[];
  readonly outage: OutageWindow;
  /** /readyz samples over the whole run. */
  readonly readiness: { readonly seen: ReadinessSample[]; during(from: number, to: number): ReadinessSample[] };
}

/**
 * The shape every outage test shares: a steady load and a /readyz watch on one gateway,
 * `beforeMs` of normal work, `cut()`, `outageMs` down (with `during()` running meanwhile,
 * when given), `restore()`, `afterMs` of normal work, then the load stops and every
 * MESSAGE has its answer.
 */
export async function loadThroughOutage(options: {
  readonly load: Omit<LoadOptions, 'until'>;
  readonly httpUrl: string;
  readonly beforeMs: number;
  readonly outageMs: number;
  readonly afterMs: number;
  cut(): void | Promise<void>;
  during?(): Promise<void>;
  restore(): void | Promise<void>;
}): Promise<OutageRun> {
  const readiness = watchReadiness(() => options.httpUrl);
  let stopLoad = false;
  const load = runLoad({ ...options.load, until: () => stopLoad });
  try {
    await new Promise((resolve) => setTimeout(resolve, options.beforeMs));
    await options.cut();
    const start = Date.now();
    await Promise.all([new Promise((resolve) => setTimeout(resolve, options.outageMs)), options.during?.()]);
    const restoring = Date.now();
    await options.restore();
    const end = Date.now();
    await new Promise((resolve) => setTimeout(resolve, options.afterMs));
    return { sent: await stopAnd(load), outage: { start, restoring, end }, readiness };
  } finally {
    // Also when a step threw: no load or poller may outlive the test.
    stopLoad = true;
    await load.catch(() => undefined);
    readiness.stop();
  }

  function stopAnd(running: Promise<SentMessage[]>): Promise<SentMessage[]> {
    stopLoad = true;
    return running;
  }
}
