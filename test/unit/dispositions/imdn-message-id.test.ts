import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { imdnMessageIdOf } from '../../../src/dispositions/service.js';

describe('imdnMessageIdOf', () => {
  it('gives a resend the same imdn.Message-ID, whichever process makes it', () => {
    expect(imdnMessageIdOf('d-1', 'delivery', 'delivered')).toBe(imdnMessageIdOf('d-1', 'delivery', 'delivered'));
    expect(imdnMessageIdOf('d-1', 'delivery', 'delivered')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('differs for every other delivery, kind or status', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.constantFrom('delivery', 'interworking', 'summary' as const), fc.constantFrom('delivered', 'failed', 'legacy-sms'), (a, b, kind, status) => {
        fc.pre(a !== b);
        expect(imdnMessageIdOf(a, kind, status)).not.toBe(imdnMessageIdOf(b, kind, status));
        expect(imdnMessageIdOf(a, kind, status)).not.toBe(imdnMessageIdOf(a, kind, `${status}x`));
        expect(imdnMessageIdOf(a, 'delivery', status)).not.toBe(imdnMessageIdOf(a, 'processing', status));
      }),
    );
  });
});
