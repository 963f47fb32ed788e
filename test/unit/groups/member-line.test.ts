import { describe, expect, it } from 'vitest';
import { groupsSchema } from '../../../src/config-content.js';
import { memberLabel, smsTextWithList, visibleOthers, type GroupMember } from '../../../src/groups/member-line.js';
import { replyCopies } from '../../../src/groups/reply-group.js';
import type { StoredDelivery, StoredMessage } from '../../../src/domain/message.js';

const members: GroupMember[] = [
  { uri: 'tel:+15551230001', copyControl: 'to' },
  { uri: 'sip:+15551230002@gw.example;user=phone', copyControl: 'cc' },
  { uri: 'mailto:carol@example.com', copyControl: 'bcc' },
  { uri: 'sip:dave@example.com', copyControl: 'to' },
];

describe('member-line', () => {
  describe('when labelling members', () => {
    it.each([
      ['tel:+15551230001', '+15551230001'],
      ['sip:+15551230002@gw.example;user=phone', '+15551230002'],
      ['mailto:carol@example.com', 'carol@example.com'],
      ['sip:dave@example.com', 'dave@example.com'],
    ])('shows %s as %s', (uri, label) => {
      expect(memberLabel(uri)).toBe(label);
    });
  });

  describe('when listing the others a member may see', () => {
    it('names the other to/cc members and never a bcc one', () => {
      expect(visibleOthers(members, 0)).toEqual(['+15551230002', 'dave@example.com']);
      expect(visibleOthers(members, 2)).toEqual(['+15551230001', '+15551230002', 'dave@example.com']);
    });
  });

  describe('when building the SMS text', () => {
    const others = ['+15551230002', 'dave@example.com'];

    it('puts the line first by default', () => {
      expect(smsTextWithList('Hi', others, groupsSchema.parse({}))).toBe('To: +15551230002, dave@example.com\nHi');
    });

    it('puts the line last with suffix, and nothing with off', () => {
      expect(smsTextWithList('Hi', others, groupsSchema.parse({ smsListLine: 'suffix' }))).toBe('Hi\nTo: +15551230002, dave@example.com');
      expect(smsTextWithList('Hi', others, groupsSchema.parse({ smsListLine: 'off' }))).toBe('Hi');
    });

    it('keeps the author of a relayed reply even with the line off', () => {
      expect(smsTextWithList('Yes', [], groupsSchema.parse({ smsListLine: 'off' }), '+15551230001')).toBe('From +15551230001\nYes');
    });
  });
});

describe('replyCopies', () => {
  const at = new Date('2026-11-26T06:14:30Z');
  const message = { id: 'm1' } as unknown as StoredMessage;
  const delivery = (id: string, channel: StoredDelivery['channel'], uri: string, copyControl: StoredDelivery['copyControl']): StoredDelivery => ({
    id,
    messageId: 'm1',
    channel,
    originalRecipientUri: uri,
    targetUri: uri,
    copyControl,
    state: 'delivered',
    version: 3,
    createdAt: at,
    updatedAt: at,
  });
  const group = {
    message,
    deliveries: [
      delivery('d1', 'sms', 'tel:+15551230001', 'to'),
      delivery('d2', 'sms', 'tel:+15551230002', 'cc'),
      delivery('d3', 'email', 'mailto:carol@example.com', 'bcc'),
      delivery('d4', 'email', 'mailto:dave@example.com', 'to'),
      delivery('d5', 'sip', 'sip:nowhere@unroutable.example', 'to'),
    ],
  };

  describe('when reply-to-all is on', () => {
    it('copies the other to/cc members on their channels, never bcc, the replier or an unroutable entry', () => {
      const copies = replyCopies(group, 'tel:+15551230001', groupsSchema.parse({ replyToAll: true }));
      expect(copies.map((c) => [c.channel, c.targetUri, c.copyControl])).toEqual([
        ['sms', 'tel:+15551230002', 'cc'],
        ['email', 'mailto:dave@example.com', 'to'],
      ]);
    });
  });

  describe('when reply-to-all is off', () => {
    it('copies no one', () => {
      expect(replyCopies(group, 'tel:+15551230001', groupsSchema.parse({}))).toEqual([]);
    });
  });
});
