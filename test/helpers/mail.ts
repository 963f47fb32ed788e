/**
 * Test helpers for the real mail servers (Postfix + Dovecot on loopback) that
 * test/services/mail/setup.sh installs and starts. Settings come from
 * test/services/mail/mail.env, the single source the shell scripts read too.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

const execFileAsync = promisify(execFile);

/** Folder holding setup.sh, ctl.sh, status.sh and mail.env. */
export const MAIL_SERVICES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'services', 'mail');

/** Connection facts of the test mail servers. */
export interface MailSettings {
  readonly host: string;
  readonly smtpPort: number;
  readonly imapPort: number;
  readonly lmtpPort: number;
  readonly hostname: string;
  /** Herald's own domain: bounces, reports, replies, archive, gateway, postmaster. */
  readonly localDomain: string;
  /** The "outside world" recipients: alice, bob, carol, rejecter. */
  readonly recipientDomain: string;
  /** One IMAP password for every user; the login is the full address. */
  readonly password: string;
  readonly users: readonly string[];
  /** Envelope sender for Herald's mail: DSNs and Sieve rejects land here. */
  readonly bounceUser: string;
  /** Disposition-Notification-To target for MDNs. */
  readonly reportsUser: string;
  /** Its Sieve script rejects every message (RFC 5429), giving an automatic MDN. */
  readonly sieveRejectUser: string;
  /** `replies+TOKEN@herald.test` is delivered to `replies@herald.test`. */
  readonly recipientDelimiter: string;
}

function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq > 0) values.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  return values;
}

/** Reads mail.env (or another file in the same KEY=value format). */
export function loadMailSettings(path = join(MAIL_SERVICES_DIR, 'mail.env')): MailSettings {
  const env = parseEnvFile(readFileSync(path, 'utf8'));
  const get = (key: string): string => {
    const value = env.get(key);
    if (value === undefined || value === '') throw new Error(`${path}: ${key} is missing`);
    return value;
  };
  return {
    host: get('MAIL_HOST'),
    smtpPort: Number(get('MAIL_SMTP_PORT')),
    imapPort: Number(get('MAIL_IMAP_PORT')),
    lmtpPort: Number(get('MAIL_LMTP_PORT')),
    hostname: get('MAIL_HOSTNAME'),
    localDomain: get('MAIL_LOCAL_DOMAIN'),
    recipientDomain: get('MAIL_RECIPIENT_DOMAIN'),
    password: get('MAIL_PASSWORD'),
    users: get('MAIL_USERS').split(','),
    bounceUser: get('MAIL_BOUNCE_USER'),
    reportsUser: get('MAIL_REPORTS_USER'),
    sieveRejectUser: get('MAIL_SIEVE_REJECT_USER'),
    recipientDelimiter: get('MAIL_RECIPIENT_DELIMITER'),
  };
}

/** The settings from the committed mail.env. */
export const mailSettings: MailSettings = loadMailSettings();

function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** True when Postfix (SMTP) and Dovecot (IMAP) both accept connections. */
export async function mailServersUp(settings: MailSettings = mailSettings): Promise<boolean> {
  const [smtp, imap] = await Promise.all([
    portOpen(settings.host, settings.smtpPort),
    portOpen(settings.host, settings.imapPort),
  ]);
  return smtp && imap;
}

