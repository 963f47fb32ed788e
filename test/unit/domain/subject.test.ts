import { describe, expect, it } from 'vitest';
import { DEFAULT_SUBJECT_TEMPLATE, messageSubject, readableUri, senderName } from '../../../src/domain/subject.js';

describe('subject rule', () => {
  describe('when the message has no subject', () => {
    it('fills the template with the CPIM name, else the directory name, else the readable URI', () => {
      expect(messageSubject(undefined, DEFAULT_SUBJECT_TEMPLATE, senderName({ senderUri: 'sip:alice@x.test', senderDisplayName: 'Ali' }, 'Alice'))).toBe('Message from Ali');
      expect(messageSubject('', DEFAULT_SUBJECT_TEMPLATE, senderName({ senderUri: 'sip:alice@x.test' }, 'Alice'))).toBe('Message from Alice');
      expect(messageSubject(undefined, '{sender} wrote ({sender})', senderName({ senderUri: 'sip:alice@x.test;transport=tcp', senderDisplayName: ' ' }))).toBe('alice wrote (alice)');
    });
  });

  it('keeps a subject of its own', () => {
    expect(messageSubject('Lunch?', DEFAULT_SUBJECT_TEMPLATE, 'Alice')).toBe('Lunch?');
  });

  it('reads numbers and email addresses whole', () => {
    expect(readableUri('tel:+15551234567;phone-context=x')).toBe('+15551234567');
    expect(readableUri('mailto:bob@example.org?subject=x')).toBe('bob@example.org');
    expect(readableUri('sips:carol@example.org')).toBe('carol');
  });
});
