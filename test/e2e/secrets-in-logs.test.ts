/**
 * Secrets never reach a log line: the gateway process runs at `trace` with a distinct
 * secret in every setting that takes one, and is driven through the paths that log the
 * most (SIP digest challenges and answers, SMPP binds and submits, SMTP and IMAP logins
 * that fail, REST logins that fail and a bearer token that works), then everything it
 * wrote is searched for each secret.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { ensureMailServers, mailSettings as mail } from '../helpers/mail.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runSipp } from '../helpers/sipp.js';
import { sippSend } from '../helpers/sipp-send.js';
import { waitFor } from '../helpers/wait.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

const run = promisify(execFile);

/** One distinct value per secret setting, so a hit names the leak. */
const SECRETS = {
  database: `pg-${randomBytes(6).toString('hex')}`,
  smpp: `sm${randomBytes(3).toString('hex')}`, // SMPP passwords are at most 8 characters
  sipDigest: `sip-${randomBytes(6).toString('hex')}`,
  sipOutbound: `out-${randomBytes(6).toString('hex')}`,
  drachtio: `dr-${randomBytes(6).toString('hex')}`,
  smtp: `smtp-${randomBytes(6).toString('hex')}`,
  imap: `imap-${randomBytes(6).toString('hex')}`,
  archive: `arch-${randomBytes(6).toString('hex')}`,
} as const;

describe('secrets in logs (gateway process at trace level)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess | undefined;
  let apiToken = '';

  beforeAll(async () => {
    await ensureMailServers();
    db = await createTestDatabase('e2e_secrets');
    sim = new SmscSimulator({ accounts: [{ systemId: 'herald', password: SECRETS.smpp }], receipts: { delayMs: 100 } });
    const smscPort = await sim.start();
    // PostgreSQL here trusts loopback, so a password in the URL is accepted and ignored.
    const url = new URL(db.url);
    url.password = SECRETS.database;
    const databaseUrl = url.toString();
    const { stdout } = await run(process.execPath, ['dist/src/cli.js', 'token', 'create', '--name', 'secrets', '--role', 'admin'], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, HERALD_LOG_LEVEL: 'trace' },
    });
    apiToken = stdout.trim();
    const reports = mail.reportsUser;
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: databaseUrl,
        HERALD_LOG_LEVEL: 'trace',
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SIP_DIGEST_REALM: 'herald.test',
        HERALD_SIP_DIGEST_USERS: JSON.stringify([{ username: 'alice', password: SECRETS.sipDigest }]),
        // sipp 3.6: MD5 only, From sip:alice@127.0.0.1 (the digest user in this domain).
        HERALD_SIP_DIGEST_ALGORITHMS: 'MD5',
        HERALD_SIP_DOMAIN: '127.0.0.1',
        HERALD_SIP_OUTBOUND_USERNAME: 'herald',
        HERALD_SIP_OUTBOUND_PASSWORD: SECRETS.sipOutbound,
        HERALD_SIP_DRACHTIO_SECRET: SECRETS.drachtio,
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: SECRETS.smpp }]),
        // Postfix offers no AUTH on this port and Dovecot refuses these passwords: the
        // failure paths, which log the most, are the ones exercised.
        HERALD_SMTP_HOST: mail.host,
        HERALD_SMTP_PORT: String(mail.smtpPort),
        HERALD_SMTP_USERNAME: 'herald',
        HERALD_SMTP_PASSWORD: SECRETS.smtp,
        HERALD_SMTP_REPORTS_ADDRESS: reports,
        HERALD_IMAP_HOST: mail.host,
        HERALD_IMAP_PORT: String(mail.imapPort),
        HERALD_IMAP_USERNAME: reports,
        HERALD_IMAP_PASSWORD: SECRETS.imap,
        HERALD_IMAP_SECURE: 'false',
        HERALD_IMAP_STARTTLS: 'false',
        HERALD_ARCHIVE_HOST: mail.host,
        HERALD_ARCHIVE_PORT: String(mail.imapPort),
        HERALD_ARCHIVE_USERNAME: reports,
        HERALD_ARCHIVE_PASSWORD: SECRETS.archive,
        HERALD_ARCHIVE_SECURE: 'false',
        HERALD_ARCHIVE_STARTTLS: 'false',
      },
    });
  });

  afterAll(async () => {
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await sim?.stop();
    await db?.drop();
  });

  it('writes none of them, on any path that uses them', async () => {
    const gw = gateway;
    if (gw === undefined) throw new Error('no gateway');
    // SIP: a challenge, a wrong answer, a right answer (which then goes out over SMPP).
    const challenged = await sippSend({ gatewayPort: gw.sipPort, transport: 'udp', toUser: '+15551230001', headers: { 'Content-Type': 'text/plain' }, body: 'no credentials' });
    expect(challenged.status).toBe(401);
    for (const password of ['wrong', SECRETS.sipDigest]) {
      const sipp = await runSipp({
        scenario: 'uac-message-digest.xml',
        remote: `127.0.0.1:${gw.sipPort}`,
        transport: 'udp',
        vars: { to: `+15551230001@127.0.0.1:${gw.sipPort}` },
        extraArgs: ['-au', 'alice', '-ap', password, '-auth_uri', `+15551230001@127.0.0.1:${gw.sipPort}`],
        timeoutMs: 10_000,
      });
      const result = await sipp.done;
      if (password === SECRETS.sipDigest) expect(result.messages).toMatch(/SIP\/2\.0 202 Accepted/);
    }
    await waitFor(async () => (sim.submits.length > 0 ? true : undefined), 30_000, 'the SMS at the simulator');

    // REST: failed logins (a password-like token in the body), then the real token.
    for (const token of [SECRETS.database, 'hrld_not-a-token']) {
      const refused = await fetch(`${gw.httpUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      expect(refused.status).toBe(401);
    }
    const me = await fetch(`${gw.httpUrl}/api/v1/session`, { headers: { authorization: `Bearer ${apiToken}` } });
    expect(me.status).toBe(200);
    const readiness = await fetch(`${gw.httpUrl}/readyz`);
    const ready = (await readiness.json()) as Record<string, unknown>;

    // The IMAP logins have been refused by now (the watcher and the archive retry them).
    await waitFor(async () => (gw.logs.some((l) => l.component === 'imap' && /auth/i.test(JSON.stringify(l.err))) ? true : undefined), 30_000, 'an IMAP login failure logged');

    const written = `${JSON.stringify(gw.logs)}\n${gw.stderr()}\n${JSON.stringify(ready)}`;
    // Each path that holds a secret was taken, so its log lines are among those searched.
    const messages = new Set(gw.logs.map((l) => String(l.msg)));
    for (const expected of ['ledger connected', 'SMPP bound', 'failed login']) expect(messages, expected).toContain(expected);
    for (const [name, secret] of Object.entries(SECRETS)) expect(written.includes(secret), `${name} secret found in the gateway's output`).toBe(false);
    expect(written.includes(apiToken), 'the API token found in the gateway\'s output').toBe(false);
  });
});
