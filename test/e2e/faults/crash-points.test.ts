/**
 * Fault: the gateway dies with SIGKILL at each moment between a commit and the effect
 * that follows it (src/crash-points.ts), then starts again on the same database, Redis and
 * queue prefix. Where `kill-9.test.ts` kills at random moments, this hits each gap on
 * purpose: the 202 after the accept commit, the part's row after submit_sm_resp, the
 * deliver_sm_resp after a receipt's commit, the `sent` row after an IMDN's 2xx.
 *
 * What must hold (docs/operations.md, "Reliability"): every message whose rows were committed reaches
 * `delivered` with its IMDN; the SMSC sees a message twice only when the process died
 * between submit_sm_resp and storing the part's id (the documented ambiguous case); an
 * IMDN goes twice only when its `sent` mark died, and then with the same imdn.Message-ID.
 */
import { describe, expect, it } from 'vitest';
import type { CrashPoint } from '../../../src/crash-points.js';
import { ledgerRows, runLoad, submitsPerText, waitAllFinal, waitEach } from '../../helpers/fault-load.js';
import { faultRig } from '../../helpers/fault-rig.js';

const MESSAGES = 4;

/** How many times the SMSC may see one message, and one IMDN reach its sender, after a crash at each point. */
const BOUNDS: Readonly<Record<CrashPoint, { readonly submits: number; readonly imdns: number }>> = {
  'accepted-before-202': { submits: 1, imdns: 1 },
  'submitted-before-part-row': { submits: 2, imdns: 1 },
  'receipt-before-resp': { submits: 1, imdns: 2 },
  'imdn-before-sent-row': { submits: 1, imdns: 2 },
};

describe('fault: SIGKILL between each commit and the effect after it', () => {
  // Receipts a little after the resp, and offered again soon after a refusal or a dead bind.
  const rig = faultRig({ sim: { receipts: { delayMs: 200, retryAfterErrorMs: 500 } } });

  for (const point of Object.keys(BOUNDS) as CrashPoint[]) {
    it(`loses nothing at ${point}, and duplicates stay within the bound`, async () => {
      const { db, sim, user } = rig;
      const label = `crash-${point}`;
      const { env } = rig.gatewayEnv(label, { extra: { HERALD_ABUSE_SENDER_PER_MINUTE: '0' } });
      const crashing = await rig.startGateway({ ...env, HERALD_TEST_CRASH_AT: point });
      const { sipPort } = crashing;
      const submitsBefore = sim.submits.length;

      const first = await runLoad({ user, ports: () => [sipPort], ratePerSecond: 5, until: () => false, maxMessages: 1, label });
      expect(await Promise.race([crashing.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000))])).toBe('SIGKILL');

      const gateway = await rig.startGateway(env, sipPort);
      const rest = await runLoad({ user, ports: () => [gateway.sipPort], ratePerSecond: 5, until: () => false, maxMessages: MESSAGES - 1, label: `${label}-after` });
      expect(rest.map((m) => m.status)).toEqual(rest.map(() => 202));
      if (point !== 'accepted-before-202') expect(first[0]?.status).toBe(202);

      // What was committed is what must arrive: the first message's rows exist even when
      // its 202 died with the process (the stranded sweep queues it).
      const inLedger = await ledgerRows(db.url);
      const committed = [...first, ...rest].filter((m) => m.status === 202 || inLedger.has(m.text));
      expect(committed.length).toBe(MESSAGES);
      const rows = await waitAllFinal(db.url, committed.map((m) => m.text), 60_000);
      for (const message of committed) expect(rows.get(message.text)?.state, message.text).toBe('delivered');

      const submits = submitsPerText(sim);
      for (const message of committed) {
        const count = submits.get(message.text) ?? 0;
        expect(count, `${message.text} at the SMSC`).toBeGreaterThanOrEqual(1);
        expect(count, `${message.text} at the SMSC`).toBeLessThanOrEqual(message === first[0] ? BOUNDS[point].submits : 1);
      }
      expect(sim.submits.length - submitsBefore).toBeLessThanOrEqual(committed.length + BOUNDS[point].submits - 1);

      const missing = await waitEach(committed, (m) => (user.imdnCounts().get(m.imdnMessageId)?.get('delivery/delivered') ?? 0) > 0, 45_000);
      expect(missing.map((m) => m.text)).toEqual([]);
      for (const message of committed) {
        const copies = user.imdns.filter((r) => r.imdn.messageId === message.imdnMessageId && r.imdn.notification.status === 'delivered');
        expect(copies.length, `delivered IMDNs for ${message.text}`).toBeLessThanOrEqual(message === first[0] ? BOUNDS[point].imdns : 1);
        // A resend is the same IMDN: one imdn.Message-ID however often it went.
        expect(new Set(copies.map((c) => c.ownMessageId)).size, `IMDN ids for ${message.text}`).toBe(1);
      }
      await gateway.stop('SIGTERM');
    }, 150_000);
  }
});
