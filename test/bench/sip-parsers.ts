/**
 * Weighs SIP parsers for the standalone edge: parse cost of one page-mode MESSAGE (warm,
 * averaged), the cost of one pathological input (a datagram of 65,000 spaces), and where a
 * candidate has a Node UDP transport, a whole transaction (MESSAGE → 202 on loopback, one
 * at a time). Prints a table; asserts nothing.
 *
 *   npx tsc -p tsconfig.json && node dist/test/bench/sip-parsers.js
 *
 * Candidates that are not dependencies of Herald (`sip` 0.0.6, sip.js 0.21) are loaded from
 * HERALD_BENCH_CANDIDATES (a node_modules folder, e.g. after
 * `npm install --prefix /tmp/bench-cands sip@0.0.6 sip.js@0.21.2`) and skipped when absent.
 */
import dgram from 'node:dgram';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pino } from 'pino';
import { createStandaloneEdge } from '../../adapters/sip/standalone/index.js';
import { toIncomingRequest } from '../../adapters/sip/shared/incoming-request.js';
import { validateRequest } from '../../adapters/sip/shared/validate-request.js';
import { headerSectionEnd, parseHead } from '../../adapters/sip/shared/wire-parser.js';
import { configSchema } from '../../src/config.js';

const require = createRequire(import.meta.url);
const candidates = process.env.HERALD_BENCH_CANDIDATES ?? '/tmp/bench-cands/node_modules';
const PARSES = Number(process.env.HERALD_BENCH_PARSES ?? 10_000);
const TRANSACTIONS = Number(process.env.HERALD_BENCH_TRANSACTIONS ?? 2_000);

