/**
 * Email interworking end to end: the gateway as a process, IMs in over SIP (sipp), out
 * through the real Postfix, DSNs/MDNs/replies read back from the real Dovecot, IMDNs and
 * relayed replies at sipp UASes.
 *
 * Mailbox isolation: this file alone watches reports@herald.test (bounce, reports and
 * reply address all point there), so parallel test files never see its mail.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import type { StoredDelivery } from '../../src/domain/message.js';
import type { Ledger } from '../../src/ports/ledger.port.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { ensureMailServers, mailSettings, sendRaw, uniqueId, waitForMail } from '../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runSipp, type SippRun } from '../helpers/sipp.js';
import { waitFor } from '../helpers/wait.js';

const { localDomain, recipientDomain, password, sieveRejectUser } = mailSettings;
const WATCHED = `reports@${localDomain}`;
const alice = `alice@${recipientDomain}`;
const CLAWS_MDN = readFileSync(new URL('../fixtures/mdn/good/claws-mail-displayed.eml', import.meta.url), 'latin1');
const MAIL_FIXTURES = new URL('../fixtures/mail/', import.meta.url);
const fixtureText = (path: string): string => readFileSync(new URL(path, MAIL_FIXTURES), 'latin1');
const fixtureTable = <T>(dir: string): Record<string, T> => JSON.parse(readFileSync(new URL(`${dir}/expected.json`, MAIL_FIXTURES), 'utf8')) as Record<string, T>;

/**
 * Real bounces (test/fixtures/mail/bounces/expected.json, origins there): those whose
 * returned copy carries a Message-ID are sent with it swapped for the one Herald wrote;
 * a failed one must fail its delivery with an IMDN carrying the status and a piece of the
 * diagnostic, a delayed one must leave it submitted with a `dsn` event. The few that
 * return nothing cannot be correlated and are read in the unit test only.
 */
interface ExpectedBounce {
  readonly action: 'failed' | 'delayed';
  readonly status: string;
  readonly diagnostic?: string;
  readonly returnedId?: string;
}
const BOUNCES = Object.entries(fixtureTable<ExpectedBounce>('bounces')).flatMap(([file, b]) => (b.returnedId === undefined ? [] : [{ file, ...b, returnedId: b.returnedId }]));
const FAILING_BOUNCES = BOUNCES.filter((b) => b.action === 'failed');
const DELAY_BOUNCES = BOUNCES.filter((b) => b.action === 'delayed');

/** The envelope sender an automatic mail came with: its own Return-Path when that is `<>`. */
function envelopeSenderOf(raw: string, otherwise: string): string {
  const headerEnd = raw.search(/\r?\n\r?\n/);
  return /^Return-Path:[ \t]*<>[ \t]*\r?$/im.test(raw.slice(0, headerEnd)) ? '' : otherwise;
}

/** A fixture mail as sent now: its own Message-ID made unique, `replacements` applied. */
function freshMail(raw: string, replacements: ReadonlyArray<readonly [string, string]>): Buffer {
  let text = raw;
  for (const [from, to] of replacements) text = text.split(from).join(to);
  // The report's (or reply's) own Message-ID: unique per run, so the mail is never a duplicate.
  const headerEnd = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, headerEnd).replace(/^Message-I[Dd]:.*$/im, `Message-ID: <${uniqueId('rw')}@mail.example.test>`);
  return Buffer.from(head + text.slice(headerEnd), 'latin1');
}

interface SentIm {
  readonly imdnId: string;
  readonly status: number;
}

