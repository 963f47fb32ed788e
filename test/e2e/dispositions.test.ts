import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { receivedImdns } from '../helpers/dispositions-harness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { runSipp, type SippRun } from '../helpers/sipp.js';
import { sippSend } from '../helpers/sipp-send.js';
import { SmscSimulator } from '../sim/smsc-sim.js';

/** Numbers ending in 99 are undeliverable at the simulated SMSC (absent subscriber). */
const UNDELIVERABLE = /99$/;

function cpim(from: string, to: string, imdnId: string, text: string): string {
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    'DateTime: 2026-11-26T06:14:30Z',
    'NS: imdn <urn:ietf:params:imdn>',
    `imdn.Message-ID: ${imdnId}`,
    'imdn.Disposition-Notification: positive-delivery, negative-delivery, interworking',
    '',
    'Content-Type: text/plain;charset=UTF-8',
    '',
    text,
  ].join('\r\n');
}

describe('dispositions (gateway process, SMSC simulator, sipp as the IM user)', () => {
  let db: TestDatabase;
  let sim: SmscSimulator;
  let gateway: GatewayProcess;
  const running: SippRun[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('e2e_dispositions');
    sim = new SmscSimulator({
      accounts: [{ systemId: 'herald', password: 'secret' }],
      receipts: {
        delayMs: 300,
        outcome: (submit) => (UNDELIVERABLE.test(submit.destination) ? { stat: 'UNDELIV', err: 27 } : 'DELIVRD'),
      },
    });
    const smscPort = await sim.start();
    gateway = await startGatewayProcess({
      env: {
        DATABASE_URL: db.url,
        HERALD_QUEUES_PREFIX: `e2e-${randomBytes(4).toString('hex')}`,
        HERALD_SIP_IDENTITY: 'sip:herald@127.0.0.1',
        HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'smsc1', host: '127.0.0.1', port: smscPort, systemId: 'herald', password: 'secret' }]),
      },
    });
  });

  afterAll(async () => {
    for (const run of running) run.kill();
    if (gateway !== undefined) expect(await gateway.stop('SIGTERM')).toBe(0);
    await sim?.stop();
    await db?.drop();
  });

  async function imUser(): Promise<SippRun> {
    const run = await runSipp({ scenario: 'uas-message-200.xml', transport: 'udp', calls: 2, timeoutMs: 30_000 });
    running.push(run);
    await run.started;
    return run;
  }

  async function send(imUserPort: number, number: string, imdnId: string): Promise<void> {
    const response = await sippSend({
      gatewayPort: gateway.sipPort,
      transport: 'udp',
      toUser: number,
      headers: { 'Content-Type': 'message/cpim' },
      body: cpim(`sip:alice@127.0.0.1:${imUserPort}`, `sip:${number}@127.0.0.1`, imdnId, 'Are you there?'),
    });
    expect(response.status).toBe(202);
  }

  describe('when the SMSC reports DELIVRD', () => {
    it('sends interworking-notification legacy-sms, then delivery-notification delivered', async () => {
      const sipp = await imUser();
      const imdnId = `e2e-${randomBytes(6).toString('hex')}`;
      await send(sipp.port, '+15551230001', imdnId);
      const got = receivedImdns(await sipp.done);
      expect(got.map((g) => `${g.imdn.notification.type}/${g.imdn.notification.status}`)).toEqual(['interworking/legacy-sms', 'delivery/delivered']);
      for (const g of got) {
        expect(g.imdn.messageId).toBe(imdnId);
        expect(g.imdn.recipientUri).toBe('tel:+15551230001');
        expect(g.raw).toMatch(/^From: <sip:\+15551230001@127\.0\.0\.1>;tag=/m);
        expect(g.raw).toMatch(/^From: <sip:\+15551230001@127\.0\.0\.1>\r?$/m);
        expect(g.raw).toMatch(/^Sender: <sip:herald@127\.0\.0\.1>\r?$/m);
      }
    });
  });

  describe('when the SMSC reports UNDELIV', () => {
    it('sends legacy-sms, then delivery-notification failed with the error text', async () => {
      const sipp = await imUser();
      const imdnId = `e2e-${randomBytes(6).toString('hex')}`;
      await send(sipp.port, '+15551230099', imdnId);
      const got = receivedImdns(await sipp.done);
      expect(got.map((g) => g.imdn.notification.status)).toEqual(['legacy-sms', 'failed']);
      const failed = got[1]!.imdn;
      expect(failed.messageId).toBe(imdnId);
      expect(failed.recipientUri).toBe('tel:+15551230099');
      expect(failed.errorReason).toBe('SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)');
      expect(failed.errorCode).toBe('smpp:27');
    });
  });
});
