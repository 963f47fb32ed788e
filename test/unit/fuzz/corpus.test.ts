/**
 * Fuzzing from a saved corpus (issue 11): every file under test/fuzz/corpus/ and the codec
 * fixtures under test/fixtures/ goes to every codec, as it is and as fast-check mutations
 * of it (bit flips, truncations, duplications, deletions, inserted bytes and spliced
 * protocol tokens). A codec must return or throw a HeraldError — never another exception —
 * and answer each input within MAX_MS (a hang/ReDoS guard, not a benchmark).
 *
 * Then the SIP ingress pipeline, with a real PGlite ledger and a recording job queue,
 * gets mutated MESSAGE requests built from the corpus's raw SIP requests: every reply is a
 * 2xx/4xx/5xx with a reason, nothing escapes, and every 202 has its ledger rows.
 *
 * Runs are bounded and seeded so CI is repeatable; explore further with
 *   HERALD_FUZZ_SEED=$RANDOM HERALD_FUZZ_SCALE=20 npx vitest run test/unit/fuzz
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeContentEncoding } from '../../../src/codecs/content-encoding.js';
import { parseCpim } from '../../../src/codecs/cpim.js';
import { parseDsn } from '../../../src/codecs/dsn.js';
import { parseEmailReply } from '../../../src/codecs/email-reply.js';
import { parseImdn } from '../../../src/codecs/imdn.js';
import { parseIsComposing } from '../../../src/codecs/is-composing.js';
import { parseMdn } from '../../../src/codecs/mdn.js';
import { parseMimeMessage } from '../../../src/codecs/mime.js';
import { parseMultipart } from '../../../src/codecs/multipart.js';
import { parseResourceLists } from '../../../src/codecs/resource-lists.js';
import { parseXml } from '../../../src/codecs/safe-xml.js';
import { decodeSmsText, parseUdh } from '../../../src/codecs/sms-segments.js';
import { parseReceiptText } from '../../../src/codecs/smpp-receipt.js';
import { loadConfig } from '../../../src/config.js';
import type { JobName, JobPayloads } from '../../../src/domain/jobs.js';
import { isHeraldError } from '../../../src/errors.js';
import { createIngress, type Ingress } from '../../../src/ingress/ingress.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { EnqueueOptions, JobQueue } from '../../../src/ports/job-queue.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import type { SipIncomingRequest, SipNameAddr } from '../../../src/ports/sip-edge.port.js';
import { createTempDataDir, type TempDataDir } from '../../helpers/pglite.js';

const TEST_DIR = path.resolve(import.meta.dirname, '../..');
const CORPUS = path.join(TEST_DIR, 'fuzz/corpus');
const FIXTURES = path.join(TEST_DIR, 'fixtures');

/** One input taking longer than this is a hang or a ReDoS, whatever the machine's load. */
const MAX_MS = 2_000;
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? 20_261_126);
/** Multiplies every run count: 1 keeps the whole file well under 20 s in CI. */
const SCALE = Math.max(1, Number(process.env.HERALD_FUZZ_SCALE ?? 1));
/** Mutations per (codec, seed file) when the file belongs to the codec's own corpus… */
const OWN_RUNS = 24 * SCALE;
/** …and when it is another codec's file (cross-feeding finds confused-format bugs). */
const CROSS_RUNS = 3 * SCALE;
const INGRESS_RUNS = 250 * SCALE;
/** Duplications can grow an input geometrically; past this it only measures memcpy. */
const MAX_MUTANT_BYTES = 4 * 1024 * 1024;

// --- seeds ------------------------------------------------------------------------------------

interface Seed {
  /** Corpus folder (codec) the file belongs to, e.g. `cpim`, `safe-xml`, `sip`. */
  readonly group: string;
  readonly name: string;
  readonly bytes: Buffer;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory() ? filesUnder(full) : [full];
    });
}

function loadSeeds(): Seed[] {
  const corpus = filesUnder(CORPUS)
    .filter((f) => !f.endsWith('.md'))
    .map((file) => ({ group: path.relative(CORPUS, file).split(path.sep)[0] ?? '', name: path.relative(CORPUS, file), bytes: readFileSync(file) }));
  const fixtureGroups = ['content-encoding', 'cpim', 'dsn', 'imdn', 'is-composing', 'mail', 'mdn', 'multipart', 'resource-lists', 'safe-xml', 'smpp-receipt'];
  const fixtures = fixtureGroups.flatMap((group) =>
    filesUnder(path.join(FIXTURES, group))
      .filter((f) => !f.endsWith('.json'))
      .map((file) => ({ group, name: `fixtures/${path.relative(FIXTURES, file)}`, bytes: readFileSync(file) })),
  );
  return [...corpus, ...fixtures];
}