function message(port: number, i: number): string {
  const body = 'Hello from a benchmark, nothing more to say';
  return [
    `MESSAGE sip:+15551234567@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:5999;rport;branch=z9hG4bK-bench-${i}`,
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    'To: <sip:+15551234567@gw.example.com>',
    `Call-ID: bench-${i}@example.com`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${body.length}`,
    '',
    body,
  ].join('\r\n');
}

type Parse = (text: string) => unknown;

function herald(text: string): unknown {
  const bytes = Buffer.from(text, 'latin1');
  const end = headerSectionEnd(bytes);
  const head = parseHead(bytes.subarray(0, end === -1 ? bytes.length : end));
  if (head.kind !== 'request') return head;
  const typed = toIncomingRequest({
    method: head.method,
    requestUri: head.requestUri,
    headerBlock: head.headerBlock,
    headerLines: head.headers,
    body: bytes.subarray(end + 4),
    source: { address: '127.0.0.1', port: 5999, transport: 'udp' },
  });
  return validateRequest(typed) ?? typed;
}

function load(): [string, Parse | undefined][] {
  const tryLoad = (make: () => Parse): Parse | undefined => {
    try {
      return make();
    } catch {
      return undefined;
    }
  };
  return [
    ['herald parseHead (start line + header lines)', (t) => parseHead(Buffer.from(t, 'latin1'))],
    ['herald (parse + typed request + strict checks)', herald],
    [
      'drachtio-srf 5 lib/sip-parser',
      tryLoad(() => {
        const parser = require('drachtio-srf/lib/sip-parser/parser') as { parseSipMessage: (t: string, lazy: boolean) => unknown };
        return (t) => parser.parseSipMessage(t, false);
      }),
    ],
    [
      'sip 0.0.6 parse',
      tryLoad(() => {
        const sip = require(join(candidates, 'sip')) as { parse: (t: string) => unknown };
        return (t) => sip.parse(t);
      }),
    ],
    [
      'sip.js 0.21 core Parser.parseMessage',
      tryLoad(() => {
        const core = require(join(candidates, 'sip.js/lib/core/index.js')) as {
          Parser: { parseMessage: (t: string, logger: unknown) => unknown };
          LoggerFactory: new () => { getLogger: (c: string) => unknown; builtinEnabled: boolean };
        };
        const factory = new core.LoggerFactory();
        factory.builtinEnabled = false;
        const logger = factory.getLogger('bench');
        return (t) => core.Parser.parseMessage(t, logger);
      }),
    ],
  ];
}

function timeParse(parse: Parse, text: string, n: number): number {
  for (let i = 0; i < 500; i++) parse(text);
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) parse(text);
  return Number(process.hrtime.bigint() - start) / 1e6 / n;
}

function timeOnce(parse: Parse, text: string): number {
  try {
    parse(text); // warm: the figure is the input's cost, not the first call's compilation
  } catch {
    // ignored, as below
  }
  const start = process.hrtime.bigint();
  try {
    parse(text);
  } catch {
    // A throw is an answer too; the time is what matters here.
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Sends MESSAGEs one at a time to `port` and returns the mean round trip in ms. */
async function roundTrips(port: number, n: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  let resolveOne: (() => void) | undefined;
  socket.on('message', (m) => {
    if (/^SIP\/2\.0 [2-6]/.test(m.toString('latin1', 0, 12))) resolveOne?.();
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      resolveOne = resolve;
      socket.send(Buffer.from(message(port, i), 'latin1'), port, '127.0.0.1');
    });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / n;
  socket.close();
  return ms;
}

async function heraldTransaction(): Promise<number> {
  const config = configSchema.parse({ sip: { port: 0, transports: ['udp'] } }).sip;
  const edge = createStandaloneEdge(config, pino({ level: 'silent' }));
  await edge.start(async () => ({ status: 202, reason: 'Accepted' }));
  try {
    return await roundTrips(edge.address().port, TRANSACTIONS);
  } finally {
    await edge.stop();
  }
}

interface SipPackage {
  create: (options: Record<string, unknown>, handler: (request: unknown) => void) => { destroy: () => void };
  send: (message: unknown) => void;
  makeResponse: (request: unknown, status: number, reason: string) => unknown;
}

async function sipPackageTransaction(): Promise<number | undefined> {
  let sip: SipPackage;
  try {
    sip = require(join(candidates, 'sip')) as SipPackage;
  } catch {
    return undefined;
  }
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const stack = sip.create({ address: '127.0.0.1', port, tcp: false, logger: {} }, (request) => {
    sip.send(sip.makeResponse(request, 202, 'Accepted'));
  });
  await new Promise((r) => setTimeout(r, 200));
  try {
    return await roundTrips(port, TRANSACTIONS);
  } finally {
    stack.destroy();
  }
}

async function main(): Promise<void> {
  const text = message(5060, 1);
  const spaces = ' '.repeat(65_000);
  // A Via whose sent-by is followed by 16 KB of spaces: within Herald's header limits, and
  // quadratic for a parser that runs an unanchored regex from each position.
  const viaSpaces = text.replace(/\r\nVia: ([^\r]*)/, (_m, via: string) => `\r\nVia: ${via.split(';')[0] ?? ''}${' '.repeat(16_000)}x`);
  console.log(`parse: one MESSAGE (${text.length} bytes), mean of ${PARSES} after warm-up; pathological inputs once each (after one warm call)`);
  for (const [name, parse] of load()) {
    if (parse === undefined) {
      console.log(`  ${name}: not installed, skipped`);
      continue;
    }
    const perMessage = timeParse(parse, text, name.startsWith('sip.js') ? Math.min(PARSES, 2_000) : PARSES);
    console.log(
      `  ${name}: ${perMessage.toFixed(4)} ms/message; 65,000 spaces: ${timeOnce(parse, spaces).toFixed(2)} ms; ` +
        `Via + 16 KB spaces: ${timeOnce(parse, viaSpaces).toFixed(2)} ms`,
    );
  }
  console.log(`whole transaction: MESSAGE → 202 over UDP on loopback, ${TRANSACTIONS} in sequence (client and server in this process)`);
  console.log(`  herald standalone edge: ${(await heraldTransaction()).toFixed(3)} ms/transaction`);
  const old = await sipPackageTransaction();
  console.log(`  sip 0.0.6 stack: ${old === undefined ? 'not installed, skipped' : `${old.toFixed(3)} ms/transaction`}`);
  console.log('  drachtio-srf: needs drachtio-server (not packaged here); sip.js: no Node UDP/TCP transport — not measured');
}

await main();
