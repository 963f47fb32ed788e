/**
 * Structured logging. One root pino logger per process; code about one message binds a
 * child with `msgId` (and `deliveryId`, `callId`, `jobId` where known) so every line about
 * a message carries its id.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';

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

export function createLogger(level: LevelWithSilent, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { svc: 'herald' },
      redact: { paths: REDACT, censor: '[secret]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** Child logger for everything about one message. */
export function messageLogger(log: Logger, ids: { msgId: string; deliveryId?: string; callId?: string; jobId?: string }): Logger {
  return log.child(ids);
}

/** Masks the password of a connection URL for logs and error lines. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):([^@/]*)@/, '//$1:***@');
}