// --- mutations --------------------------------------------------------------------------------

type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'duplicate'; readonly from: number; readonly length: number; readonly at: number }
  | { readonly op: 'delete'; readonly from: number; readonly length: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'token'; readonly at: number; readonly token: string };

/** Fragments that push parsers into their interesting states. */
const TOKENS = [
  '\r\n', '\r\n\r\n', '\n', '\r', '\0', '\xff', '\xc3', '\xed\xa0\x80', '\x1b', ':', ';', '"', '<', '>', '&a;', '&#0;',
  '<!DOCTYPE r [<!ENTITY a "aaaaaaaa">]>', '<![CDATA[', '<!--', '--', '--b\r\n', '--boundary1--', '=?utf-8?b?', '=\r\n',
  'imdn.', 'NS: x <urn:x>\r\n', 'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Transfer-Encoding: base64\r\n',
  'id:', ' stat:', 'text:', '\x05\x00\x03', '\x06\x08\x04',
];

const position = fc.nat({ max: 0x7fffffff });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: position }),
  fc.record({ op: fc.constant('duplicate' as const), from: position, length: fc.integer({ min: 1, max: 4096 }), at: position }),
  fc.record({ op: fc.constant('delete' as const), from: position, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 32 }) }),
  fc.record({ op: fc.constant('token' as const), at: position, token: fc.constantFrom(...TOKENS) }),
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

function mutate(seed: Buffer, ops: readonly Mutation[]): Buffer {
  let buf = seed;
  for (const m of ops) {
    const at = (n: number): number => (buf.length === 0 ? 0 : n % (buf.length + 1));
    switch (m.op) {
      case 'flip': {
        if (buf.length === 0) break;
        buf = Buffer.from(buf);
        const i = m.at % buf.length;
        buf[i] = (buf[i] ?? 0) ^ (1 << m.bit);
        break;
      }
      case 'truncate':
        buf = buf.subarray(0, at(m.at));
        break;
      case 'duplicate': {
        const from = at(m.from);
        const slice = buf.subarray(from, from + m.length);
        const to = at(m.at);
        buf = Buffer.concat([buf.subarray(0, to), slice, slice, buf.subarray(to)]);
        break;
      }
      case 'delete': {
        const from = at(m.from);
        buf = Buffer.concat([buf.subarray(0, from), buf.subarray(from + m.length)]);
        break;
      }
      case 'insert':
      case 'token': {
        const to = at(m.at);
        const bytes = m.op === 'insert' ? Buffer.from(m.bytes) : Buffer.from(m.token, 'latin1');
        buf = Buffer.concat([buf.subarray(0, to), bytes, buf.subarray(to)]);
        break;
      }
    }
    if (buf.length > MAX_MUTANT_BYTES) buf = buf.subarray(0, MAX_MUTANT_BYTES);
  }
  return buf;
}

// --- codecs -----------------------------------------------------------------------------------

/** Splits the fixtures' "Content-Type: …, blank line, body" framing when a file has it. */
function framed(input: Buffer): { contentType: string | undefined; body: Buffer } {
  const head = input.subarray(0, 512).toString('latin1');
  const m = /^Content-Type:([^\r\n]*)\r?\n\r?\n/i.exec(head);
  if (m === null) return { contentType: undefined, body: input };
  return { contentType: (m[1] ?? '').trim(), body: input.subarray(Buffer.byteLength(m[0], 'latin1')) };
}

const MULTIPART_TYPES = ['multipart/mixed; boundary=boundary1', 'multipart/mixed; boundary=b', 'multipart/related;boundary="b"', 'multipart/mixed', 'text/plain'];
const ENCODINGS = ['deflate', 'gzip', 'identity', 'deflate, gzip', 'gzip, deflate, deflate', 'br', ' , ', undefined];
const DATA_CODINGS = [0x00, 0x01, 0x03, 0x08, 0x04, 0x18, 0xf0, 0xf4, 0x11, 0xff];

interface FuzzedCodec {
  readonly name: string;
  /** Corpus and fixture folders that are this codec's own input. */
  readonly own: readonly string[];
  /** `variant` picks among header/parameter values the codec takes beside the bytes. */
  run(input: Buffer, variant: number): unknown;
}

