/**
 * Issue 16, finding 1, end to end: an SMSC whose only receipt is ACCEPTD (SMPP 3.4
 * §5.2.28 lists ACCEPTED among the final states). Through the gateway process, the IM
 * sender who asked for positive-delivery hears `delivered` as a SIP IMDN, once, and each
 * delivery ends `delivered`.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runLoad, statusCounts, waitAllFinal, waitEach } from '../helpers/fault-load.js';
import { faultRig } from '../helpers/fault-rig.js';

const MESSAGES = 12;

describe('SMPP: ACCEPTD as the only receipt, through the gateway process', () => {
  const rig = faultRig({ sim: { receipts: { delayMs: 50, outcome: 'ACCEPTD' } }, stopSignal: 'SIGTERM' });

  it('sends the IM sender a delivered IMDN for every message and ends each delivery delivered', async () => {
    const { db, user } = rig;
    const { env } = rig.gatewayEnv('acceptd');
    const { sipPort } = await rig.startGateway(env);
    const sent = await runLoad({ user, ports: () => [sipPort], ratePerSecond: 20, until: () => false, maxMessages: MESSAGES, label: `acceptd-${randomBytes(3).toString('hex')}` });
    const accepted = sent.filter((m) => m.status === 202);
    expect(accepted, JSON.stringify(statusCounts(sent))).toHaveLength(MESSAGES);

    const rows = await waitAllFinal(db.url, accepted.map((m) => m.text), 30_000);
    for (const message of accepted) expect(rows.get(message.text)?.state, message.text).toBe('delivered');
    const missing = await waitEach(accepted, (m) => (user.imdnCounts().get(m.imdnMessageId)?.get('delivery/delivered') ?? 0) > 0, 30_000);
    expect(missing.map((m) => m.text)).toEqual([]);
    // Once each, with an imdn.Message-ID of its own.
    for (const message of accepted) expect(user.imdnCounts().get(message.imdnMessageId)?.get('delivery/delivered'), message.text).toBe(1);
    const delivered = user.imdns.filter((i) => accepted.some((m) => m.imdnMessageId === i.imdn.messageId));
    expect(delivered.every((i) => i.ownMessageId !== undefined)).toBe(true);
  });
});
