#!/usr/bin/env node
/**
 * `herald-smsc-sim`: runs the project's SMSC simulator as a process, for the README's first message
 * and manual testing. Logs to stdout; stops cleanly on SIGTERM or SIGINT.
 *
 *   herald-smsc-sim --port 2775 --system-id herald --password secret \
 *     --id-format hex --receipt-id-format decimal --receipt-delay 500 --outcome DELIVRD
 *
 * Run with --help for every flag.
 */
import { parseArgs } from 'node:util';
import {
  SmscSimulator,
  type MessageIdFormat,
  type ReceiptFormat,
  type RetryMode,
  type SimReceiptStat,
  type SmscSimulatorOptions,
} from './smsc-sim.js';

const ID_FORMATS: readonly MessageIdFormat[] = ['decimal', 'hex', 'uuid'];
const RECEIPT_FORMATS: readonly ReceiptFormat[] = ['standard', 'capital-text', 'twelve-digit-dates', 'tlv-only', 'text-only'];
const STATS: readonly SimReceiptStat[] = ['DELIVRD', 'UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED', 'ACCEPTD', 'ENROUTE', 'UNKNOWN'];
const RETRY_MODES: readonly RetryMode[] = ['queue-full', 'any', 'never'];
/** How often --stats prints the counters. */
const STATS_INTERVAL_MS = 10_000;

const USAGE = `herald-smsc-sim — SMPP 3.4 SMSC simulator

  --host <addr>               listen address (127.0.0.1)
  --port <n>                  listen port, 0 for any (2775)
  --system-id <id>            accepted system_id (herald)
  --password <pw>             its password (secret)
  --id-format <f>             submit_sm_resp ids: ${ID_FORMATS.join(' | ')} (decimal)
  --receipt-id-format <f>     ids in receipts (same as --id-format)
  --receipt-format <f>        ${RECEIPT_FORMATS.join(' | ')} (standard)
  --receipt-delay <ms>        delay before each receipt (0)
  --receipt-before-resp       send the receipt before the submit_sm_resp
  --no-receipts               never send receipts
  --outcome <stat>            ${STATS.join(' | ')} (DELIVRD)
  --failure-ratio <0..1>      fraction of messages that fail instead (0)
  --failure-stat <stat>       stat of those failures (UNDELIV)
  --err <n>                   err code of failures (1)
  --resp-delay <ms>           delay before each submit_sm_resp (0)
  --throttle-ratio <0..1>     answer ESME_RTHROTTLED for this fraction
  --throttle-every <n>        answer ESME_RTHROTTLED to every nth submit
  --max-rate <n>              answer ESME_RTHROTTLED above n submits per second
  --queue-full-every <n>      answer ESME_RMSGQFUL to every nth submit
  --drop-after <n>            drop the connection after n accepted submits
  --drop-repeat               drop again after every further n
  --refuse-binds-ms <ms>      after a drop, refuse binds this long
  --retry <mode>              redeliver a refused receipt or MO: ${RETRY_MODES.join(' | ')} (never)
  --retry-after <ms>          wait this long before redelivering (1000)
  --lose-ratio <0..1>         fraction of receipts the SMSC loses (query_sm still knows them) (0)
  --stats                     print counters every ${STATS_INTERVAL_MS / 1000} s
  --trace                     log every PDU
  --help                      this text
`;

