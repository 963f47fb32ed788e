/**
 * Child process for the blocked-stdout test: floods the real stdout logger (fd 1, which
 * the parent leaves unread) and reports on stderr, as one JSON line, how memory and the
 * event loop fared. Then it waits for stdin to close, so the parent can start reading
 * stdout and see the drop warning, and exits.
 *
 * Usage: vite-node test/helpers/log-flood.ts <maxBufferBytes> <lines>
 */
import { createLogger, droppedLogLines } from '../../src/logger.js';

const [bufferArg, linesArg] = process.argv.slice(2);
const maxBufferBytes = Number(bufferArg);
const total = Number(linesArg);
const log = createLogger('info', undefined, { maxBufferBytes });
const pad = 'x'.repeat(200);

/** Worst delay of a 5 ms timer while the flood runs: how responsive the process stayed. */
let maxLagMs = 0;
let expected = Date.now() + 5;
const lag = setInterval(() => {
  maxLagMs = Math.max(maxLagMs, Date.now() - expected);
  expected = Date.now() + 5;
}, 5);

async function main(): Promise<void> {
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  for (let i = 0; i < total; i++) {
    log.info({ i, pad }, 'flood');
    if (i % 2000 === 1999) {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      // Yield like a real server between requests, so timers and I/O get their turn.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 0));
  const timerMs = Date.now() - started;
  clearInterval(lag);
  process.stderr.write(
    `${JSON.stringify({ rssBefore, rssPeak, rssAfter: process.memoryUsage().rss, maxLagMs, timerMs, dropped: droppedLogLines() })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

void main();
