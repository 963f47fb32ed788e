/**
 * Proves the test mail servers behave as Herald's email tests need: RFC 3461 DSNs with
 * ENVID and "delivered" (not "relayed") for local LMTP delivery, 5.1.1 bounces for
 * unknown users, Sieve rejects as automatic MDNs, detail addressing, and IMAP IDLE.
 * The servers are started by test/services/mail/setup.sh when they are not up.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapFlow } from 'imapflow';
import { parseDsn } from '../../../src/codecs/dsn.js';
import { parseMdn } from '../../../src/codecs/mdn.js';
import { parseEmailReply } from '../../../src/codecs/email-reply.js';
import {
  MAIL_SERVICES_DIR,
  buildMessage,
  clearMailbox,
  ensureMailServers,
  imapClient,
  listMail,
  mailSettings,
  sendRaw,
  uniqueId,
  waitForMail,
} from '../../helpers/mail.js';

const execFileAsync = promisify(execFile);
const { localDomain, recipientDomain, bounceUser, sieveRejectUser } = mailSettings;
const alice = `alice@${recipientDomain}`;
const carol = `carol@${recipientDomain}`;
const gateway = `gateway@${localDomain}`;
const has = (needle: string) => (mail: { source: Buffer }) => mail.source.includes(needle);

describe('mail servers (Postfix + Dovecot on loopback)', () => {
  beforeAll(async () => {
    await ensureMailServers();
  }, 600_000);

  describe('when status.sh runs', () => {
    it('reports both servers up', async () => {
      const { stderr } = await execFileAsync(join(MAIL_SERVICES_DIR, 'status.sh'));
      expect(stderr).toContain('postfix: up');
      expect(stderr).toContain('dovecot: up');
    });
  });

  describe('when a message goes to a known user with NOTIFY=SUCCESS,FAILURE and an ENVID', () => {
    const envid = uniqueId('env-ok');
    const messageId = `${envid}@${localDomain}`;

    beforeAll(async () => {
      const sent = await sendRaw({
        from: bounceUser,
        to: [alice],
        raw: buildMessage({ from: gateway, to: alice, subject: `hello ${envid}`, messageId, body: 'Hi Alice' }),
        dsn: { envid, notify: ['SUCCESS', 'FAILURE'], ret: 'HDRS', orcpt: alice },
      });
      expect(sent.accepted).toEqual([alice]);
    });

    it('lands in the recipient INBOX', async () => {
      const mail = await waitForMail(alice, has(`<${messageId}>`));
      expect(mail.source.toString()).toContain('Hi Alice');
    });

    it('returns a success DSN saying "delivered" with the Original-Envelope-Id to the bounce mailbox', async () => {
      const mail = await waitForMail(bounceUser, has(`Original-Envelope-Id: ${envid}`));
      const dsn = parseDsn(mail.source);
      expect(dsn.originalEnvelopeId).toBe(envid);
      expect(dsn.recipients).toHaveLength(1);
      expect(dsn.recipients[0]).toMatchObject({
        finalRecipient: alice,
        originalRecipient: alice,
        action: 'delivered',
        status: '2.0.0',
      });
      expect(dsn.originalMessageId).toBe(`<${messageId}>`);
    });
  });

  describe('when a message goes to an unknown user of a local domain', () => {
    const envid = uniqueId('env-fail');
    const nobody = `${uniqueId('nobody')}@${recipientDomain}`;

    beforeAll(async () => {
      // Accepted at RCPT (smtpd_reject_unlisted_recipient = no), refused later by Dovecot.
      const sent = await sendRaw({
        from: bounceUser,
        to: [nobody],
        raw: buildMessage({ from: gateway, to: nobody, subject: envid, messageId: `${envid}@${localDomain}`, body: 'x' }),
        dsn: { envid, notify: ['FAILURE'], ret: 'HDRS' },
      });
      expect(sent.accepted).toEqual([nobody]);
    });

    it('returns a failed DSN with Status 5.1.1 and a Diagnostic-Code', async () => {
      const mail = await waitForMail(bounceUser, has(`Original-Envelope-Id: ${envid}`));
      const dsn = parseDsn(mail.source);
      expect(dsn.recipients[0]).toMatchObject({ finalRecipient: nobody, action: 'failed', status: '5.1.1' });
      expect(dsn.recipients[0]?.diagnosticCode).toMatch(/^550 5\.1\.1 /);
      expect(dsn.recipients[0]?.diagnosticCodeType).toBe('smtp');
    });
  });

  describe('when a message goes to the user whose Sieve script rejects everything', () => {
    const messageId = `${uniqueId('sieve')}@${localDomain}`;

    beforeAll(async () => {
      await sendRaw({
        from: bounceUser,
        to: [sieveRejectUser],
        raw: buildMessage({ from: gateway, to: sieveRejectUser, subject: 'reject me', messageId, body: 'x' }),
      });
    });

    it('sends an automatic "deleted" MDN to the envelope sender', async () => {
      const mail = await waitForMail(bounceUser, has(`Original-Message-ID: <${messageId}>`));
      const mdn = parseMdn(mail.source);
      expect(mdn.originalMessageId).toBe(`<${messageId}>`);
      expect(mdn.finalRecipient).toBe(sieveRejectUser);
      expect(mdn.disposition).toMatchObject({ actionMode: 'automatic-action', type: 'deleted' });
    });
  });

  describe('when a reply goes to a +token address of the replies mailbox', () => {
    it('lands in replies@ with the token in Delivered-To', async () => {
      const token = uniqueId('tok').replace(/-/g, '');
      const to = `replies+${token}@${localDomain}`;
      await sendRaw({
        from: alice,
        to: [to],
        raw: buildMessage({
          from: alice,
          to,
          subject: 'Re: hello',
          messageId: `${token}@${recipientDomain}`,
          body: 'Sure!\n\nOn Mon, 1 Jan 2024 Alice wrote:\n> hello',
        }),
      });
      const mail = await waitForMail(`replies@${localDomain}`, has(token));
      const reply = parseEmailReply(mail.source);
      expect(reply.deliveredTo).toContain(to);
      expect(reply.text).toBe('Sure!');
      expect(reply.autoReply).toBeUndefined();
    });
  });

  describe('when clearMailbox runs', () => {
    it('leaves the mailbox empty', async () => {
      const messageId = `${uniqueId('clear')}@${localDomain}`;
      await sendRaw({
        from: bounceUser,
        to: [carol],
        raw: buildMessage({ from: gateway, to: carol, subject: 'to be cleared', messageId, body: 'x' }),
      });
      await waitForMail(carol, has(messageId));
      await clearMailbox(carol);
      expect(await listMail(carol)).toEqual([]);
    });
  });

  describe('when a client IDLEs on a mailbox', () => {
    let client: ImapFlow | undefined;
    afterAll(async () => {
      await client?.logout().catch(() => undefined);
    });

    it('is told of new mail without polling', async () => {
      const bob = `bob@${recipientDomain}`;
      client = await imapClient(bob);
      expect(client.capabilities.has('IDLE')).toBe(true);
      await client.mailboxOpen('INBOX');
      const before = client.mailbox === false ? 0 : client.mailbox.exists;
      const arrived = new Promise<number>((resolve) => {
        client?.on('exists', (data: { count: number }) => resolve(data.count));
      });
      const idle = client.idle();
      await sendRaw({
        from: bounceUser,
        to: [bob],
        raw: buildMessage({ from: gateway, to: bob, subject: 'idle', messageId: `${uniqueId('idle')}@${localDomain}`, body: 'x' }),
      });
      const count = await Promise.race([
        arrived,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 15 s')), 15_000)),
      ]);
      expect(count).toBeGreaterThan(before);
      await client.logout();
      await idle.catch(() => undefined);
      client = undefined;
    });
  });
});
