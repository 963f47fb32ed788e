/**
 * Fault: SMTP and IMAP unreachable under a steady SIP → email load. The gateway reaches
 * the real Postfix (SMTP) and Dovecot (IMAP) only through loopback TCP proxies; both are
 * cut at once (open connections reset, new ones refused) for OUTAGE_MS, then restored.
 * The mail servers themselves stay up for every other test file, and the test keeps
 * using them directly: it drops MDNs and replies into the watched mailbox meanwhile.
 *
 * Herald's promise: SIP ingress keeps accepting; email deliveries wait and back off
 * without spending their queue attempts on a relay that does not answer, and all end
 * delivered once it is back; each mail reaches Postfix once, bar a transaction cut after
 * Postfix took the message but before its 250 arrived (resent with the same Message-ID,
 * counted); /readyz shows smtp and imap down meanwhile and up afterwards; the IMAP
 * watcher reconnects and handles every report and reply that arrived meanwhile, each once.
 *
 * Mailbox isolation: this file alone uses postmaster@herald.test (bounce, reports and
 * reply address all point there), and its mail to bob@example.test carries the run's
 * label, so it is told apart from other files' mail and removed afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadThroughOutage, runLoad, statusCounts, waitAllFinal, waitEach, type SentMessage } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';
import { buildMessage, clearMailbox, deleteMail, ensureMailServers, listMail, mailSettings, sendRaw, uniqueId, waitForMail } from '../../helpers/mail.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';

const { localDomain, recipientDomain, password } = mailSettings;
const WATCHED = `postmaster@${localDomain}`;
const RECIPIENT = `bob@${recipientDomain}`;
/** How long both proxies are cut: long enough for several retries, short for CI. */
const OUTAGE_MS = Number(process.env.HERALD_FAULT_MAIL_OUTAGE_MS ?? 25_000);
const RATE_PER_SECOND = 3;
/** Mails answered (MDN + reply) while the gateway cannot read its mailbox. */
const ANSWERED = 5;
/** nodemailer's pool (smtp.poolSize default): at most one message in flight per connection. */
const SMTP_POOL_SIZE = 5;
const REQUESTS = 'positive-delivery, negative-delivery, display';
const CLAWS_MDN = readFileSync(new URL('../../fixtures/mdn/good/claws-mail-displayed.eml', import.meta.url), 'latin1');
const LABEL = `mail-${randomBytes(3).toString('hex')}`;

/** The Message-ID header of a stored mail, as Herald wrote it (`<…>`). */
function messageIdOf(source: Buffer): string | undefined {
  const head = source.toString('latin1').split(/\r?\n\r?\n/, 1)[0] ?? '';
  return /^Message-ID:\s*(<[^>]+>)/im.exec(head)?.[1];
}

interface PreparedMail {
  readonly text: string;
  readonly rfcMessageId: string;
  readonly replyToken: string;
}

/** The Message-ID and reply token Herald prepared for each message text of this run. */
async function preparedMails(databaseUrl: string): Promise<Map<string, PreparedMail>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ text: string; rfc_message_id: string; reply_token: string }>(
      `select convert_from(m.body, 'UTF8') as text, e.rfc_message_id, e.reply_token
         from email_outgoing e join deliveries d on d.id = e.delivery_id join messages m on m.id = d.message_id`,
    );
    return new Map(result.rows.map((row) => [row.text, { text: row.text, rfcMessageId: row.rfc_message_id, replyToken: row.reply_token }]));
  } finally {
    await client.end();
  }
}

/**
 * Per message text: its failed SMTP tries (`smtp-attempt` events, one per run of tries
 * that found no relay) and the queue attempt its `submitted` transition was made on.
 */
