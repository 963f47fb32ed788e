import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger, lazyChild } from '../../src/logger.js';

function captured(): { log: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

describe('lazyChild', () => {
  it('makes no child while only levels that are off are used', () => {
    const { log, lines } = captured();
    const spy = vi.spyOn(log, 'child');
    const child = lazyChild(log, { msgId: 'm1' });
    child.debug({ a: 1 }, 'not shown');
    child.trace('not shown either');
    expect(spy).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('logs with its bindings once a level that is on is used, making the child once', () => {
    const { log, lines } = captured();
    const spy = vi.spyOn(log, 'child');
    const child = lazyChild(log, { msgId: 'm1', deliveryId: 'd1' });
    child.info({ step: 1 }, 'first');
    child.warn('second');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(lines.map((l) => [l.msg, l.msgId, l.deliveryId])).toEqual([
      ['first', 'm1', 'd1'],
      ['second', 'm1', 'd1'],
    ]);
    expect(child.isLevelEnabled('debug')).toBe(false);
  });

  it('gives children that merge the bindings, still lazily', () => {
    const { log, lines } = captured();
    const spy = vi.spyOn(log, 'child');
    const grandchild = lazyChild(log, { msgId: 'm1' }).child({ seq: 2 });
    grandchild.debug('off');
    expect(spy).not.toHaveBeenCalled();
    grandchild.error('on');
    expect(lines).toMatchObject([{ msg: 'on', msgId: 'm1', seq: 2 }]);
  });

  it('keeps redaction: secrets in its bindings never reach a line', () => {
    const { log, lines } = captured();
    lazyChild(log, { password: 'hunter2' }).info('x');
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