/** One MESSAGE with a CPIM body to `sip:<user>@<domain>`, from an IM user reachable at `uasPort`. */
async function sendIm(gatewayPort: number, options: { to: string; text: string; disposition: string; uasPort: number; subject?: string }): Promise<SentIm> {
  const imdnId = `im-${randomBytes(8).toString('hex')}`;
  const sender = `sip:imuser@127.0.0.1:${options.uasPort}`;
  const cpim = [
    `From: <${sender}>`,
    `To: <sip:${options.to}>`,
    'DateTime: 2026-11-26T06:14:30Z',
    ...(options.subject === undefined ? [] : [`Subject: ${options.subject}`]),
    'NS: imdn <urn:ietf:params:imdn>',
    `imdn.Message-ID: ${imdnId}`,
    `imdn.Disposition-Notification: ${options.disposition}`,
    `imdn.IMDN-Record-Route: <sip:127.0.0.1:${options.uasPort}>`,
    '',
    'Content-Type: text/plain;charset=UTF-8',
    `Content-Length: ${Buffer.byteLength(options.text)}`,
    '',
    options.text,
  ].join('\r\n');
  const dir = mkdtempSync(join(tmpdir(), 'herald-email-im-'));
  writeFileSync(join(dir, 'body.txt'), cpim);
  const statuses = [202, 400, 403, 404, 413, 415, 500, 503];
  const scenario = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="email-im">
  <send retrans="500">
    <![CDATA[
      MESSAGE sip:${options.to} SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <${sender}>;tag=[pid]SIPpTag[call_number]
      To: <sip:${options.to}>
      Call-ID: [call_id]
      CSeq: 1 MESSAGE
      Max-Forwards: 70
      Content-Type: message/cpim
      Content-Length: [len]

[file name="${join(dir, 'body.txt')}"]
    ]]>
  </send>
  <recv response="100" optional="true"/>
${statuses.map((s, i) => `  <recv response="${s}"${i < statuses.length - 1 ? ' optional="true"' : ''} next="done"/>`).join('\n')}
  <label id="done"/>
</scenario>
`;
  writeFileSync(join(dir, 'scenario.xml'), scenario, 'latin1');
  const run = await runSipp({ scenario: join(dir, 'scenario.xml'), remote: `127.0.0.1:${gatewayPort}`, transport: 'udp', timeoutMs: 15_000 });
  const result = await run.done;
  const status = [...result.messages.matchAll(/SIP\/2\.0 (\d{3})/g)].map((m) => Number(m[1])).pop() ?? 0;
  return { imdnId, status };
}

/** A UAS answering `calls` MESSAGEs with 200 (IMDNs and relayed replies land here). */
function imUser(calls: number): Promise<SippRun> {
  return runSipp({ scenario: 'uas-message-200.xml', transport: 'udp', calls, timeoutMs: 60_000 });
}

/** The MESSAGE bodies a UAS received. */
function receivedBodies(messages: string): string[] {
  return messages.split(/^-{5,}.*$/m).filter((block) => /^MESSAGE /m.test(block));
}

describe('email interworking (gateway process, Postfix, Dovecot, sipp)', () => {
  let db: TestDatabase;
  let gateway: GatewayProcess;
  let ledger: Ledger;
  let sql: pg.Client;

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('email_e2e');
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: 'redis://127.0.0.1:6379',
        HERALD_QUEUES_PREFIX: `e2e-email-${randomBytes(4).toString('hex')}`,
        HERALD_ROUTING_EMAIL_DOMAINS: recipientDomain,
        HERALD_SMTP_HOST: mailSettings.host,
        HERALD_SMTP_PORT: String(mailSettings.smtpPort),
        HERALD_SMTP_STARTTLS: 'off',
        HERALD_SMTP_FROM_ADDRESS: `gateway@${localDomain}`,
        HERALD_SMTP_BOUNCE_ADDRESS: WATCHED,
        HERALD_SMTP_REPORTS_ADDRESS: WATCHED,
        HERALD_SMTP_REPLY_ADDRESS: `reports+{token}@${localDomain}`,
        HERALD_IMAP_HOST: mailSettings.host,
        HERALD_IMAP_PORT: String(mailSettings.imapPort),
        HERALD_IMAP_SECURE: 'false',
        HERALD_IMAP_STARTTLS: 'false',
        HERALD_IMAP_USERNAME: WATCHED,
        HERALD_IMAP_PASSWORD: password,
        // Short, so the run goes through several heartbeat + re-IDLE rounds.
        HERALD_IMAP_RE_IDLE_MS: '3000',
        HERALD_IMDN_SWEEP_MS: '1000',
      },
    });
    ledger = await createLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 2 }, createLogger('silent'));
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await sql?.end();
    await ledger?.close();
    await db?.drop();
  });

  async function deliveryOf(imdnId: string): Promise<StoredDelivery> {
    return waitFor(
      async () => {
        const row = await sql.query<{ id: string }>('select id from messages where imdn_message_id = $1', [imdnId]);
        const id = row.rows[0]?.id;
        return id === undefined ? undefined : (await ledger.listDeliveries(id))[0];
      },
      10_000,
      `message ${imdnId}`,
    );
  }

  async function reaches(deliveryId: string, state: string, timeoutMs = 30_000): Promise<StoredDelivery> {
    return waitFor(
      async () => {
        const d = await ledger.getDelivery(deliveryId);
        return d?.state === state ? d : undefined;
      },
      timeoutMs,
      `delivery ${deliveryId} ${state}`,
    );
  }

  async function eventOf(messageId: string, type: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    return waitFor(
      async () => (await ledger.listEvents(messageId)).find((e) => e.type === type)?.detail,
      timeoutMs,
      `${type} event on ${messageId}`,
    );
  }

  async function emailMessageIdOf(deliveryId: string): Promise<string> {
    const row = await sql.query<{ rfc_message_id: string }>('select rfc_message_id from email_outgoing where delivery_id = $1', [deliveryId]);
    const id = row.rows[0]?.rfc_message_id;
    if (id === undefined) throw new Error(`no prepared mail for ${deliveryId}`);
    return id;
  }

  /** An IM to Alice asking for display only, once mailed: its delivery, Message-ID and the mail as Alice's box holds it. */
  async function mailedIm(text: string, uasPort: number): Promise<{ delivery: StoredDelivery; emailId: string; mail: string }> {
    const sent = await sendIm(gateway.sipPort, { to: alice, text, disposition: 'display', uasPort });
    const delivery = await deliveryOf(sent.imdnId);
    await reaches(delivery.id, 'submitted');
    const emailId = await emailMessageIdOf(delivery.id);
    const mail = (await waitForMail(alice, (m) => m.source.includes(emailId))).source.toString('utf8');
    return { delivery, emailId, mail };
  }

  describe('when an IM to a known recipient asks for delivery notifications', () => {
    it('sends the mail with the DSN request, ends delivered on the success DSN, and the IM user gets IMDN delivered', async () => {
      const uas = await imUser(1);
      await uas.started;
      const text = `Hello Alice ${uniqueId()}`;
      const sent = await sendIm(gateway.sipPort, { to: alice, text, disposition: 'positive-delivery, negative-delivery', uasPort: uas.port });
      expect(sent.status).toBe(202);
      const delivery = await deliveryOf(sent.imdnId);
      const delivered = await reaches(delivery.id, 'delivered');
      expect(delivered.farSideAt).toBeInstanceOf(Date);

      const emailId = await emailMessageIdOf(delivery.id);
      const mail = (await waitForMail(alice, (m) => m.source.includes(emailId))).source.toString('utf8');
      expect(mail).toMatch(/^Reply-To: reports\+[A-Za-z0-9_-]+@herald\.test\r?$/m);
      expect(mail).not.toMatch(/^Disposition-Notification-To:/im);
      expect(mail).toContain(text);

      const events = await ledger.listEvents(delivery.messageId);
      expect(events.find((e) => e.toState === 'delivered')?.detail).toMatchObject({ action: 'delivered', status: '2.0.0' });
      const result = await uas.done;
      const imdn = receivedBodies(result.messages).join('\n');
      expect(imdn).toContain('<delivered/>');
      expect(imdn).toContain(sent.imdnId);
    }, 90_000);
  });

  describe('when an IM goes to an unknown mailbox', () => {
    it('ends failed with Status 5.1.1 and the diagnostic, and the IM user gets IMDN failed', async () => {
      const uas = await imUser(1);
      await uas.started;
      const sent = await sendIm(gateway.sipPort, { to: `nobody-${randomBytes(3).toString('hex')}@${recipientDomain}`, text: 'Anyone?', disposition: 'negative-delivery', uasPort: uas.port });
      expect(sent.status).toBe(202);
      const delivery = await deliveryOf(sent.imdnId);
      const failed = await reaches(delivery.id, 'failed');
      expect(failed.errorCode).toBe('5.1.1');
      expect(failed.errorText).toMatch(/550 5\.1\.1/);
      const imdn = receivedBodies((await uas.done).messages).join('\n');
      expect(imdn).toContain('<failed/>');
      expect(imdn).toContain('5.1.1');
    }, 90_000);
  });

  describe('when a mail client sends a displayed MDN (Claws Mail)', () => {
    it('records an mdn event and the IM user gets IMDN displayed', async () => {
      const uas = await imUser(1);
      await uas.started;
      const { delivery, emailId, mail } = await mailedIm('Read me', uas.port);
      expect(mail).toMatch(new RegExp(`^Disposition-Notification-To: ${WATCHED.replace('.', '\\.')}\\r?$`, 'm'));

      const mdn = CLAWS_MDN.replaceAll('<mdnreq-c1795674424@example.test>', emailId).replace('<20261126062714.3c9a0e25@vm>', `<${uniqueId('claws')}@vm>`);
      await sendRaw({ from: alice, to: [WATCHED], raw: mdn });
      const detail = await eventOf(delivery.messageId, 'mdn');
      expect(detail).toMatchObject({ disposition: 'displayed', reportingUa: 'Claws Mail 4.1.1' });
      const imdn = receivedBodies((await uas.done).messages).join('\n');
      expect(imdn).toContain('<displayed/>');
    }, 90_000);
  });

  describe('when a Sieve reject sends an automatic deleted MDN', () => {
    it('records the event and sends no display IMDN', async () => {
      const sent = await sendIm(gateway.sipPort, { to: sieveRejectUser, text: 'You will not want this', disposition: 'display', uasPort: 9 });
      const delivery = await deliveryOf(sent.imdnId);
      const detail = await eventOf(delivery.messageId, 'mdn');
      expect(detail).toMatchObject({ disposition: 'deleted', actionMode: 'automatic-action', meaning: expect.stringContaining('deleted, maybe unread') });
      // Give the dispositions module every chance to (wrongly) create one.
      await new Promise((r) => setTimeout(r, 1500));
      const rows = await sql.query('select kind, status from notifications where delivery_id = $1', [delivery.id]);
      expect(rows.rows).toEqual([]);
    }, 90_000);
  });

  describe('when the recipient replies to the mail', () => {
    it('relays the new text (quote stripped) as a SIP MESSAGE to the IM user who wrote', async () => {
      const uas = await imUser(1);
      await uas.started;
      // Only display asked: no DSN, so the one MESSAGE the UAS gets is the relayed reply.
      const sent = await sendIm(gateway.sipPort, { to: alice, text: 'Lunch tomorrow?', disposition: 'display', uasPort: uas.port });
      const delivery = await deliveryOf(sent.imdnId);
      await reaches(delivery.id, 'submitted');
      const emailId = await emailMessageIdOf(delivery.id);
      const mail = (await waitForMail(alice, (m) => m.source.includes(emailId))).source.toString('utf8');
      const replyTo = /^Reply-To: (\S+)\r?$/m.exec(mail)?.[1];
      expect(replyTo).toBeDefined();
      const reply = [
        `From: Alice <${alice}>`,
        `To: ${replyTo ?? ''}`,
        'Subject: Re: Lunch',
        `Message-ID: <${uniqueId('reply')}@${recipientDomain}>`,
        `In-Reply-To: ${emailId}`,
        `Date: ${new Date().toUTCString()}`,
        'MIME-Version: 1.0',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Sounds good, noon at the usual place.',
        '',
        'On Thu, 26 Nov 2026 at 06:14, imuser <gateway@herald.test> wrote:',
        '> Lunch tomorrow?',
        '',
      ].join('\r\n');
      await sendRaw({ from: alice, to: [replyTo ?? ''], raw: reply });
      const result = await uas.done;
      const bodies = receivedBodies(result.messages);
      const relayed = bodies.find((b) => b.includes('Sounds good'));
      expect(relayed).toBeDefined();
      expect(relayed).not.toContain('Lunch tomorrow?');
      expect(relayed).toMatch(/^MESSAGE sip:imuser@127\.0\.0\.1:\d+/m);
      // From: the replier as the IM user wrote to them, sip:alice@example.test, since
      // example.test is an email routing domain (egress/sender-uri.ts); Herald in Sender.
      expect(relayed).toMatch(/^From: "?Alice"? ?<sip:alice@example\.test>;tag=/m);
      expect(relayed).toMatch(/^Sender: <sip:[^>]+>\r?$/m);
      const note = await eventOf(delivery.messageId, 'email-reply');
      expect(note).toMatchObject({ relayed: true });
    }, 90_000);
  });
  describe('when an auto-reply or a mail with an unknown token arrives', () => {
    it('relays neither: an event on the original, and both counted', async () => {
      const sent = await sendIm(gateway.sipPort, { to: alice, text: 'Are you there?', disposition: 'display', uasPort: 9 });
      const delivery = await deliveryOf(sent.imdnId);
      await reaches(delivery.id, 'submitted');
      const emailId = await emailMessageIdOf(delivery.id);
      const mail = (await waitForMail(alice, (m) => m.source.includes(emailId))).source.toString('utf8');
      const replyTo = /^Reply-To: (\S+)\r?$/m.exec(mail)?.[1] ?? '';
      // The unknown-token mail is not automatic by any marker (its subject neither), so it
      // is counted as unknown-token.
      const auto = (to: string, extra: string[], subject = 'Out of office'): string =>
        [`From: Alice <${alice}>`, `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${uniqueId('auto')}@${recipientDomain}>`, ...extra, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', 'I am away until Monday.', ''].join('\r\n');
      await sendRaw({ from: alice, to: [replyTo], raw: auto(replyTo, ['Auto-Submitted: auto-replied']) });
      const unknown = `reports+unknownTOKEN123@${localDomain}`;
      await sendRaw({ from: alice, to: [unknown], raw: auto(unknown, [], 'Re: Are you there?') });
      const note = await eventOf(delivery.messageId, 'email-reply');
      expect(note).toMatchObject({ relayed: false, reason: 'auto-submitted' });
      await waitFor(
        async () => {
          const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
          return /herald_email_inbound_total\{kind="reply",outcome="unknown-token"\} [1-9]/.test(metrics) &&
            /herald_email_inbound_total\{kind="reply",outcome="auto-reply"\} [1-9]/.test(metrics)
            ? true
            : undefined;
        },
        20_000,
        'inbound metrics',
      );
      const relayed = await sql.query("select count(*)::int as n from messages where direction = 'mo' and convert_from(body, 'UTF8') like '%away until%'");
      expect(relayed.rows[0]).toEqual({ n: 0 });
    }, 60_000);
  });

  describe('when one IM user writes twice to the same recipient', () => {
    it('threads the second mail after the first (In-Reply-To, References)', async () => {
      const port = 40_000 + Math.floor(Math.random() * 20_000);
      const first = await sendIm(gateway.sipPort, { to: alice, text: 'First', disposition: 'display', uasPort: port });
      const firstDelivery = await deliveryOf(first.imdnId);
      await reaches(firstDelivery.id, 'submitted');
      const second = await sendIm(gateway.sipPort, { to: alice, text: 'Second', disposition: 'display', uasPort: port });
      const secondDelivery = await deliveryOf(second.imdnId);
      await reaches(secondDelivery.id, 'submitted');
      const rootId = await emailMessageIdOf(firstDelivery.id);
      const secondId = await emailMessageIdOf(secondDelivery.id);
      const mail = (await waitForMail(alice, (m) => m.source.includes(secondId))).source.toString('utf8');
      expect(mail).toMatch(new RegExp(`^In-Reply-To: ${rootId}\\r?$`, 'm'));
      expect(mail).toMatch(new RegExp(`^References: ${rootId}\\r?$`, 'm'));
    }, 60_000);
  });

  describe('when real-world bounces from many MTAs come back, DSNs and bounces in words (issue 17)', () => {
    it('fails every delivery with a failed IMDN carrying the status and diagnostic, and records delay notices without failing', async () => {
      // The corpus, not a sample of it: every bounce that returns a Message-ID goes through.
      expect(FAILING_BOUNCES.length + DELAY_BOUNCES.length).toBeGreaterThanOrEqual(30);
      const uas = await imUser(FAILING_BOUNCES.length);
      await uas.started;
      const failing: Array<{ imdnId: string; deliveryId: string; messageId: string; bounce: (typeof FAILING_BOUNCES)[number] }> = [];
      for (const bounce of FAILING_BOUNCES) {
        const sent = await sendIm(gateway.sipPort, { to: alice, text: `Bounce me (${bounce.file})`, disposition: 'negative-delivery', uasPort: uas.port });
        expect(sent.status).toBe(202);
        const delivery = await deliveryOf(sent.imdnId);
        failing.push({ imdnId: sent.imdnId, deliveryId: delivery.id, messageId: delivery.messageId, bounce });
      }
      const delayed: Array<{ deliveryId: string; messageId: string; bounce: (typeof DELAY_BOUNCES)[number] }> = [];
      for (const bounce of DELAY_BOUNCES) {
        const sent = await sendIm(gateway.sipPort, { to: alice, text: `Delay me (${bounce.file})`, disposition: 'display', uasPort: 9 });
        const delivery = await deliveryOf(sent.imdnId);
        await reaches(delivery.id, 'submitted');
        const emailId = await emailMessageIdOf(delivery.id);
        await sendRaw({ from: '', to: [WATCHED], raw: freshMail(fixtureText(`bounces/${bounce.file}`), [[bounce.returnedId, emailId]]) });
        delayed.push({ deliveryId: delivery.id, messageId: delivery.messageId, bounce });
      }
      for (const { deliveryId, bounce } of failing) {
        await reaches(deliveryId, 'submitted');
        const emailId = await emailMessageIdOf(deliveryId);
        await sendRaw({ from: '', to: [WATCHED], raw: freshMail(fixtureText(`bounces/${bounce.file}`), [[bounce.returnedId, emailId]]) });
      }
      for (const { deliveryId, bounce } of failing) {
        const failed = await reaches(deliveryId, 'failed', 60_000);
        expect([bounce.file, failed.errorCode]).toEqual([bounce.file, bounce.status]);
        if (bounce.diagnostic !== undefined) expect([bounce.file, failed.errorText]).toEqual([bounce.file, expect.stringContaining(bounce.diagnostic)]);
      }
      const imdns = receivedBodies((await uas.done).messages);
      for (const { imdnId, bounce } of failing) {
        const imdn = imdns.find((b) => b.includes(imdnId));
        expect([bounce.file, imdn?.includes('<failed/>')]).toEqual([bounce.file, true]);
        expect(imdn).toContain(bounce.status);
        // The diagnostic travels in the IMDN's failure reason (XML-escaped there).
        const reason = (imdn ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
        if (bounce.diagnostic !== undefined) expect([bounce.file, reason]).toEqual([bounce.file, expect.stringContaining(bounce.diagnostic)]);
      }
      for (const { deliveryId, messageId, bounce } of delayed) {
        const detail = await eventOf(messageId, 'dsn');
        expect([bounce.file, detail]).toEqual([bounce.file, expect.objectContaining({ action: 'delayed', status: bounce.status, format: expect.stringMatching(/^(rfc3464|text)$/) })]);
        expect((await ledger.getDelivery(deliveryId))?.state).toBe('submitted');
      }
    }, 240_000);
  });

  describe('when replies from many clients and languages, and auto-replies, answer one mail (issue 17)', () => {
    it('relays each reply with the quote stripped and the answer kept (windows-1252 exact, lower-cased Reply-To found), and no auto-reply', async () => {
      const replies = fixtureTable<{ expected: string }>('replies');
      const autos = fixtureTable<{ reason: string }>('auto-replies');
      const uas = await imUser(Object.keys(replies).length);
      await uas.started;
      const { delivery, mail } = await mailedIm('Lunch tomorrow?', uas.port);
      const replyTo = /^Reply-To: (\S+)\r?$/m.exec(mail)?.[1] ?? '';
      expect(replyTo).toMatch(/^reports\+[0-9a-f]{32}@herald\.test$/);
      const ids = new Map<string, string>();
      let n = 0;
      for (const name of [...Object.keys(replies), ...Object.keys(autos)]) {
        const dir = name in replies ? 'replies' : 'auto-replies';
        // Every other reply goes to the Reply-To upper-cased: mail systems change case.
        const to = n++ % 2 === 0 ? replyTo : replyTo.toUpperCase();
        const fixture = fixtureText(`${dir}/${name}`);
        const raw = freshMail(fixture, [['replies+TOKEN@herald.test', to]]);
        const id = /^Message-ID: (<[^>]+>)/m.exec(raw.toString('latin1'))?.[1] ?? '';
        ids.set(name, id);
        // An auto-reply sent with a null envelope sender arrives with Return-Path <> again.
        await sendRaw({ from: envelopeSenderOf(fixture, `bob@${recipientDomain}`), to: [to], raw });
      }
      const bodyOf = async (name: string): Promise<string | undefined> => {
        const row = await sql.query<{ text: string }>("select convert_from(body, 'UTF8') as text from messages where direction = 'mo' and dedupe_key = $1", [`email-reply:${ids.get(name) ?? ''}`]);
        return row.rows[0]?.text;
      };
      for (const [name, { expected }] of Object.entries(replies)) {
        const text = await waitFor(() => bodyOf(name), 60_000, `relayed ${name}`);
        expect([name, text]).toEqual([name, expected]);
      }
      const result = await uas.done;
      expect(receivedBodies(result.messages)).toHaveLength(Object.keys(replies).length);
      const events = await waitFor(
        async () => {
          const notes = (await ledger.listEvents(delivery.messageId)).filter((e) => e.type === 'email-reply' && e.detail.relayed === false);
          return notes.length >= Object.keys(autos).length ? notes : undefined;
        },
        30_000,
        'auto-reply notes',
      );
      expect(new Set(events.map((e) => e.detail.reason))).toEqual(new Set(Object.values(autos).map((a) => a.reason)));
      for (const name of Object.keys(autos)) expect([name, await bodyOf(name)]).toEqual([name, undefined]);
    }, 240_000);
  });

  describe('when the IM user answers an email contact at its escaped URI (issue 17 item 7)', () => {
    it('routes sip:bob%40example.test@<gateway> to bob by email, in the same thread as the first mail', async () => {
      const port = 40_000 + Math.floor(Math.random() * 20_000);
      const bob = `bob@${recipientDomain}`;
      const first = await sendIm(gateway.sipPort, { to: bob, text: 'First to Bob', disposition: 'display', uasPort: port });
      const firstDelivery = await deliveryOf(first.imdnId);
      await reaches(firstDelivery.id, 'submitted');
      const answer = await sendIm(gateway.sipPort, { to: `bob%40${recipientDomain}@${localDomain}`, text: 'Answer to Bob', disposition: 'display', uasPort: port });
      expect(answer.status).toBe(202);
      const answerDelivery = await deliveryOf(answer.imdnId);
      expect(answerDelivery.targetUri).toBe(`mailto:${bob}`);
      await reaches(answerDelivery.id, 'submitted');
      const rootId = await emailMessageIdOf(firstDelivery.id);
      const answerId = await emailMessageIdOf(answerDelivery.id);
      const mail = (await waitForMail(bob, (m) => m.source.includes(answerId))).source.toString('utf8');
      expect(mail).toContain('Answer to Bob');
      expect(mail).toMatch(new RegExp(`^In-Reply-To: ${rootId}\\r?$`, 'm'));
    }, 60_000);
  });

  describe('when the gateway runs with no SMTP relay and no IMAP configured', () => {
    it('starts, says none configured, and keeps email deliveries waiting with a log line', async () => {
      // Its own database: the main gateway's stranded sweep must not pick its delivery up.
      const bareDb = await createTestDatabase('email_e2e_bare');
      const bare = await startGatewayProcess({
        env: {
          DATABASE_URL: bareDb.url,
          REDIS_URL: 'redis://127.0.0.1:6379',
          HERALD_QUEUES_PREFIX: `e2e-email-bare-${randomBytes(4).toString('hex')}`,
          HERALD_ROUTING_EMAIL_DOMAINS: recipientDomain,
          HERALD_SMTP_NO_RELAY_RETRY_MS: '300',
        },
      });
      try {
        const ready = (await (await fetch(`${bare.httpUrl}/readyz`)).json()) as { checks: Record<string, string> };
        expect(ready.checks).toMatchObject({ smtp: 'none configured', imap: 'none configured' });
        const sent = await sendIm(bare.sipPort, { to: alice, text: 'Nobody sends me', disposition: 'positive-delivery', uasPort: 9 });
        expect(sent.status).toBe(202);
        await waitFor(async () => (bare.logs.filter((l) => String(l.msg).startsWith('email delivery waits')).length >= 2 ? true : undefined), 15_000, 'wait log');
        const client = new pg.Client({ connectionString: bareDb.url });
        await client.connect();
        const rows = await client.query<{ state: string }>('select d.state from deliveries d join messages m on m.id = d.message_id where m.imdn_message_id = $1', [sent.imdnId]);
        await client.end();
        expect(rows.rows.map((r) => r.state)).toEqual(['accepted']);
      } finally {
        await bare.stop();
        await bareDb.drop();
      }
    }, 60_000);
  });
});