async function smtpTries(databaseUrl: string): Promise<Map<string, { failed: { cause: string; attempt: number }[]; submittedOn?: number }>> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const result = await client.query<{ text: string; type: string; cause: string; attempt: number | null }>(
      `select convert_from(m.body, 'UTF8') as text, e.type, e.cause, (e.detail->>'attempt')::int as attempt
         from events e join messages m on m.id = e.message_id
        where e.type = 'smtp-attempt' or (e.type = 'state' and e.to_state = 'submitted')
        order by e.id`,
    );
    const out = new Map<string, { failed: { cause: string; attempt: number }[]; submittedOn?: number }>();
    for (const row of result.rows) {
      const entry = out.get(row.text) ?? { failed: [] };
      if (row.type === 'smtp-attempt') entry.failed.push({ cause: row.cause, attempt: row.attempt ?? 0 });
      else entry.submittedOn = row.attempt ?? undefined;
      out.set(row.text, entry);
    }
    return out;
  } finally {
    await client.end();
  }
}

/** An MDN "displayed" from the recipient for a mail, as a mail client sends it (RFC 8098). */
function displayedMdn(rfcMessageId: string): string {
  return CLAWS_MDN.replaceAll('<mdnreq-c1795674424@example.test>', rfcMessageId).replace('<20261126062714.3c9a0e25@vm>', `<${uniqueId('mdn')}@vm>`);
}

/** A reply from the recipient to the mail's Reply-To (the token address). */
function reply(to: string, rfcMessageId: string, body: string): string {
  return buildMessage({ from: `Bob <${RECIPIENT}>`, to, subject: 'Re: your message', messageId: `${uniqueId('reply')}@${recipientDomain}`, body, headers: { 'In-Reply-To': rfcMessageId } });
}

