import { describe, expect, it } from 'vitest';
import type { StoredDelivery } from '../../../src/domain/message.js';
import { groupHeaders } from '../../../src/email/group-headers.js';

const at = new Date('2026-11-26T06:14:30Z');
function delivery(id: string, uri: string, copyControl: StoredDelivery['copyControl']): StoredDelivery {
  return {
    id,
    messageId: 'm1',
    channel: uri.startsWith('mailto:') ? 'email' : 'sms',
    originalRecipientUri: uri,
    targetUri: uri,
    copyControl,
    state: 'queued',
    version: 2,
    createdAt: at,
    updatedAt: at,
  };
}

describe('groupHeaders', () => {
  describe('when the message had no recipient list', () => {
    it('returns undefined', () => {
      expect(groupHeaders([delivery('d1', 'mailto:bob@example.com', undefined)], 'd1', 'bob@example.com')).toBeUndefined();
    });
  });

  describe('when the recipient is bcc beside SMS members', () => {
    it('shows undisclosed recipients in To and names the SMS members in the text', () => {
      const headers = groupHeaders(
        [delivery('d1', 'tel:+15551230001', 'to'), delivery('d2', 'tel:+15551230002', 'cc'), delivery('d3', 'mailto:carol@example.com', 'bcc')],
        'd3',
        'carol@example.com',
      );
      expect(headers).toEqual({ to: [], cc: [], preamble: ['To: +15551230001', 'Cc: +15551230002'] });
    });
  });

  describe('when email members are to and cc', () => {
    it('puts each in its field, the recipient in its own, and hides bcc', () => {
      const headers = groupHeaders(
        [delivery('d1', 'mailto:bob@example.com', 'to'), delivery('d2', 'mailto:carol@example.com', 'cc'), delivery('d3', 'mailto:eve@example.com', 'bcc')],
        'd2',
        'carol@example.com',
      );
      expect(headers).toEqual({ to: [{ address: 'bob@example.com' }], cc: [{ address: 'carol@example.com' }], preamble: [] });
    });
  });
});
