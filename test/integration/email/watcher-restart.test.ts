/**
 * The IMAP watcher against the real Dovecot: 50 DSNs arrive while the watcher is stopped
 * and restarted twice and one mail "crashes" the processor after its effect was written
 * (before the UID was recorded). Every report must have its effect exactly once, and
 * every mail must end in the processed folder.
 *
 * Mailbox isolation: this file alone watches gateway@herald.test.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailboxWatcher } from '../../../adapters/imap/index.js';
import { imapSchema } from '../../../src/config-email.js';
import { smtpSchema } from '../../../src/config-email.js';
import { newId } from '../../../src/domain/ids.js';
import { createMailProcessor, emailSettings } from '../../../src/email/index.js';
import { heraldError } from '../../../src/errors.js';
import { createLedger } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/metrics.js';
import type { JobQueue } from '../../../src/ports/job-queue.port.js';
import type { MailboxCursorStore, MailProcessor } from '../../../src/ports/mailbox-watcher.port.js';
import { clearMailbox, ensureMailServers, listMail, mailSettings, sendRaw } from '../../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { waitFor } from '../../helpers/wait.js';

const log = createLogger('silent');
const WATCHED = `gateway@${mailSettings.localDomain}`;
const PROCESSED = `Herald/Processed-${randomBytes(3).toString('hex')}`;
const REPORTS = 50;

const noJobs: JobQueue = {
  enqueue: async () => undefined,
  enqueueBulk: async () => undefined,
  enqueueBatch: async () => undefined,
  backlog: async () => 0,
  ping: async () => undefined,
};

function dsn(deliveryId: string, index: number, action: 'delayed' | 'delivered'): string {
  const status = action === 'delayed' ? '4.4.1' : '2.0.0';
  return [
    `From: Mail Delivery System <MAILER-DAEMON@${mailSettings.localDomain}>`,
    `To: ${WATCHED}`,
    `Subject: Delivery Status Notification ${index}`,
    `Message-ID: <dsn-${index}-${deliveryId}@${mailSettings.localDomain}>`,
    `Date: ${new Date().toUTCString()}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b0"',
    '',
    '--b0',
    'Content-Type: text/plain',
    '',
    `Report ${index}.`,
    '--b0',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${mailSettings.hostname}`,
    `Original-Envelope-Id: ${deliveryId}`,
    `Arrival-Date: ${new Date().toUTCString()}`,
    '',
    `Final-Recipient: rfc822; alice@${mailSettings.recipientDomain}`,
    `Action: ${action}`,
    `Status: ${status}`,
    '',
    '--b0--',
    '',
  ].join('\r\n');
}

describe('MailboxWatcher', () => {
  let db: TestDatabase;
  let ledger: Awaited<ReturnType<typeof createLedger>>;
  const config = {
    ...imapSchema.parse({
      host: mailSettings.host,
      port: mailSettings.imapPort,
      secure: false,
      starttls: false,
      username: WATCHED,
      password: mailSettings.password,
      processedMailbox: PROCESSED,
      reIdleMs: 2000,
      responseTimeoutMs: 5000,
      reconnectMinMs: 100,
      reconnectMaxMs: 500,
    }),
    host: mailSettings.host,
  };

  beforeAll(async () => {
    await ensureMailServers();
    await clearMailbox(WATCHED);
    db = await createTestDatabase('email_watcher');
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 4 }, log);
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await db?.drop();
  });

  async function seedDelivery(): Promise<{ messageId: string; deliveryId: string }> {
    const messageId = newId();
    const deliveryId = newId();
    await ledger.recordMessage(
      {
        id: messageId,
        direction: 'mt',
        sourceChannel: 'sip',
        senderUri: 'sip:imuser@example.com',
        imdnRequests: [],
        imdnRoute: [],
        contentType: 'text/plain',
        body: Buffer.from('hi'),
        sentAt: new Date(),
        dedupeKey: `seed-${messageId}`,
      },
      [{ id: deliveryId, channel: 'email', originalRecipientUri: 'mailto:alice@example.test', targetUri: 'mailto:alice@example.test' }],
    );
    await ledger.transition({ deliveryId, to: 'queued', cause: 'test' });
    await ledger.transition({ deliveryId, to: 'submitted', cause: 'test' });
    await ledger.correlations.putCorrelation({ kind: 'email-envid', key: deliveryId, deliveryId });
    return { messageId, deliveryId };
  }

  describe('when it is stopped, restarted and crashes mid-stream while 50 reports arrive', () => {
    it('processes every report exactly once and moves every mail', async () => {
      const seeded = await Promise.all(Array.from({ length: REPORTS }, () => seedDelivery()));
      const real = createMailProcessor({
        settings: emailSettings(smtpSchema.parse({})),
        ledger,
        jobs: noJobs,
        metrics: new Metrics({ defaults: false }),
        log,
      });
      const calls: string[] = [];
      let crashed = false;
      // Mail 20 has its effect written, then the "process dies" before its UID is recorded.
      const processor: MailProcessor = async (raw, source) => {
        const outcome = await real(raw, source);
        calls.push(outcome);
        if (!crashed && raw.includes('Subject: Delivery Status Notification 20')) {
          crashed = true;
          throw heraldError('GW_ERR_DB_UNREACHABLE', 'simulated crash after the effect');
        }
        return outcome;
      };
      // The 40th cursor write lands, then the "process dies" before the mail is moved.
      let saves = 0;
      const cursors: MailboxCursorStore = {
        getCursor: (key) => ledger.email.getCursor(key),
        saveCursor: async (key, cursor) => {
          await ledger.email.saveCursor(key, cursor);
          saves += 1;
          if (saves === 40) throw heraldError('GW_ERR_DB_UNREACHABLE', 'simulated crash after the record, before the move');
        },
      };
      const watcher = (): MailboxWatcher => new MailboxWatcher({ config, mailbox: 'INBOX', processor, cursors, log });

      let current = watcher();
      current.start();
      const sending = (async () => {
        for (const [i, s] of seeded.entries()) {
          await sendRaw({ from: '', to: [WATCHED], raw: dsn(s.deliveryId, i, i % 2 === 0 ? 'delayed' : 'delivered') });
        }
      })();
      // Stop and restart twice while mail keeps coming.
      for (const after of [12, 30]) {
        await waitFor(async () => (calls.length >= after ? true : undefined), 60_000, `${after} processed`);
        await current.stop();
        current = watcher();
        current.start();
      }
      await sending;
      // The server's hierarchy delimiter decides the folder's name: '.' or '/'.
      const processedMail = (): ReturnType<typeof listMail> => listMail(WATCHED, PROCESSED.replace('/', '.')).catch(() => listMail(WATCHED, PROCESSED));
      await waitFor(async () => ((await listMail(WATCHED)).length === 0 && (await processedMail()).length >= REPORTS ? true : undefined), 60_000, 'all mail moved').catch(() => undefined);
      const processed = await processedMail();
      await current.stop();

      expect(crashed).toBe(true);
      expect(saves).toBeGreaterThanOrEqual(REPORTS);
      expect(processed).toHaveLength(REPORTS);
      expect(await listMail(WATCHED)).toEqual([]);
      for (const [i, s] of seeded.entries()) {
        const events = await ledger.listEvents(s.messageId);
        const reports = events.filter((e) => e.detail.reportKey !== undefined);
        expect(reports, `report ${i}`).toHaveLength(1);
        const delivery = await ledger.getDelivery(s.deliveryId);
        expect(delivery?.state, `report ${i}`).toBe(i % 2 === 0 ? 'submitted' : 'delivered');
      }
      // The crashed mail was read again, and found already recorded.
      expect(calls.filter((c) => c === 'dsn:duplicate').length).toBeGreaterThanOrEqual(1);
    }, 180_000);
  });
});
