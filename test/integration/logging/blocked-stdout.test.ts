/**
 * A stuck log pipe: a child process logs ~88 MB through the real stdout logger into a pipe
 * this test does not read. The logger's buffer is bounded, so memory stays flat and the
 * event loop keeps turning; the lines it could not hold are counted, and once the pipe is
 * read again one warning says how many. Nothing is lost uncounted.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const LINES = 300_000;
/** Each line is about 300 bytes, so ~88 MB offered against this buffer. */
const BUFFER_BYTES = 256 * 1024;

interface Report {
  readonly rssBefore: number;
  readonly rssPeak: number;
  readonly maxLagMs: number;
  readonly timerMs: number;
  readonly dropped: number;
}

interface LogLine {
  readonly msg: string;
  readonly droppedLines?: number;
}

describe('logger on a blocked stdout', () => {
  describe('when nobody reads the pipe while the process logs ~88 MB', () => {
    it('keeps memory bounded and the process responsive, and reports every dropped line once the pipe drains', async () => {
      const child = spawn('node_modules/.bin/vite-node', ['test/helpers/log-flood.ts', String(BUFFER_BYTES), String(LINES)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      try {
        let stderr = '';
        const report = await new Promise<Report>((resolve, reject) => {
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            const line = stderr.split('\n').find((l) => l.startsWith('{"rssBefore"'));
            if (line !== undefined) resolve(JSON.parse(line) as Report);
          });
          child.once('exit', (code) => reject(new Error(`log-flood exited with ${code}: ${stderr}`)));
        });

        // An unbounded buffer holds all ~88 MB (measured: RSS +134 MB).
        expect(report.rssPeak - report.rssBefore).toBeLessThan(48 * 1024 * 1024);
        expect(report.maxLagMs).toBeLessThan(1000);
        expect(report.timerMs).toBeLessThan(100);
        expect(report.dropped).toBeGreaterThan(LINES / 2);

        // Now read the pipe: what was buffered arrives, then the one warning.
        const lines: LogLine[] = [];
        await new Promise<void>((resolve, reject) => {
          let rest = '';
          child.stdout.on('data', (chunk: Buffer) => {
            const parts = (rest + chunk.toString()).split('\n');
            rest = parts.pop() ?? '';
            for (const part of parts) lines.push(JSON.parse(part) as LogLine);
            if (lines.some((l) => l.msg === 'log lines dropped while stdout was blocked')) resolve();
          });
          setTimeout(() => reject(new Error('no drop warning within 30 s')), 30_000).unref();
        });
        const warnings = lines.filter((l) => l.msg === 'log lines dropped while stdout was blocked');
        expect(warnings).toHaveLength(1);
        expect(warnings[0]?.droppedLines).toBe(report.dropped);
        expect(lines.filter((l) => l.msg === 'flood').length + report.dropped).toBe(LINES);
      } finally {
        child.stdin.end();
        child.kill('SIGKILL');
      }
    }, 90_000);
  });
});
