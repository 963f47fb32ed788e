import { describe, expect, it } from 'vitest';
import type { ImdnNotification } from '../../../src/codecs/imdn.js';
import type { ImdnRequestToken } from '../../../src/domain/message.js';
import { isRequested, tokenFor, TOKEN_FOR_NOTIFICATION } from '../../../src/interworking/request-tokens.js';

const ROWS: readonly [ImdnNotification, ImdnRequestToken][] = [
  [{ type: 'delivery', status: 'delivered' }, 'positive-delivery'],
  [{ type: 'delivery', status: 'failed' }, 'negative-delivery'],
  [{ type: 'delivery', status: 'forbidden' }, 'negative-delivery'],
  [{ type: 'delivery', status: 'error' }, 'negative-delivery'],
  [{ type: 'display', status: 'displayed' }, 'display'],
  [{ type: 'display', status: 'forbidden' }, 'display'],
  [{ type: 'display', status: 'error' }, 'display'],
  [{ type: 'processing', status: 'processed' }, 'processing'],
  [{ type: 'processing', status: 'stored' }, 'processing'],
  [{ type: 'processing', status: 'forbidden' }, 'processing'],
  [{ type: 'processing', status: 'error' }, 'processing'],
  [{ type: 'interworking', status: 'legacy-sms' }, 'interworking'],
  [{ type: 'interworking', status: 'legacy-mms' }, 'interworking'],
  [{ type: 'interworking', status: 'error' }, 'interworking'],
];

describe('request tokens', () => {
  it('covers every (type, status) of the table', () => {
    const count = Object.values(TOKEN_FOR_NOTIFICATION).reduce((n, row) => n + Object.keys(row).length, 0);
    expect(count).toBe(ROWS.length);
  });

  describe.each(ROWS)('when the notification is %o', (notification, token) => {
    it(`needs ${token}`, () => {
      expect(tokenFor(notification)).toBe(token);
    });
    it('is sent when that token was asked for', () => {
      expect(isRequested([token], notification, 'email')).toBe(true);
    });
    it('is not sent when only other tokens were asked for', () => {
      const others: ImdnRequestToken[] = (['positive-delivery', 'negative-delivery', 'display', 'processing', 'interworking'] as const).filter((t) => t !== token);
      expect(isRequested(others, notification, 'email')).toBe(false);
    });
    it('is not sent when nothing was asked for', () => {
      expect(isRequested([], notification, 'email')).toBe(false);
    });
  });

  describe('when the delivery left as SMS', () => {
    it('never sends a display-notification, even when display was asked for', () => {
      for (const status of ['displayed', 'forbidden', 'error'] as const) {
        expect(isRequested(['display'], { type: 'display', status }, 'sms')).toBe(false);
      }
    });
    it('still sends delivery notifications', () => {
      expect(isRequested(['positive-delivery'], { type: 'delivery', status: 'delivered' }, 'sms')).toBe(true);
    });
  });
});
