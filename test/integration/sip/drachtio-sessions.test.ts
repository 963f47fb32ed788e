/**
 * The drachtio edge in session mode against the drachtio-server double (real drachtio-srf),
 * with a scripted core: what is routed, how the dialog drachtio-server holds is tracked, the
 * To tag drachtio-server chose translated to the core's, and Herald's BYE sent by dialog id.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDrachtioEdge } from '../../../adapters/sip/drachtio/index.js';
import { findFreeSipPort } from '../../../adapters/sip/standalone/free-port.js';
import { configSchema } from '../../../src/config.js';
import { isHeraldError } from '../../../src/errors.js';
import type { SipEdge, SipIncomingRequest, SipReply } from '../../../src/ports/sip-edge.port.js';
import { DrachtioServerDouble } from '../../helpers/drachtio-server-double.js';
import { MsrpTestPeer } from '../../helpers/msrp-peer.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const SECRET = 'sessions-secret';
const CORE_TAG = 'core-chosen-tag';

describe('drachtio edge in session mode', () => {
  let double: DrachtioServerDouble;
  let edge: SipEdge | undefined;
  let peer: MsrpTestPeer | undefined;
  let seen: SipIncomingRequest[];
  let sipPort: number;

  const handler = async (request: SipIncomingRequest): Promise<SipReply> => {
    seen.push(request);
    if (request.method === 'INVITE' && request.to.tag === undefined) {
      return { status: 200, reason: 'OK', contentType: 'application/sdp', body: 'v=0\r\n', toTag: CORE_TAG };
    }
    if (request.to.tag !== CORE_TAG) return { status: 481, reason: 'Call/Transaction Does Not Exist' };
    return { status: 200, reason: 'OK' };
  };

  beforeEach(async () => {
    double = new DrachtioServerDouble(SECRET);
    seen = [];
    const port = await double.listen();
    sipPort = await double.listenSip();
    const sip = configSchema.parse({ sip: { edge: 'drachtio', sendTimeoutMs: 3_000, drachtio: { mode: 'inbound', port, secret: SECRET } } }).sip;
    edge = createDrachtioEdge(sip, log, { sessions: true });
    await edge.start(handler);
    await double.whenRouted('bye');
    peer = new MsrpTestPeer();
    await peer.open();
  });

  afterEach(async () => {
    peer?.close();
    await edge?.stop();
    edge = undefined;
    await double.close();
  });

  describe('when connected', () => {
    it('routes BYE and UPDATE besides the out-of-dialog methods', () => {
      expect(double.routes.has('BYE')).toBe(true);
      expect(double.routes.has('UPDATE')).toBe(true);
      expect(double.routes.has('INVITE')).toBe(true);
    });
  });

  describe('when drachtio-server answers with a To tag of its own', () => {
    it('gives the core its own tag on requests in the dialog', async () => {
      const answer = await peer?.invite({ gatewayPort: sipPort, toUser: '+15551230001' });
      expect(answer?.status).toBe(200);
      expect(peer?.toTag).toBeDefined();
      expect(peer?.toTag).not.toBe(CORE_TAG);
      const update = await peer?.refresh('UPDATE');
      expect(update?.status).toBe(200);
      expect(seen.at(-1)).toMatchObject({ method: 'UPDATE', to: { tag: CORE_TAG } });
      expect((await peer?.bye())?.status).toBe(200);
      expect(seen.at(-1)).toMatchObject({ method: 'BYE', to: { tag: CORE_TAG } });
    }, 20_000);
  });

  describe('when drachtio-server ends the dialog itself', () => {
    it('tells the core the dialog ended, in the dialog\'s own terms, and forgets it', async () => {
      const answer = await peer?.invite({ gatewayPort: sipPort, toUser: '+15551230003' });
      expect(answer?.status).toBe(200);
      const invite = seen[0];
      const dialogId = [...double.dialogs.keys()][0] ?? '';
      double.endDialog(dialogId);
      await expect.poll(() => seen.length, { timeout: 5_000 }).toBe(2);
      expect(seen[1]).toMatchObject({ method: 'BYE', callId: invite?.callId, from: { tag: invite?.from.tag }, to: { tag: CORE_TAG } });
      await expect.poll(() => peer?.byesReceived.length, { timeout: 5_000 }).toBe(1);
      const err = await edge
        ?.sendInDialog?.({ method: 'BYE', requestUri: 'sip:x@127.0.0.1', callId: invite?.callId ?? '', local: { uri: 'sip:a@b' }, remote: { uri: 'sip:c@d' }, cseq: 2 })
        .then(() => undefined, (e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_SIP_SEND_FAILED')).toBe(true);
    }, 20_000);
  });

  describe('when Herald ends the session', () => {
    it('sends BYE in the dialog by its id; drachtio-server builds it with its own tag', async () => {
      const answer = await peer?.invite({ gatewayPort: sipPort, toUser: '+15551230002' });
      expect(answer?.status).toBe(200);
      const callId = seen[0]?.callId ?? '';
      const sent = await edge?.sendInDialog?.({
        method: 'BYE',
        requestUri: 'sip:ignored@127.0.0.1',
        callId,
        local: { uri: 'sip:+15551230002@127.0.0.1', tag: CORE_TAG },
        remote: { uri: peer?.uri ?? '', tag: seen[0]?.from.tag },
        cseq: 1,
      });
      expect(sent?.status).toBe(200);
      expect(peer?.byesReceived).toHaveLength(1);
      expect(peer?.byesReceived[0]).toMatch(new RegExp(`^From: [^\\r\\n]*;tag=${peer?.toTag ?? 'none'}`, 'm'));
      expect(double.dialogs.size).toBe(0);
    }, 20_000);

    it('refuses a BYE for a dialog it never answered with GW_ERR_SIP_SEND_FAILED', async () => {
      const attempt = edge?.sendInDialog?.({ method: 'BYE', requestUri: 'sip:x@127.0.0.1', callId: 'unknown@test', local: { uri: 'sip:a@b' }, remote: { uri: 'sip:c@d' }, cseq: 1 });
      const err = await attempt?.then(() => undefined, (e: unknown) => e);
      expect(isHeraldError(err, 'GW_ERR_SIP_SEND_FAILED')).toBe(true);
    });
  });

  describe('when drachtio-server connects to Herald (outbound mode)', () => {
    it('sends Herald\'s BYE on the connection that holds the dialog, not the admin one', async () => {
      await edge?.stop();
      const admin = new DrachtioServerDouble(SECRET);
      const adminPort = await admin.listen();
      const listenPort = await findFreeSipPort('127.0.0.1');
      const sip = configSchema.parse({
        sip: { edge: 'drachtio', sendTimeoutMs: 3_000, drachtio: { mode: 'outbound', port: listenPort, adminPort, secret: SECRET } },
      }).sip;
      edge = createDrachtioEdge(sip, log, { sessions: true });
      try {
        await edge.start(handler);
        await double.connectTo(listenPort);
        await double.whenRouted('invite');
        const answer = await peer?.invite({ gatewayPort: sipPort, toUser: '+15551230004' });
        expect(answer?.status).toBe(200);
        const invite = seen.find((r) => r.method === 'INVITE');
        const sent = await edge.sendInDialog?.({
          method: 'BYE',
          requestUri: 'sip:ignored@127.0.0.1',
          callId: invite?.callId ?? '',
          local: { uri: 'sip:+15551230004@127.0.0.1', tag: CORE_TAG },
          remote: { uri: peer?.uri ?? '', tag: invite?.from.tag },
          cseq: 1,
        });
        expect(sent?.status).toBe(200);
        expect(peer?.byesReceived).toHaveLength(1);
        // The admin connection (Herald's MESSAGE sender) never carried it.
        expect(admin.received.filter((f) => f.type === 'sip')).toHaveLength(0);
      } finally {
        await admin.close();
      }
    }, 20_000);
  });
});