describe('fault: SMTP and IMAP unreachable for a while', () => {
  const rig = faultRig();
  let smtpProxy: TcpProxy;
  let imapProxy: TcpProxy;

  beforeAll(async () => {
    await ensureMailServers();
    // Nothing left from an earlier run may be read as this run's mail.
    await clearMailbox(WATCHED);
    smtpProxy = await startTcpProxy({ host: mailSettings.host, port: mailSettings.smtpPort });
    imapProxy = await startTcpProxy({ host: mailSettings.host, port: mailSettings.imapPort });
  });

  afterAll(async () => {
    await smtpProxy?.close();
    await imapProxy?.close();
    // bob's mailbox is read by other files: leave it as this run found it; and the
    // gateway's processed folder would otherwise grow by a few hundred mails a run.
    await deleteMail(RECIPIENT, (mail) => mail.source.includes(LABEL)).catch(() => undefined);
    await clearMailbox(WATCHED, 'Herald/Processed').catch(() => undefined);
  });

  it('waits without spending attempts, reports smtp and imap down, then delivers each mail once and reads what arrived meanwhile', async () => {
    const { db, user } = rig;
    const { env } = rig.gatewayEnv('mail', {
      extra: {
        HERALD_ROUTING_EMAIL_DOMAINS: recipientDomain,
        HERALD_SMTP_HOST: smtpProxy.host,
        HERALD_SMTP_PORT: String(smtpProxy.port),
        HERALD_SMTP_STARTTLS: 'off',
        HERALD_SMTP_POOL_SIZE: String(SMTP_POOL_SIZE),
        HERALD_SMTP_FROM_ADDRESS: `gateway@${localDomain}`,
        HERALD_SMTP_BOUNCE_ADDRESS: WATCHED,
        HERALD_SMTP_REPORTS_ADDRESS: WATCHED,
        HERALD_SMTP_REPLY_ADDRESS: `postmaster+{token}@${localDomain}`,
        HERALD_IMAP_HOST: imapProxy.host,
        HERALD_IMAP_PORT: String(imapProxy.port),
        HERALD_IMAP_SECURE: 'false',
        HERALD_IMAP_STARTTLS: 'false',
        HERALD_IMAP_USERNAME: WATCHED,
        HERALD_IMAP_PASSWORD: password,
        // The default backoff (up to 60 s) would only lengthen the test: the watcher is
        // back within about two seconds of the restore.
        HERALD_IMAP_RECONNECT_MIN_MS: '500',
        HERALD_IMAP_RECONNECT_MAX_MS: '2000',
      },
    });
    const gateway = await rig.startGateway(env);
    await waitFor(
      async () => {
        const response = await fetch(`${gateway.httpUrl}/readyz`).catch(() => undefined);
        const body = (await response?.json()) as { checks?: Record<string, string> } | undefined;
        return body?.checks?.imap === 'up' ? true : undefined;
      },
      30_000,
      'the IMAP watcher to be up',
    );

    // First a few mails delivered end to end: the recipient answers these during the outage.
    const early = await runLoad({ user, ports: () => [gateway.sipPort], ratePerSecond: RATE_PER_SECOND, until: () => false, maxMessages: ANSWERED, label: `${LABEL}-early`, recipient: () => RECIPIENT, requests: REQUESTS });
    expect(early.map((m) => m.status)).toEqual(early.map(() => 202));
    await waitAllFinal(db.url, early.map((m) => m.text), 60_000);

    const answers: { message: SentMessage; replyText: string }[] = [];
    const { sent, outage, readiness } = await loadThroughOutage({
      load: { user, ports: () => [gateway.sipPort], ratePerSecond: RATE_PER_SECOND, label: LABEL, recipient: () => RECIPIENT, requests: REQUESTS },
      httpUrl: gateway.httpUrl,
      beforeMs: 6_000,
      outageMs: OUTAGE_MS,
      afterMs: 8_000,
      cut() {
        smtpProxy.pause();
        imapProxy.pause();
      },
      async during() {
        // Straight to Postfix, which delivers into the watched mailbox: mail that arrives
        // while the gateway cannot read it.
        const prepared = await preparedMails(db.url);
        for (const message of early) {
          const mail = prepared.get(message.text);
          if (mail === undefined) throw new Error(`no prepared mail for ${message.text}`);
          const replyText = `Reply ${uniqueId(LABEL)} to #${message.index}`;
          const replyTo = `postmaster+${mail.replyToken}@${localDomain}`;
          await sendRaw({ from: RECIPIENT, to: [WATCHED], raw: displayedMdn(mail.rfcMessageId) });
          await sendRaw({ from: RECIPIENT, to: [replyTo], raw: reply(replyTo, mail.rfcMessageId, replyText) });
          answers.push({ message, replyText });
        }
        await waitForMail(WATCHED, (mail) => mail.source.includes(answers.at(-1)?.replyText ?? 'none'), 20_000);
      },
      restore() {
        smtpProxy.resume();
        imapProxy.resume();
      },
    });
    const counts = JSON.stringify(statusCounts(sent));

    // Ingress does not depend on the mail servers: everything is acknowledged.
    expect(sent.filter((m) => m.status !== 202).map((m) => `#${m.index}: ${m.status}`), counts).toEqual([]);
    const during = sent.filter((m) => m.sentAt > outage.start && m.sentAt < outage.restoring);
    expect(during.length).toBeGreaterThan(RATE_PER_SECOND * (OUTAGE_MS / 1000) * 0.5);

    // Every mail ends delivered (Postfix's success DSN read back), none failed.
    const acknowledged = [...early, ...sent];
    const rows = await waitAllFinal(db.url, acknowledged.map((m) => m.text), 120_000);
    for (const message of acknowledged) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

    // They waited without spending attempts: every failed try of the outage was attempt 1
    // (the queue's 25 would otherwise run out on a long outage), and they backed off (a
    // try about as long after the last as the relay had been down, not one a second).
    const tries = await smtpTries(db.url);
    const waited = acknowledged.filter((m) => (tries.get(m.text)?.failed.length ?? 0) > 0);
    // Sent well inside the outage (its job has run by the end on a loaded machine): tried and failed.
    const inside = sent.filter((m) => m.sentAt > outage.start + 1_000 && m.sentAt < outage.restoring - 5_000);
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.filter((m) => (tries.get(m.text)?.failed.length ?? 0) === 0).map((m) => m.text)).toEqual([]);
    for (const message of waited) {
      const { failed, submittedOn } = tries.get(message.text) ?? { failed: [] };
      // Waiting for a relay that does not answer spends no attempt, and is one event however many tries.
      expect(failed.filter((f) => f.attempt !== 1), `${message.text}: ${JSON.stringify(failed)}`).toEqual([]);
      expect(failed.filter((f) => f.cause === 'GW_ERR_SMTP_UNAVAILABLE').length, `${message.text}: ${JSON.stringify(failed)}`).toBeLessThanOrEqual(1);
      expect(submittedOn, `${message.text}: submitted on attempt ${String(submittedOn)}`).toBe(1);
    }

    // Each mail reached Postfix (and bob's mailbox) once; a duplicate only for a message
    // whose 250 was cut off, at most one per pooled connection.
    const prepared = await preparedMails(db.url);
    const stored = new Map<string, number>();
    for (const mail of await listMail(RECIPIENT)) {
      const id = messageIdOf(mail.source);
      if (id !== undefined && mail.source.includes(LABEL)) stored.set(id, (stored.get(id) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const message of acknowledged) {
      const id = prepared.get(message.text)?.rfcMessageId ?? 'missing';
      const copies = stored.get(id) ?? 0;
      expect(copies, `${message.text} (${id})`).toBeGreaterThanOrEqual(1);
      duplicates += copies - 1;
    }
    expect(duplicates).toBeLessThanOrEqual(SMTP_POOL_SIZE);

    // What arrived during the outage is read once the watcher is back, each once: the
    // displayed MDN becomes one display IMDN, the reply one relayed MESSAGE.
    const imdnOf = (m: SentMessage, kind: string): number => user.imdnCounts().get(m.imdnMessageId)?.get(kind) ?? 0;
    const relayed = (replyText: string): typeof user.texts => user.texts.filter((t) => t.body.includes(replyText));
    expect(answers).toHaveLength(ANSWERED);
    const unread = await waitEach(answers, (a) => imdnOf(a.message, 'display/displayed') > 0 && relayed(a.replyText).length > 0, 60_000);
    expect(unread.map((a) => a.message.text)).toEqual([]);
    // Every delivery's sender hears "delivered": DSNs that came in during the outage too.
    const unheard = await waitEach(acknowledged, (m) => imdnOf(m, 'delivery/delivered') > 0, 60_000);
    expect(unheard.map((m) => m.text)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // room for a repeat to show
    for (const { message, replyText } of answers) {
      expect(imdnOf(message, 'display/displayed'), message.text).toBe(1);
      const copies = relayed(replyText);
      expect(copies, replyText).toHaveLength(1);
      // Not read before the watcher was back: the outage really kept it out.
      expect(copies[0]?.at ?? 0).toBeGreaterThan(outage.restoring);
    }
    for (const message of acknowledged) expect(imdnOf(message, 'delivery/delivered'), message.text).toBe(1);

    // /readyz told the truth: both down while cut (smtp once a send had failed), then up.
    const down = readiness.during(outage.start + 3_000, outage.restoring);
    expect(down.length).toBeGreaterThan(0);
    for (const report of down) {
      expect(report.status).toBe(503);
      expect(report.checks.smtp).toMatch(/^down: /);
      expect(report.checks.imap).toMatch(/^down: not watching/);
    }
    const last = readiness.seen.at(-1);
    expect(last?.status).toBe(200);
    expect(last?.checks).toMatchObject({ smtp: 'up', imap: 'up' });
    expect(gateway.child.exitCode).toBeNull();

    const triesTotal = [...tries.values()].reduce((sum, entry) => sum + entry.failed.length, 0);
    console.info(
      `mail outage (${OUTAGE_MS} ms): ${acknowledged.length} sent, ${during.length} during the outage, ${waited.length} waited (${triesTotal} failed-try events, all on attempt 1), ` +
        `Postfix duplicates ${duplicates}, ${answers.length} MDNs + replies read after the outage, proxied connections smtp ${smtpProxy.forwarded} imap ${imapProxy.forwarded}`,
    );
  }, 300_000);
});