function fail(message: string): never {
  process.stderr.write(`herald-smsc-sim: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function number(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) fail(`--${name} needs a non-negative number, got ${value}`);
  return parsed;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) fail(`--${name} must be one of ${allowed.join(', ')}, got ${value}`);
  return value as T;
}

/** Turns command-line flags into simulator options. Exits with status 2 on a bad flag. */
function optionsFromArgs(args: readonly string[], log: (line: string) => void): SmscSimulatorOptions {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'system-id': { type: 'string' },
      password: { type: 'string' },
      'id-format': { type: 'string' },
      'receipt-id-format': { type: 'string' },
      'receipt-format': { type: 'string' },
      'receipt-delay': { type: 'string' },
      'receipt-before-resp': { type: 'boolean' },
      'no-receipts': { type: 'boolean' },
      outcome: { type: 'string' },
      'failure-ratio': { type: 'string' },
      'failure-stat': { type: 'string' },
      err: { type: 'string' },
      'resp-delay': { type: 'string' },
      'throttle-ratio': { type: 'string' },
      'throttle-every': { type: 'string' },
      'max-rate': { type: 'string' },
      'queue-full-every': { type: 'string' },
      'drop-after': { type: 'string' },
      'drop-repeat': { type: 'boolean' },
      'refuse-binds-ms': { type: 'string' },
      retry: { type: 'string' },
      'retry-after': { type: 'string' },
      'lose-ratio': { type: 'string' },
      stats: { type: 'boolean' },
      trace: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const idFormat = oneOf('id-format', values['id-format'], ID_FORMATS);
  const receiptIdFormat = oneOf('receipt-id-format', values['receipt-id-format'], ID_FORMATS);
  const throttleRatio = number('throttle-ratio', values['throttle-ratio']);
  const throttleEvery = number('throttle-every', values['throttle-every']);
  const maxRate = number('max-rate', values['max-rate']);
  const queueFullEvery = number('queue-full-every', values['queue-full-every']);
  const dropAfter = number('drop-after', values['drop-after']);
  const refuseBindsMs = number('refuse-binds-ms', values['refuse-binds-ms']);
  const receiptDelay = number('receipt-delay', values['receipt-delay']);
  const failureRatio = number('failure-ratio', values['failure-ratio']);
  const err = number('err', values.err);
  const respDelay = number('resp-delay', values['resp-delay']);
  const format = oneOf('receipt-format', values['receipt-format'], RECEIPT_FORMATS);
  const outcome = oneOf('outcome', values.outcome, STATS);
  const failureStat = oneOf('failure-stat', values['failure-stat'], STATS);
  const retry = oneOf('retry', values.retry, RETRY_MODES);
  const retryAfter = number('retry-after', values['retry-after']);
  const loseRatio = number('lose-ratio', values['lose-ratio']);
  return {
    host: values.host ?? '127.0.0.1',
    port: number('port', values.port) ?? 2775,
    accounts: [{ systemId: values['system-id'] ?? 'herald', password: values.password ?? 'secret' }],
    ...(idFormat === undefined ? {} : { idFormat }),
    ...(receiptIdFormat === undefined ? {} : { receiptIdFormat }),
    ...(respDelay === undefined ? {} : { respDelayMs: respDelay }),
    receipts: {
      enabled: values['no-receipts'] !== true,
      beforeResp: values['receipt-before-resp'] === true,
      ...(format === undefined ? {} : { format }),
      ...(receiptDelay === undefined ? {} : { delayMs: receiptDelay }),
      ...(outcome === undefined ? {} : { outcome }),
      ...(failureRatio === undefined ? {} : { failureRatio }),
      ...(failureStat === undefined ? {} : { failureStat }),
      ...(err === undefined ? {} : { errorCode: err }),
      ...(loseRatio === undefined || loseRatio === 0 ? {} : { lose: () => Math.random() < loseRatio }),
    },
    ...(retry === undefined ? {} : { retry: { on: retry, ...(retryAfter === undefined ? {} : { afterMs: retryAfter }) } }),
    ...(throttleRatio === undefined && throttleEvery === undefined && maxRate === undefined
      ? {}
      : {
          throttle: {
            ...(throttleRatio === undefined ? {} : { ratio: throttleRatio }),
            ...(throttleEvery === undefined ? {} : { everyNth: throttleEvery }),
            ...(maxRate === undefined ? {} : { maxPerSecond: maxRate }),
          },
        }),
    ...(queueFullEvery === undefined ? {} : { queueFull: { everyNth: queueFullEvery } }),
    ...(dropAfter === undefined
      ? {}
      : { drop: { afterSubmits: dropAfter, repeat: values['drop-repeat'] === true, ...(refuseBindsMs === undefined ? {} : { refuseBindsMs }) } }),
    trace: values.trace === true,
    log,
  };
}

async function main(): Promise<void> {
  const log = (line: string): void => {
    process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  let options: SmscSimulatorOptions;
  try {
    options = optionsFromArgs(process.argv.slice(2), log);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const simulator = new SmscSimulator(options);
  await simulator.start();
  const statsTimer = process.argv.includes('--stats')
    ? setInterval(() => log(`counters ${JSON.stringify(simulator.counters)}`), STATS_INTERVAL_MS)
    : undefined;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    if (statsTimer !== undefined) clearInterval(statsTimer);
    simulator.stop().then(
      () => {
        log(`final counters ${JSON.stringify(simulator.counters)}`);
        process.exit(0);
      },
      (error: unknown) => {
        log(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`herald-smsc-sim: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
