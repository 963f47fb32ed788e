/**
 * A relay that does not offer STARTTLS while `smtp.starttls` is `required` (the default)
 * is a configuration error, not a passing outage (issue 18, item 3). It used to make a
 * tight retry loop (0.5-1 s apart, not growing), an event per try, and /readyz said
 * `smtp: (not used yet)`. Now: said at start, /readyz `smtp: down` naming the cause,
 * backoff growing from 1 s, and one `smtp-attempt` event for the whole run of tries.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { sendMessage } from '../helpers/raw-sip.js';
import { startRelayWithoutStarttls, type RelayWithoutStarttls } from '../helpers/smtp-without-starttls.js';
import { waitFor } from '../helpers/wait.js';

/** How long the relay is left failing before the tries are counted. */
const WATCH_MS = 12_000;

describe('an SMTP relay without STARTTLS while TLS is required', () => {
  let db: TestDatabase;
  let relay: RelayWithoutStarttls;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    db = await createTestDatabase('e2e_smtp_no_tls');
    relay = await startRelayWithoutStarttls();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-notls-${String(process.pid)}`,
        HERALD_SMTP_HOST: '127.0.0.1',
        HERALD_SMTP_PORT: String(relay.port),
      },
    });
  }, 90_000);

  afterAll(async () => {
    await gateway?.stop('SIGTERM');
    await relay?.close();
    await db?.drop();
  });

  it('says so at start, in one line naming the setting', async () => {
    const line = await waitFor(async () => gateway.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('SMTP relay configuration error')), 15_000, 'the probe line');
    expect(line.msg).toContain('HERALD_SMTP_STARTTLS');
    expect(line.level).toBe(50);
    expect(JSON.stringify(line)).not.toContain('"stack"');
  });

  it('shows smtp down in /readyz with the reason, and retries with a growing backoff and one event', async () => {
    const readyz = async (): Promise<Record<string, string>> => ((await (await fetch(`${gateway.httpUrl}/readyz`)).json()) as { checks: Record<string, string> }).checks;
    await waitFor(async () => ((await readyz()).smtp?.startsWith('down') === true ? true : undefined), 15_000, 'smtp down');
    expect((await readyz()).smtp).toContain('STARTTLS');

    const answer = await sendMessage(gateway.sipPort, { requestUri: 'mailto:bob@example.com', from: '<sip:alice@127.0.0.1>', body: 'to a relay without TLS' });
    expect(answer.status).toBe(202);
    const before = relay.starttlsRefused;
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    const tries = relay.starttlsRefused - before;
    // Backoff from 1 s growing with the outage: a handful of tries in 12 s (the old loop
    // made 12-24). At least two: it does keep trying.
    expect(tries).toBeGreaterThanOrEqual(2);
    expect(tries).toBeLessThanOrEqual(8);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const events = await client.query<{ type: string; cause: string; detail: { error?: string } }>("select type, cause, detail from events where type = 'smtp-attempt'");
      expect(events.rows).toHaveLength(1);
      expect(events.rows[0]?.cause).toBe('GW_ERR_SMTP_UNAVAILABLE');
      expect(events.rows[0]?.detail.error).toContain('configuration error');
      const states = await client.query<{ state: string }>("select state from deliveries where target_uri = 'mailto:bob@example.com'");
      expect(states.rows.map((r) => r.state)).toEqual(['queued']);
    } finally {
      await client.end();
    }
    const stacks = gateway.logs.filter((l) => /smtp/i.test(JSON.stringify(l)) && JSON.stringify(l).includes('"stack"'));
    expect(stacks).toEqual([]);
  }, 60_000);
});
