/**
 * Structured logging. One root pino logger per process; code about one message binds a
 * child with `msgId` (and `deliveryId`, `callId`, `jobId` where known) so every line about
 * a message carries its id.
 *
 * On a terminal the lines are pretty-printed (pino-pretty, the pino ecosystem's own
 * formatter, run in-process): levels as words, local times, colours. Anywhere else
 * (a pipe, a file, a container's log collector) they stay one JSON object a line.
 */
import { format } from 'node:util';
import { pino, type Logger, type LevelWithSilent, type LogFn } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { retryClass } from './errors.js';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
const REDACT = [
  'password',
  '*.password',
  '*.*.password',
  'secret',
  '*.secret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'databaseUrl',
  'redisUrl',
];

/** @defaultValue 4 MiB; also the default of `logBufferBytes` in src/config.ts. */
export const DEFAULT_LOG_BUFFER_BYTES = 4 * 1024 * 1024;

export interface LoggerOptions {
  /**
   * Most bytes of log lines held in memory while stdout does not take them (a stuck log
   * pipe or collector). Lines beyond it are dropped and counted: memory must not grow
   * with the time stdout stays blocked, and losing log lines is the lesser harm.
   * @defaultValue {@link DEFAULT_LOG_BUFFER_BYTES}
   */
  readonly maxBufferBytes?: number | undefined;
  /**
   * `json`, `pretty`, or `auto`: pretty when the destination (stdout without one) is a terminal.
   * @defaultValue 'auto'
   */
  readonly format?: 'auto' | 'json' | 'pretty' | undefined;
}

/**
 * Errors that say "not yet", not "something broke" (the catalogue's `waits`): an IMDN
 * waiting for the one before it is how ordering works (issue 18 saw 16 warnings with
 * stacks in 30 s). Whoever logs one at warn gets a line at info without a stack.
 */
function isNormalWait(value: unknown): boolean {
  return retryClass(value) === 'waits';
}

/** The `err` of a normal wait, without its stack. */
function errFacts(err: unknown): unknown {
  if (!isNormalWait(err) || !(err instanceof Error)) return pino.stdSerializers.err(err as Error);
  return { type: err.name, code: (err as { code?: unknown }).code, message: err.message };
}

/** pino hook: a warn carrying a normal wait is written at info. */
function logMethod(this: Logger, args: Parameters<LogFn>, method: LogFn, level: number): void {
  const [first] = args;
  const err = typeof first === 'object' && first !== null && 'err' in first ? (first as { err: unknown }).err : first;
  if (level === this.levels.values.warn && isNormalWait(err)) {
    if (this.isLevelEnabled('info')) this.info(...(args as [object, string]));
    return;
  }
  method.apply(this, args);
}

function prettyOn(destination: NodeJS.WritableStream | undefined, format: LoggerOptions['format']): boolean {
  if (format === 'pretty') return true;
  if (format === 'json') return false;
  const target = destination ?? process.stdout;
  return (target as { isTTY?: boolean }).isTTY === true;
}

let droppedLines = 0;

/**
 * Log lines this process dropped because stdout was blocked, since it started. Process
 * wide, as stdout is; read by the `herald_log_lines_dropped_total` metric.
 */
export function droppedLogLines(): number {
  return droppedLines;
}

/**
 * Counts the lines a destination drops ('drop', emitted by sonic-boom with the refused
 * text) and, once it has written everything it held ('drain'), logs one warning with how
 * many were lost since the last one. The warning waits for 'drain' so it has room.
 */
export function watchDroppedLines(destination: NodeJS.EventEmitter, log: Logger): void {
  let lines = 0;
  let bytes = 0;
  destination.on('drop', (data: string | Buffer) => {
    // pino writes one line per write, but count newlines in case a write carried several.
    const text = typeof data === 'string' ? data : data.toString('utf8');
    const count = Math.max(1, text.split('\n').length - 1);
    lines += count;
    bytes += Buffer.byteLength(text);
    droppedLines += count;
  });
  destination.on('drain', () => {
    if (lines === 0) return;
    const report = { droppedLines: lines, droppedBytes: bytes };
    lines = 0;
    bytes = 0;
    log.warn(report, 'log lines dropped while stdout was blocked');
  });
}

/**
 * The root logger. Without `destination` it writes to stdout asynchronously through a
 * buffer bounded by `options.maxBufferBytes` (see {@link LoggerOptions}).
 */
export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream, options: LoggerOptions = {}): Logger {
  const pretty = prettyOn(destination, options.format);
  const stdout =
    destination === undefined && !pretty ? pino.destination({ fd: 1, sync: false, maxLength: options.maxBufferBytes ?? DEFAULT_LOG_BUFFER_BYTES }) : undefined;
  const stream = pretty
    ? PinoPretty({ destination: destination ?? 1, colorize: destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'svc,pid,hostname', singleLine: true, sync: destination !== undefined })
    : (destination ?? stdout);
  const log = pino(
    {
      level,
      base: { svc: 'herald' },
      redact: { paths: REDACT, censor: '[secret]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: errFacts },
      hooks: { logMethod },
    },
    stream,
  );
  if (stdout !== undefined) watchDroppedLines(stdout, log);
  return log;
}

/** Child logger for everything about one message. */
export function messageLogger(log: Logger, ids: { msgId: string; deliveryId?: string; callId?: string; jobId?: string }): Logger {
  return lazyChild(log, ids);
}

const LEVEL_METHODS: ReadonlySet<string> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
const noop = (): void => undefined;

/**
 * A child logger that is made only when something is logged through it. The message path
 * binds one per request, job, receipt and IMDN (about eight per round trip), pino's
 * child() builds its bindings and serializers at once, and at the default level most of
 * them never log a line (`npm run bench` profile). A level that is off answers with a
 * no-op without making the child; a child of this one merges the bindings, still lazily.
 */
export function lazyChild(log: Logger, bindings: Record<string, unknown>): Logger {
  let child: Logger | undefined;
  const real = (): Logger => (child ??= log.child(bindings));
  return new Proxy(log, {
    get(target, property) {
      if (typeof property === 'string' && LEVEL_METHODS.has(property) && !target.isLevelEnabled(property)) return noop;
      if (property === 'child' && child === undefined) return (more: Record<string, unknown>) => lazyChild(log, { ...bindings, ...more });
      const made = real();
      const value: unknown = Reflect.get(made, property, made);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(made) : value;
    },
  });
}

/** Masks the password of a connection URL for logs and error lines. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}

/**
 * Routes console output into the log at warn. A library that prints (the `sip` package
 * Herald once used wrote TCP errors with console.log; drachtio-srf and smpp may too) would
 * otherwise put lines that are not JSON into the JSON log stream, which collectors reject
 * or mangle.
 */
export function captureConsole(log: Logger): void {
  const stray = log.child({ component: 'console' });
  const toLog = (...args: unknown[]): void => stray.warn(format(...args));
  console.log = toLog;
  console.info = toLog;
  console.warn = toLog;
  console.error = toLog;
  console.debug = toLog;
}
