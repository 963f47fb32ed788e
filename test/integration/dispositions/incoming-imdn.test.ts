import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStandaloneEdge, type StandaloneSipEdge } from '../../../adapters/sip/index.js';
import { loadConfig } from '../../../src/config.js';
import { newId } from '../../../src/domain/ids.js';
import type { StoredMessage } from '../../../src/domain/message.js';
import { log, startDispositionsHarness, waitFor, type DispositionsHarness } from '../../helpers/dispositions-harness.js';

const LIBLINPHONE = readFileSync(new URL('../../fixtures/cpim/good/cpim-liblinphone-imdn-no-ns-no-message-id.deflate', import.meta.url));

describe('IMDNs from IM users for MO messages', () => {
  let h: DispositionsHarness;
  let client: StandaloneSipEdge;
  let gateway: string;

  beforeAll(async () => {
    h = await startDispositionsHarness('dispositions_incoming');
    client = createStandaloneEdge(loadConfig({ env: { HERALD_SIP_PORT: '0' } }).sip, log);
    await client.start(async () => ({ status: 405, reason: 'client' }));
    gateway = `sip:herald@127.0.0.1:${h.edge.address().port}`;
  });

  afterAll(async () => {
    await client?.stop();
    await h?.close();
  });

  async function moMessage(imdnMessageId?: string): Promise<StoredMessage> {
    const id = newId();
    const { message } = await h.raw.recordMessage(
      {
        id,
        direction: 'mo',
        sourceChannel: 'sms',
        senderUri: 'tel:+15551234567',
        imdnMessageId,
        imdnRequests: [],
        imdnRoute: [],
        contentType: 'text/plain',
        body: Buffer.from('reply'),
        sentAt: new Date(),
        dedupeKey: `mo-${id}`,
      },
      [{ id: newId(), channel: 'sip', originalRecipientUri: 'sip:bob@sip.example.org', targetUri: 'sip:bob@sip.example.org' }],
    );
    return message;
  }

  async function received(messageId: string) {
    return waitFor(async () => (await h.raw.listEvents(messageId)).find((e) => e.type === 'imdn-received'));
  }

  describe('when a plain IMDN names the MO message by the id Herald gave it', () => {
    it('answers 200 and records it on the MO message timeline', async () => {
      const mo = await moMessage();
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?><imdn xmlns="urn:ietf:params:xml:ns:imdn">' +
        `<message-id>${mo.id}</message-id><datetime>2026-11-26T06:14:30Z</datetime>` +
        '<display-notification><status><displayed/></status></display-notification></imdn>';
      const response = await client.send({
        requestUri: gateway,
        from: { uri: 'sip:bob@sip.example.org' },
        to: { uri: gateway },
        contentType: 'message/imdn+xml',
        body: xml,
      });
      expect(response.status).toBe(200);
      const event = await received(mo.id);
      expect(event.cause).toBe('imdn:display/displayed');
      expect(event.detail).toMatchObject({ type: 'display', status: 'displayed', from: 'sip:bob@sip.example.org', datetime: '2026-11-26T06:14:30.000Z' });
      expect(event.deliveryId).toBeDefined();
    });
  });

  describe("when liblinphone sends its deflated CPIM IMDN without NS or imdn.Message-ID", () => {
    it('finds the MO message by the XML <message-id>', async () => {
      const mo = await moMessage('Xz9aBcD1');
      const response = await client.send({
        requestUri: gateway,
        from: { uri: 'sip:bob@sip.example.org' },
        to: { uri: gateway },
        contentType: 'message/cpim',
        headers: { 'Content-Encoding': 'deflate' },
        body: LIBLINPHONE,
      });
      expect(response.status).toBe(200);
      const event = await received(mo.id);
      expect(event.detail).toMatchObject({ type: 'delivery', status: 'delivered', from: 'sip:bob@sip.example.org' });
      expect(event.detail.imdnMessageId).toBeUndefined();
    });
  });

  describe('when the IMDN names no known message', () => {
    it('still answers 200', async () => {
      const xml = deflateSync(
        Buffer.from(
          '<?xml version="1.0"?><imdn xmlns="urn:ietf:params:xml:ns:imdn"><message-id>nobody-knows</message-id>' +
            '<datetime>2026-11-26T06:14:30Z</datetime><delivery-notification><status><delivered/></status></delivery-notification></imdn>',
        ),
      );
      const response = await client.send({
        requestUri: gateway,
        from: { uri: 'sip:bob@sip.example.org' },
        to: { uri: gateway },
        contentType: 'message/imdn+xml',
        headers: { 'Content-Encoding': 'deflate' },
        body: xml,
      });
      expect(response.status).toBe(200);
    });
  });
});
