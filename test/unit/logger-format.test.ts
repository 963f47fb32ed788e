/**
 * Log format (issue 18, item 6): human-readable on a terminal, JSON elsewhere; normal
 * waits are not warnings with stacks.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { heraldError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';

function capture(isTTY: boolean): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => text };
}

describe('log format', () => {
  it('writes readable lines to a terminal: the level as a word, no JSON', () => {
    const out = capture(true);
    createLogger('info', out.stream).info({ msgId: 'm-1' }, 'herald started');
    expect(out.text()).toMatch(/INFO.*herald started/);
    expect(out.text()).toContain('m-1');
    expect(out.text()).not.toContain('"level":30');
  });

  it('writes one JSON object a line anywhere else', () => {
    const out = capture(false);
    createLogger('info', out.stream).info('herald started');
    expect(JSON.parse(out.text())).toMatchObject({ level: 30, msg: 'herald started' });
  });

  it('follows logFormat over the terminal test', () => {
    const json = capture(true);
    createLogger('info', json.stream, { format: 'json' }).info('x');
    expect(JSON.parse(json.text())).toMatchObject({ msg: 'x' });
    const pretty = capture(false);
    createLogger('info', pretty.stream, { format: 'pretty' }).info('x');
    expect(pretty.text()).toMatch(/INFO.*x/);
  });

  it('logs an IMDN waiting for the one before it at info, without a stack', () => {
    const out = capture(false);
    const log = createLogger('info', out.stream);
    log.warn({ err: heraldError('GW_ERR_IMDN_WAITING', 'delivery/delivered n-1 goes first'), jobId: 'j' }, 'job failed, will retry');
    const line = JSON.parse(out.text()) as { level: number; err: Record<string, unknown> };
    expect(line.level).toBe(30);
    expect(line.err.code).toBe('GW_ERR_IMDN_WAITING');
    expect(line.err.stack).toBeUndefined();
  });

  it('keeps other warnings, and their stacks', () => {
    const out = capture(false);
    createLogger('info', out.stream).warn({ err: heraldError('GW_ERR_SIP_SEND_FAILED', 'x') }, 'job failed, will retry');
    const line = JSON.parse(out.text()) as { level: number; err: Record<string, unknown> };
    expect(line.level).toBe(40);
    expect(line.err.stack).toEqual(expect.any(String));
  });
});