const pick = <T>(list: readonly T[], variant: number): T => list[variant % list.length] as T;

const CODECS: readonly FuzzedCodec[] = [
  { name: 'parseCpim', own: ['cpim'], run: (b) => parseCpim(b) },
  { name: 'parseImdn', own: ['imdn'], run: (b) => parseImdn(b) },
  { name: 'parseIsComposing', own: ['is-composing'], run: (b) => parseIsComposing(b) },
  { name: 'parseResourceLists', own: ['resource-lists'], run: (b) => parseResourceLists(b) },
  {
    name: 'parseMultipart',
    own: ['multipart'],
    run: (b, v) => {
      const { contentType, body } = framed(b);
      return parseMultipart(body, v % 2 === 0 && contentType !== undefined ? contentType : pick(MULTIPART_TYPES, v));
    },
  },
  { name: 'decodeContentEncoding', own: ['content-encoding'], run: (b, v) => decodeContentEncoding(b, pick(ENCODINGS, v), 256 * 1024) },
  { name: 'parseXml', own: ['xml', 'safe-xml'], run: (b) => parseXml(b) },
  { name: 'parseReceiptText', own: ['smpp-receipt'], run: (b, v) => parseReceiptText(v % 2 === 0 ? b : b.toString('latin1')) },
  { name: 'parseDsn', own: ['dsn'], run: (b) => parseDsn(b) },
  { name: 'parseMdn', own: ['mdn'], run: (b) => parseMdn(b) },
  { name: 'parseEmailReply', own: ['email-reply', 'mail'], run: (b) => parseEmailReply(b) },
  { name: 'parseMimeMessage', own: ['mime', 'mail', 'dsn', 'mdn'], run: (b) => parseMimeMessage(b) },
  { name: 'decodeSmsText', own: ['sms'], run: (b, v) => decodeSmsText(b, pick(DATA_CODINGS, v)) },
  { name: 'parseUdh', own: ['sms'], run: (b) => parseUdh(b) },
];

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err);
}

/**
 * Throws (failing the property, which fast-check then shrinks) when the codec throws
 * anything but a HeraldError; returns how long it took.
 */
function checkCodec(codec: FuzzedCodec, input: Buffer, variant: number): number {
  const started = performance.now();
  let thrown: unknown;
  try {
    codec.run(input, variant);
  } catch (err) {
    thrown = err;
  }
  const elapsed = performance.now() - started;
  if (thrown !== undefined && !isHeraldError(thrown)) {
    throw new Error(`${codec.name} threw something other than a HeraldError: ${describeError(thrown)}`);
  }
  return elapsed;
}

describe('codec fuzzing from the saved corpus', () => {
  const seeds = loadSeeds();

  it('should have a corpus for every codec', () => {
    const groups = new Set(seeds.map((s) => s.group));
    for (const codec of CODECS) expect(codec.own.some((g) => groups.has(g)), codec.name).toBe(true);
    expect(groups.has('sip')).toBe(true);
  });

  describe.each(CODECS.map((c) => [c.name, c] as const))('%s', (_name, codec) => {
    it('should return or throw a HeraldError, in time, for every corpus file and its mutations', () => {
      // Slow inputs are collected, not thrown: shrinking re-runs an input that takes
      // seconds hundreds of times. Each is reported with what reproduces it.
      const slow: string[] = [];
      for (const seed of seeds) {
        const own = codec.own.includes(seed.group);
        for (let variant = 0; variant < (own ? 4 : 1); variant += 1) {
          const ms = checkCodec(codec, seed.bytes, variant);
          if (ms > MAX_MS) slow.push(`${seed.name} (variant ${variant}) as it is: ${Math.round(ms)} ms`);
        }
        if (slow.length > 0) break;
        fc.assert(
          fc.property(mutations, fc.nat(), (ops, variant) => {
            const ms = checkCodec(codec, mutate(seed.bytes, ops), variant);
            if (ms > MAX_MS) slow.push(`${seed.name} (variant ${variant}) mutated by ${JSON.stringify(ops)}: ${Math.round(ms)} ms`);
          }),
          // The seed mixes in the file name so each file gets its own stream of mutants.
          { numRuns: own ? OWN_RUNS : CROSS_RUNS, seed: SEED ^ hash(`${codec.name}:${seed.name}`) },
        );
        if (slow.length > 0) break;
      }
      expect(slow, `${codec.name} took over ${MAX_MS} ms (hang or ReDoS)`).toEqual([]);
    });
  });
});

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

