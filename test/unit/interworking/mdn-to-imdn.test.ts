import { describe, expect, it } from 'vitest';
import { MDN_DISPOSITION_TO_IMDN } from '../../../src/interworking/mdn-to-imdn.js';

describe('MDN disposition → IMDN', () => {
  it.each([
    ['displayed', 'displayed'],
    ['deleted', undefined],
    ['denied', 'forbidden'],
    ['dispatched', undefined],
    ['processed', undefined],
  ] as const)('maps %s to display %s', (disposition, display) => {
    expect(MDN_DISPOSITION_TO_IMDN[disposition].display).toBe(display);
    expect(MDN_DISPOSITION_TO_IMDN[disposition].why).not.toBe('');
  });

  it('has exactly the four RFC 8098 dispositions', () => {
    expect(Object.keys(MDN_DISPOSITION_TO_IMDN).sort()).toEqual(['deleted', 'denied', 'dispatched', 'displayed', 'processed']);
  });
});
