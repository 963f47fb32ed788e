/**
 * Replies and automatic mail as clients send them (test/fixtures/mail/replies and
 * auto-replies, origins in their README): the quote stripped, the answer kept, and
 * automatic mail told apart, through the same path the gateway takes (MIME → reply →
 * normalised IM text).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { looksLikeBounce } from '../../../src/codecs/bounce-text.js';
import { replyFromMime } from '../../../src/codecs/email-reply.js';
import { parseMimeMessage } from '../../../src/codecs/mime.js';
import { normaliseReplyText } from '../../../src/email/reply-relay.js';

const MAIL = join(import.meta.dirname, '..', '..', 'fixtures', 'mail');
const table = <T>(dir: string): Record<string, T> => JSON.parse(readFileSync(join(MAIL, dir, 'expected.json'), 'utf8')) as Record<string, T>;

describe('the corpus', () => {
  for (const dir of ['replies', 'auto-replies']) {
    it(`${dir}: every sample has an expectation and an origin, and there are at least 30`, () => {
      const rows = table<{ origin?: string }>(dir);
      const files = readdirSync(join(MAIL, dir)).filter((n) => n.endsWith('.eml')).sort();
      expect(files).toEqual(Object.keys(rows).sort());
      expect(files.length).toBeGreaterThanOrEqual(30);
      for (const [name, row] of Object.entries(rows)) expect([name, typeof row.origin]).toEqual([name, 'string']);
    });
  }
});

describe('replies from many clients and languages', () => {
  for (const [name, { expected }] of Object.entries(table<{ expected: string }>('replies'))) {
    it(`relays only the new text of ${name}`, () => {
      const root = parseMimeMessage(readFileSync(join(MAIL, 'replies', name)));
      const reply = replyFromMime(root);
      expect(reply.autoReply).toBeUndefined();
      expect(looksLikeBounce(root)).toBe(false);
      expect(normaliseReplyText(reply.text)).toBe(expected);
      expect(reply.text).not.toMatch(/[\u0080-\u009f]/);
    });
  }
});

describe('automatic replies', () => {
  for (const [name, { reason }] of Object.entries(table<{ reason: string }>('auto-replies'))) {
    it(`never relays ${name} (${reason})`, () => {
      const root = parseMimeMessage(readFileSync(join(MAIL, 'auto-replies', name)));
      expect(replyFromMime(root).autoReply).toBe(reason);
    });
  }
});