// --- SIP ingress ------------------------------------------------------------------------------

/** A lenient reading of a raw SIP request file: malformed ones still give something to send. */
function parseRawSip(raw: Buffer): SipIncomingRequest {
  let split = raw.indexOf('\r\n\r\n');
  let sepLength = 4;
  if (split < 0) {
    split = raw.indexOf('\n\n');
    sepLength = 2;
  }
  const head = (split < 0 ? raw : raw.subarray(0, split)).toString('latin1');
  const body = split < 0 ? Buffer.alloc(0) : raw.subarray(split + sepLength);
  const lines = head.split(/\r?\n/).reduce<string[]>((acc, line) => {
    // RFC 3261 §7.3.1 folding: a line starting with whitespace continues the previous one.
    if (/^[ \t]/.test(line) && acc.length > 1) acc[acc.length - 1] += ` ${line.trim()}`;
    else acc.push(line);
    return acc;
  }, []);
  const [method = '', requestUri = ''] = (lines[0] ?? '').split(' ');
  const headers: Record<string, string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  const nameAddr = (value: string | undefined): SipNameAddr => {
    const text = value ?? '';
    const uri = /<([^>]*)>/.exec(text)?.[1] ?? text.split(';')[0]?.trim() ?? '';
    return { uri, tag: /;tag=([^;\s]+)/.exec(text)?.[1] };
  };
  return {
    method,
    requestUri,
    from: nameAddr(headers.from?.[0]),
    to: nameAddr(headers.to?.[0]),
    callId: headers['call-id']?.[0] ?? '',
    cseq: Number.parseInt(headers.cseq?.[0] ?? '', 10) || 0,
    headers,
    body,
    source: { address: '127.0.0.1', port: 5999, transport: 'udp' },
  };
}

/** Our own JobQueue port, recording what ingress enqueues (no Redis in unit tests). */
class RecordingJobQueue implements JobQueue {
  /** One entry per delivery a job names: a shared job gives several. */
  readonly enqueued: { readonly name: JobName; readonly jobId: string; readonly deliveryId: string }[] = [];

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: EnqueueOptions): Promise<void> {
    this.enqueued.push({ name, jobId: options.jobId, deliveryId: 'deliveryId' in payload ? payload.deliveryId : options.jobId });
  }

  async enqueueBulk<N extends JobName>(
    name: N,
    jobs: readonly { readonly payload: JobPayloads[N]; readonly options: EnqueueOptions }[],
  ): Promise<void> {
    for (const job of jobs) this.enqueued.push({ name, jobId: job.options.jobId, deliveryId: 'deliveryId' in job.payload ? job.payload.deliveryId : job.options.jobId });
  }

  async enqueueBatch(name: JobName, deliveryIds: readonly string[], options: EnqueueOptions): Promise<void> {
    for (const deliveryId of deliveryIds) this.enqueued.push({ name, jobId: options.jobId, deliveryId });
  }

  async backlog(): Promise<number> {
    return 0;
  }

  async ping(): Promise<void> {}
}

/** The ledger as ingress sees it, noting the message id of every recordMessage. */
function recordingLedger(ledger: Ledger, recorded: string[]): Ledger {
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'recordMessage') {
        const record: Ledger['recordMessage'] = async (message, deliveries) => {
          const result = await target.recordMessage(message, deliveries);
          recorded.push(result.message.id);
          return result;
        };
        return record;
      }
      // Bound to the real ledger: its private fields are not reachable through a proxy.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const CONTENT_TYPES = [
  'text/plain', 'text/plain;charset=UTF-8', 'text/plain;charset=x-unknown', 'message/cpim', 'message/imdn+xml',
  'application/im-iscomposing+xml', 'application/resource-lists+xml', 'multipart/mixed;boundary=boundary1',
  'multipart/mixed', 'text/html', 'application/octet-stream', ';;', '',
];
const REQUEST_URIS = [
  'sip:+15551234567@gw.example.com', 'sip:+447700900123@gw.example.com;user=phone', 'tel:+15551234567', 'tel:0044',
  'mailto:carol@example.com', 'sip:carol@example.com', 'sip:exploder@gw.example.com', 'sip:', '', 'sip:+1%00@x', 'urn:x',
];

