/**
 * Log lines dropped while stdout is blocked: counted, reported once when it drains, and
 * exposed as herald_log_lines_dropped_total. The destination here is a stand-in that
 * emits sonic-boom's 'drop' and 'drain' events; test/integration/logging/ blocks a real pipe.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { captureConsole, createLogger, droppedLogLines, watchDroppedLines } from '../../src/logger.js';
import { Metrics } from '../../src/metrics.js';

interface Line {
  readonly level: number;
  readonly msg: string;
  readonly droppedLines?: number;
  readonly droppedBytes?: number;
}

function sink(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { stream, lines };
}

async function metricValue(metrics: Metrics): Promise<number | undefined> {
  return (await metrics.logLinesDropped.get()).values[0]?.value;
}

describe('logger', () => {
  describe('when the destination drops lines', () => {
    it('counts each dropped line, process-wide and in the metric', async () => {
      const { stream } = sink();
      const log = createLogger('info', stream);
      watchDroppedLines(stream, log);
      const before = droppedLogLines();
      stream.emit('drop', '{"msg":"one"}\n');
      stream.emit('drop', '{"msg":"two"}\n{"msg":"three"}\n');
      expect(droppedLogLines() - before).toBe(3);
      const metrics = new Metrics({ defaults: false });
      expect(await metricValue(metrics)).toBe(droppedLogLines());
      stream.emit('drop', Buffer.from('{"msg":"four"}\n'));
      expect(await metricValue(metrics)).toBe(before + 4);
    });

    it('logs one warning with the count when the destination drains, and none on a later drain', () => {
      const { stream, lines } = sink();
      const log = createLogger('info', stream);
      watchDroppedLines(stream, log);
      stream.emit('drop', 'x\n');
      stream.emit('drop', 'yy\n');
      expect(lines).toEqual([]);

      stream.emit('drain');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 40, droppedLines: 2, droppedBytes: 5 });

      stream.emit('drain');
      expect(lines).toHaveLength(1);
      stream.emit('drop', 'z\n');
      stream.emit('drain');
      expect(lines.map((l) => l.droppedLines)).toEqual([2, 1]);
    });

    it('drains quietly when nothing was dropped', () => {
      const { stream, lines } = sink();
      watchDroppedLines(stream, createLogger('info', stream));
      stream.emit('drain');
      expect(lines).toEqual([]);
    });
  });
});

describe('captureConsole', () => {
  describe('when a library prints with console.log', () => {
    it('turns it into one JSON warn line instead of raw text', () => {
      const { stream, lines } = sink();
      const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
      try {
        captureConsole(createLogger('info', stream));
        console.log('err: ', new Error('remote peer disconnected'));
        console.error('plain %s', 'text');
      } finally {
        Object.assign(console, saved);
      }
      expect(lines.map((l) => ({ level: l.level, component: (l as Line & { component?: string }).component }))).toEqual([
        { level: 40, component: 'console' },
        { level: 40, component: 'console' },
      ]);
      expect(lines[0]?.msg).toMatch(/^err: {2}Error: remote peer disconnected/);
      expect(lines[1]?.msg).toBe('plain text');
    });
  });
});
