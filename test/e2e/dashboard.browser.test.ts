/**
 * The dashboard in a real browser against the real gateway process: Debian's chromium,
 * headless, driven by playwright-core. An operator logs in with a token made by the
 * CLI, finds a failed SMS by its recipient, opens its timeline and sees why it failed, and
 * opens a waiting SMS and sees why it waits. Screenshots of each page at 1400 px and 390 px
 * wide go to test-results/screenshots/ for review; at 390 px no page may be wider than
 * the screen.
 *
 * Chromium missing is a failure, not a skip: CI installs it (.ci/run), and a browser
 * test that silently does not run proves nothing.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneEdge } from '../../adapters/sip/index.js';
import { BullmqJobQueue } from '../../queues/job-queue.js';
import { createRedis } from '../../queues/redis-connection.js';
import { loadConfig } from '../../src/config.js';
import { isFinal } from '../../src/domain/delivery-state.js';
import { JOB_NAMES } from '../../src/domain/jobs.js';
import { isHeraldError } from '../../src/errors.js';
import { createLedger } from '../../src/ledger/index.js';
import { createLogger } from '../../src/logger.js';
import { TEST_REDIS_URL } from '../helpers/api.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

const run = promisify(execFile);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SCREENSHOTS = path.resolve('test-results/screenshots');
const RECIPIENT = '+15557654321';
/** Its delivery is left waiting: the gateway has no SMSC connection. */
const WAITING_RECIPIENT = '+15557650000';
const WIDTHS = [1400, 390] as const;
/** Markup in a sender-controlled body must be shown as text, never parsed. */
const BODY = 'Gate code 4711 <img src=x id=injected onerror="document.title=\'pwned\'">';
const REASON = 'SMSC refused: ESME_RINVDSTADR (0x0000000B)';

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `dashboard-${name}.png`), fullPage: true });
}