describe('SIP ingress fuzzing with a real ledger', () => {
  let dataDir: TempDataDir;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  let ingress: Ingress;
  const jobs = new RecordingJobQueue();
  const recorded: string[] = [];
  const log = createLogger('silent');

  beforeAll(async () => {
    dataDir = await createTempDataDir('herald-fuzz');
    ledger = await createLedger({ dataDir: dataDir.dir, poolSize: 1 }, log);
    await ledger.migrate();
    const config = loadConfig({
      env: {
        HERALD_SIP_DOMAIN: 'gw.example.com',
        HERALD_ROUTING_EMAIL_DOMAINS: 'example.com',
        HERALD_ROUTING_DEFAULT_COUNTRY_CODE: '44',
        HERALD_INGRESS_MAX_RECIPIENTS: '5',
      },
    });
    ingress = createIngress({ config, ledger: recordingLedger(ledger, recorded), jobs, metrics: new Metrics({ defaults: false }), log });
  });

  afterAll(async () => {
    await ledger?.close();
    await dataDir?.remove();
  });

  const sipSeeds = filesUnder(path.join(CORPUS, 'sip')).map((file) => ({ name: path.basename(file), request: parseRawSip(readFileSync(file)) }));

  /** Mostly keeps the seed's value: with every field changed at once almost nothing would reach the ledger. */
  const sometimes = <T>(values: readonly T[]): fc.Arbitrary<T | undefined> =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.constantFrom(...values), weight: 1 });

  const request = fc.record({
    seed: fc.constantFrom(...sipSeeds),
    bodyOps: fc.oneof({ arbitrary: fc.constant([]), weight: 1 }, { arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }), weight: 2 }),
    method: sometimes(['OPTIONS', 'INVITE', 'message', '']),
    requestUri: sometimes(REQUEST_URIS),
    contentType: sometimes(CONTENT_TYPES),
    contentEncoding: sometimes(ENCODINGS),
    require: sometimes(['recipient-list-message', 'recipient-list-message, foo', '100rel', '']),
    callId: fc.string({ maxLength: 40 }),
    cseq: fc.integer(),
    fromUri: sometimes(['sip:alice@example.com', 'sip:', '', 'tel:+1', 'sip:a@b;x=\r\n']),
  });

  type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

  function build(r: FuzzRequest): SipIncomingRequest {
    const base = r.seed.request;
    const headers: Record<string, readonly string[]> = { ...base.headers };
    if (r.contentType !== undefined) headers['content-type'] = [r.contentType];
    if (r.contentEncoding !== undefined) headers['content-encoding'] = [r.contentEncoding];
    if (r.require !== undefined) headers.require = [r.require];
    return {
      ...base,
      method: r.method ?? base.method,
      requestUri: r.requestUri ?? base.requestUri,
      from: r.fromUri !== undefined ? { uri: r.fromUri, tag: 'f' } : base.from,
      callId: r.callId,
      cseq: r.cseq,
      headers,
      body: mutate(base.body, r.bodyOps),
    };
  }

  it('should answer the corpus requests as they are with a final status and a reason', async () => {
    for (const seed of sipSeeds) {
      const reply = await ingress.handle(seed.request);
      expect([2, 4, 5], seed.name).toContain(Math.floor(reply.status / 100));
      expect(reply.reason.trim(), seed.name).not.toBe('');
    }
  });

  it('should answer mutated MESSAGEs with 2xx/4xx/5xx, never throw, and back every 202 with ledger rows', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const req = build(r);
        recorded.length = 0;
        const enqueuedBefore = jobs.enqueued.length;
        const reply = await ingress.handle(req);
        expect([2, 4, 5]).toContain(Math.floor(reply.status / 100));
        expect(Number.isInteger(reply.status)).toBe(true);
        expect(typeof reply.reason === 'string' && reply.reason.trim() !== '').toBe(true);
        if (reply.status === 202) {
          accepted += 1;
          expect(recorded.length).toBeGreaterThan(0);
          for (const id of recorded) {
            expect(await ledger.getMessage(id)).toBeDefined();
            expect((await ledger.listDeliveries(id)).length).toBeGreaterThan(0);
          }
        }
        for (const job of jobs.enqueued.slice(enqueuedBefore)) expect(await ledger.getDelivery(job.deliveryId)).toBeDefined();
      }),
      { numRuns: INGRESS_RUNS, seed: SEED },
    );
    // The generator must reach the persist-and-enqueue path, or the 202 check proves nothing.
    expect(accepted).toBeGreaterThan(INGRESS_RUNS / 20);
  });
});