async function runScript(script: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync(join(MAIL_SERVICES_DIR, script), [...args], {
      timeout: 10 * 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message?: string };
    throw new Error(`${script} ${args.join(' ')} failed: ${e.message ?? ''}\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

/**
 * Makes sure the servers are up: if not, runs setup.sh (installs, configures, starts) and
 * fails loudly with its output when that does not work. Never skips.
 */
export async function ensureMailServers(settings: MailSettings = mailSettings): Promise<void> {
  if (await mailServersUp(settings)) return;
  await runScript('setup.sh', []);
  if (!(await mailServersUp(settings))) {
    throw new Error(`mail servers still down after setup.sh: check ${settings.host}:${settings.smtpPort} / ${settings.imapPort}`);
  }
}

/** Starts, stops or restarts one server (or both) through ctl.sh. */
export async function mailCtl(
  action: 'start' | 'stop' | 'restart',
  target: 'postfix' | 'dovecot' | 'all' = 'all',
): Promise<void> {
  await runScript('ctl.sh', [action, target]);
}

/** A logged-in imapflow client for `user` (full address). The caller must `logout()`. */
export async function imapClient(user: string, settings: MailSettings = mailSettings): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: settings.host,
    port: settings.imapPort,
    secure: false,
    // Loopback test server without TLS; imapflow would otherwise try STARTTLS.
    doSTARTTLS: false,
    auth: { user, pass: settings.password },
    logger: false,
  });
  await client.connect();
  return client;
}

/** One message as fetched from a mailbox. */
export interface FetchedMail {
  readonly uid: number;
  /** The complete RFC 5322 message as stored. */
  readonly source: Buffer;
}

/** Every message in `mailbox` of `user`, oldest first. */
export async function listMail(user: string, mailbox = 'INBOX'): Promise<FetchedMail[]> {
  const client = await imapClient(user);
  try {
    const lock = await client.getMailboxLock(mailbox);
    try {
      const box = client.mailbox;
      if (box === false || box.exists === 0) return [];
      const found: FetchedMail[] = [];
      for await (const msg of client.fetch('1:*', { uid: true, source: true })) {
        if (msg.source !== undefined) found.push({ uid: msg.uid, source: msg.source });
      }
      return found;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/**
 * Polls `mailbox` of `user` until a message satisfies `predicate`, and returns it.
 * Polling (not IDLE) keeps the helper independent of the code under test's IDLE handling.
 * @throws Error naming the user and what was seen when `timeoutMs` passes.
 */
export async function waitForMail(
  user: string,
  predicate: (mail: FetchedMail) => boolean,
  timeoutMs = 15_000,
  mailbox = 'INBOX',
): Promise<FetchedMail> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    const mails = await listMail(user, mailbox);
    seen = mails.length;
    const hit = mails.find(predicate);
    if (hit !== undefined) return hit;
    if (Date.now() >= deadline) {
      throw new Error(`waitForMail(${user}/${mailbox}): no matching message after ${timeoutMs} ms (${seen} seen)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Deletes every message in `mailbox` of `user` (the mailbox itself stays). */
export async function clearMailbox(user: string, mailbox = 'INBOX'): Promise<void> {
  const client = await imapClient(user);
  try {
    const lock = await client.getMailboxLock(mailbox);
    try {
      const box = client.mailbox;
      if (box !== false && box.exists > 0) await client.messageDelete('1:*');
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
}

/** Deletes the messages in `mailbox` of `user` that satisfy `predicate`; resolves how many. */
export async function deleteMail(user: string, predicate: (mail: FetchedMail) => boolean, mailbox = 'INBOX'): Promise<number> {
  const doomed = (await listMail(user, mailbox)).filter(predicate).map((mail) => mail.uid);
  if (doomed.length === 0) return 0;
  const client = await imapClient(user);
  try {
    const lock = await client.getMailboxLock(mailbox);
    try {
      await client.messageDelete(doomed.join(','), { uid: true });
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => undefined);
  }
  return doomed.length;
}

/** RFC 3461 parameters for one submission. */
export interface DsnRequest {
  /** ENVID: comes back as Original-Envelope-Id. */
  readonly envid?: string;
  readonly notify?: ReadonlyArray<'NEVER' | 'SUCCESS' | 'FAILURE' | 'DELAY'>;
  readonly ret?: 'FULL' | 'HDRS';
  /** ORCPT (one for all recipients of this submission); `rfc822;` is added if missing. */
  readonly orcpt?: string;
}

export interface SendRawOptions {
  /** Envelope sender (MAIL FROM); `''` sends the null reverse-path `<>`. */
  readonly from: string;
  /** Envelope recipients (RCPT TO). */
  readonly to: readonly string[];
  /** The complete message, CRLF or LF line ends. */
  readonly raw: string | Buffer;
  readonly dsn?: DsnRequest;
}

export interface SendResult {
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
  /** Postfix's final reply to DATA, e.g. `250 2.0.0 Ok: queued as 4Xyz`. */
  readonly response: string;
}

/** Submits a ready-made message over SMTP to the test Postfix, with optional DSN parameters. */
export async function sendRaw(options: SendRawOptions, settings: MailSettings = mailSettings): Promise<SendResult> {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.smtpPort,
    secure: false,
    ignoreTLS: true,
    name: 'herald-tests.localhost',
  });
  try {
    const dsn = options.dsn;
    const info = await transport.sendMail({
      envelope: { from: options.from === '' ? false : options.from, to: [...options.to] },
      raw: options.raw,
      ...(dsn === undefined
        ? {}
        : {
            dsn: {
              ...(dsn.envid === undefined ? {} : { id: dsn.envid }),
              ...(dsn.ret === undefined ? {} : { return: dsn.ret === 'FULL' ? 'full' : 'headers' }),
              ...(dsn.notify === undefined ? {} : { notify: [...dsn.notify] }),
              ...(dsn.orcpt === undefined ? {} : { recipient: dsn.orcpt }),
            },
          }),
    });
    const addr = (a: unknown): string => (typeof a === 'string' ? a : String((a as { address?: string }).address));
    return {
      accepted: (info.accepted as unknown[]).map(addr),
      rejected: (info.rejected as unknown[]).map(addr),
      response: String(info.response),
    };
  } finally {
    transport.close();
  }
}

/** A unique id for Message-IDs and ENVIDs, so concurrent tests never see each other's mail. */
export function uniqueId(prefix = 'herald-test'): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Builds a minimal RFC 5322 text message (CRLF line ends). `headers` are added after the
 * standard ones, e.g. `{ 'Disposition-Notification-To': 'reports@herald.test' }`.
 */
export function buildMessage(fields: {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}): string {
  const lines = [
    `From: ${fields.from}`,
    `To: ${fields.to}`,
    `Subject: ${fields.subject}`,
    `Message-ID: <${fields.messageId}>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...Object.entries(fields.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    '',
    ...fields.body.split('\n'),
  ];
  return lines.join('\r\n') + '\r\n';
}