/** Screenshots at each width; at 390 px the page must not scroll sideways. */
async function shotsAtWidths(page: Page, name: string): Promise<void> {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(200);
    await shot(page, `${name}-${String(width)}`);
    const wide = await page.evaluate('document.documentElement.scrollWidth');
    expect(wide, `${name} at ${String(width)} px`).toBeLessThanOrEqual(width);
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

/** Sends one MESSAGE to the gateway's SIP port and waits for its 202. */
async function sendMessage(sipPort: number, recipient = RECIPIENT): Promise<void> {
  const uac = createStandaloneEdge(loadConfig({ env: { HERALD_SIP_PORT: '0', HERALD_SIP_SEND_TIMEOUT_MS: '5000' } }).sip, createLogger('silent'));
  await uac.start(async () => ({ status: 405, reason: 'Not here' }));
  try {
    const response = await uac.send({
      requestUri: `sip:${recipient}@127.0.0.1:${sipPort}`,
      from: { uri: 'sip:alice@127.0.0.1' },
      to: { uri: `sip:${recipient}@127.0.0.1` },
      contentType: 'text/plain',
      body: BODY,
    });
    expect(response.status).toBe(202);
  } finally {
    await uac.stop();
  }
}

/**
 * Ends the delivery as the SMS channel would on a permanent SMSC refusal. The gateway's
 * worker may be moving it at the same moment (no SMSC is configured, so it retries):
 * the version check makes one of us win, and a lost race is retried.
 */
async function failDelivery(databaseUrl: string): Promise<string> {
  const ledger = await createLedger({ databaseUrl, dataDir: '/nonexistent-never-used', poolSize: 1 }, createLogger('silent'));
  try {
    const page = await ledger.admin.messages.search({ recipient: RECIPIENT, limit: 1 });
    const messageId = page.items[0]?.message.id;
    if (messageId === undefined) throw new Error('the MESSAGE is not in the ledger');
    for (let attempt = 0; attempt < 20; attempt++) {
      const [delivery] = await ledger.listDeliveries(messageId);
      if (delivery === undefined) throw new Error('the MESSAGE has no delivery');
      if (isFinal(delivery.state)) return messageId;
      try {
        await ledger.transition({
          deliveryId: delivery.id,
          to: 'failed',
          cause: 'smpp:submit_sm_resp',
          expectedVersion: delivery.version,
          errorCode: 'GW_ERR_SMPP_SUBMIT_REJECTED',
          errorText: REASON,
        });
      } catch (err) {
        if (!isHeraldError(err) || err.code !== 'GW_ERR_LEDGER_CONFLICT') throw err;
      }
    }
    throw new Error('could not end the delivery');
  } finally {
    await ledger.close();
  }
}

/** The MSRP session the waiting message is recorded as having come in (session mode writes the same rows). */
const SESSION_ID = 'dashSess0001';

/** Records an MSRP session, ended by BYE, and links the message to `recipient` to it. */
async function linkToSession(databaseUrl: string, recipient: string): Promise<string> {
  const ledger = await createLedger({ databaseUrl, dataDir: '/nonexistent-never-used', poolSize: 1 }, createLogger('silent'));
  try {
    const page = await ledger.admin.messages.search({ recipient, limit: 1 });
    const id = page.items[0]?.message.id;
    if (id === undefined) throw new Error('the MESSAGE is not in the ledger');
    await ledger.msrpSessions.opened({ id: SESSION_ID, callId: 'chat-call@client.example', imUser: 'sip:alice@127.0.0.1', farParty: `tel:${recipient}`, largeMessageMode: false, secure: true, node: '127.0.0.1:2855', startedAt: new Date() });
    await ledger.msrpSessions.linkMessage(SESSION_ID, id);
    await ledger.msrpSessions.ended(SESSION_ID, new Date(), 'BYE');
    return id;
  } finally {
    await ledger.close();
  }
}

describe('dashboard in chromium', () => {
  let db: TestDatabase | undefined;
  let gateway: GatewayProcess | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let token = '';
  let messageId = '';
  let sessionMessageId = '';
  const prefix = `e2e-ui-${randomBytes(4).toString('hex')}`;
  const consoleProblems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: the browser test needs Debian's chromium (apt-get install -y chromium; bash .ci/run installs it)`);
    }
    mkdirSync(SCREENSHOTS, { recursive: true });
    db = await createTestDatabase('e2e_dashboard');
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: db.url, HERALD_LOG_LEVEL: 'warn' };
    token = (await run(process.execPath, ['dist/src/cli.js', 'token', 'create', '--name', 'ui', '--role', 'admin'], { env })).stdout.trim();
    expect(token).toMatch(/^hrld_/);
    gateway = await startGatewayProcess({ env: { DATABASE_URL: db.url, HERALD_QUEUES_PREFIX: prefix } });
    await sendMessage(gateway.sipPort);
    messageId = await failDelivery(db.url);
    await sendMessage(gateway.sipPort, WAITING_RECIPIENT);
    sessionMessageId = await linkToSession(db.url, WAITING_RECIPIENT);

    profile = mkdtempSync(path.join(tmpdir(), 'herald-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
  });

  afterAll(async () => {
    await context?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
    await gateway?.stop();
    const redis = createRedis(TEST_REDIS_URL);
    const jobs = new BullmqJobQueue(redis, prefix);
    for (const name of JOB_NAMES) await jobs.queue(name).obliterate({ force: true });
    await jobs.close();
    redis.disconnect();
    await db?.drop();
  });

  it('logs in, finds the message by recipient and shows its final status and reason', { timeout: 120_000 }, async () => {
    if (context === undefined || gateway === undefined) throw new Error('setup failed');
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) consoleProblems.push(message.text());
    });
    page.on('pageerror', (err) => consoleProblems.push(String(err)));

    // Not logged in: / leads to the login form.
    await page.goto(`${gateway.httpUrl}/`);
    await page.waitForSelector('#login-form');
    await shot(page, '1-login');

    await page.fill('#token', token);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('.kpis');
    await page.waitForSelector('#failures tr[data-message-id]');
    await expect.poll(() => page.locator('#health').textContent()).toContain('database');
    await shot(page, '2-overview');
    // Nothing failed is not an alarm: "0 not delivered" is not in the alarm colour.
    expect(await page.locator('.kpi-foot .bad-text', { hasText: /^0 not delivered$/ }).count()).toBe(0);
    expect(await page.locator('.kpi-foot', { hasText: '0 not delivered' }).count()).toBeGreaterThan(0);
    await shotsAtWidths(page, 'overview');

    await page.fill('#search-input', RECIPIENT);
    await page.press('#search-input', 'Enter');
    const row = page.locator(`#results-table tr[data-message-id="${messageId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain(`tel:${RECIPIENT}`);
    await shot(page, '3-search');

    await row.click();
    const state = page.locator('[data-testid="delivery-state"]');
    await state.waitFor();
    expect(await state.getAttribute('data-state')).toBe('failed');
    expect(await state.textContent()).toBe('failed');
    expect(await page.locator('.reason').textContent()).toContain(REASON);
    const timeline = (await page.locator('#timeline').textContent()) ?? '';
    expect(timeline).toContain('ingress');
    expect(timeline).toContain('smpp:submit_sm_resp');
    // Details as label/value pairs, not raw JSON; times to the millisecond with their zone.
    expect(await page.locator('#timeline dl.detail').count()).toBeGreaterThan(0);
    expect(timeline).not.toContain('{"');
    expect(await page.locator('#timeline time').first().textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC/);
    await shot(page, '4-timeline');
    await shotsAtWidths(page, 'message-failed');

    // The body's markup is text on the page, not an element.
    expect(await page.locator('pre.body').textContent()).toBe(BODY);
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    expect(consoleProblems).toEqual([]);
  });

  it('says why a waiting message waits', { timeout: 120_000 }, async () => {
    if (context === undefined || gateway === undefined) throw new Error('setup failed');
    const page = context.pages()[0] ?? (await context.newPage());
    await page.fill('#search-input', WAITING_RECIPIENT);
    await page.press('#search-input', 'Enter');
    const row = page.locator('#results-table tr[data-message-id]').first();
    await row.waitFor();
    await row.click();
    const waiting = page.locator('[data-testid="waiting-reason"]');
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('no SMSC connection is configured');
    expect(await page.locator('.reason').count()).toBe(0);
    await shotsAtWidths(page, 'message-waiting');
    expect(consoleProblems).toEqual([]);
  });

  it('shows the MSRP session a message came in, and lists the messages of that session', { timeout: 120_000 }, async () => {
    if (context === undefined || gateway === undefined) throw new Error('setup failed');
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${gateway.httpUrl}/#/messages/${sessionMessageId}`);
    const card = page.locator(`#session[data-session-id="${SESSION_ID}"]`);
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    expect(text).toContain('Chat session');
    expect(text).toContain('MSRP over TLS (msrps)');
    expect(text).toContain(`sip:alice@127.0.0.1 ⇄ tel:${WAITING_RECIPIENT}`);
    expect(text).toContain('(BYE)');
    expect(text).toContain('chat-call@client.example');
    await shotsAtWidths(page, 'message-session');
    // A page-mode message has no session card.
    await page.goto(`${gateway.httpUrl}/#/messages/${messageId}`);
    await page.locator('[data-testid="delivery-state"]').waitFor();
    expect(await page.locator('#session').count()).toBe(0);

    await page.goto(`${gateway.httpUrl}/#/messages/${sessionMessageId}`);
    await page.click('#session-messages');
    const row = page.locator(`#results-table tr[data-message-id="${sessionMessageId}"]`);
    await row.waitFor();
    expect(await page.locator('#results-table tr[data-message-id]').count()).toBe(1);
    expect(await page.locator('h1').textContent()).toBe(`Messages of MSRP session ${SESSION_ID}`);
    expect(await row.textContent()).toContain('session');
    await shot(page, '6-session-messages');
    expect(consoleProblems).toEqual([]);
  });

  it('opens Bull Board for the admin with the same session', { timeout: 60_000 }, async () => {
    if (context === undefined || gateway === undefined) throw new Error('setup failed');
    const page = await context.newPage();
    await page.goto(`${gateway.httpUrl}/admin/queues`);
    await page.getByText('sms-submit').first().waitFor();
    // The board fetched its queues through the session: the overview replaces "Loading".
    await page.getByText('Loading').first().waitFor({ state: 'detached', timeout: 20_000 });
    await shot(page, '5-bull-board');
    await page.close();
  });
});
