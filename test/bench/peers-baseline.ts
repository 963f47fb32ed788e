/**
 * The peers alone, with no gateway work in between, so every figure of a scenario reads
 * as a fraction of what this machine's load generator and SMSC simulator can do:
 * - the SIP load generator against a UAS (worker thread) answering 202 at once;
 * - Herald's own ESME (adapters/smpp, as configured for the bench) against the simulator.
 */
import { createSmppGateway } from '../../adapters/smpp/index.js';
import { planSms } from '../../src/codecs/sms-segments.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { nowMs } from './clock.js';
import { BENCH_SMPP_CONNECTION } from './gateway-stack.js';
import { LoadGenerator } from './load-generator.js';
import { MessageLog } from './message-log.js';
import { startPeer } from './peers.js';
import type { PeersResult } from './report-types.js';
import { SCENARIOS, numberFor } from './scenarios.js';
import { percentiles, round } from './stats.js';

const MAX_OPEN = 200;

async function sipAlone(durationS: number): Promise<PeersResult['sipLoadGenerator']> {
  const uas = await startPeer({ mode: 'uas202' });
  const log = new MessageLog(60_000 * durationS);
  const generator = new LoadGenerator({
    scenario: SCENARIOS.gsm1,
    runId: 'peers',
    gatewayPort: uas.port,
    sinkPort: 9,
    rate: 'max',
    maxOpen: MAX_OPEN,
    waitForImdn: false,
    log,
  });
  await generator.bind();
  generator.start();
  await new Promise((resolve) => setTimeout(resolve, durationS * 1000));
  generator.stopSending();
  const elapsedS = (nowMs() - generator.startedAt) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 500));
  generator.close();
  await uas.stop();
  const latencies: number[] = [];
  let answered = 0;
  for (let seq = 1; seq <= log.sent; seq++) {
    if (log.status[seq] !== 202) continue;
    answered++;
    latencies.push((log.answeredAt[seq] ?? 0) - (log.sentAt[seq] ?? 0));
  }
  return { perSecond: round(answered / elapsedS), ingressTo202: percentiles(latencies), sent: log.sent, answered, durationS };
}

async function smppAlone(durationS: number): Promise<PeersResult['smpp']> {
  let receipts = 0;
  const smsc = await startPeer({ mode: 'smsc', receiptDelayMs: 0, failureRatio: 0 }, (events) => {
    receipts += events.receipts.length / 3;
  });
  const config = loadConfig({ env: { HERALD_SMPP_CONNECTIONS: JSON.stringify([{ ...BENCH_SMPP_CONNECTION, port: smsc.port }]) } });
  const gateway = createSmppGateway(config.smpp, createLogger('silent'));
  let receiptsHandled = 0;
  gateway.onReceipt(async () => {
    receiptsHandled++;
  });
  gateway.onMo(async () => undefined);
  await gateway.start();
  const deadline = Date.now() + 10_000;
  while (gateway.status().connections[0]?.state !== 'up') {
    if (Date.now() > deadline) throw new Error('peers baseline: SMPP binds did not come up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const window = BENCH_SMPP_CONNECTION.binds * BENCH_SMPP_CONNECTION.windowSize;
  const rtts: number[] = [];
  let submitted = 0;
  let seq = 0;
  const started = nowMs();
  const until = started + durationS * 1000;
  const lane = async (): Promise<void> => {
    while (nowMs() < until) {
      seq++;
      const part = planSms(SCENARIOS.gsm1.text(seq)).parts[0];
      if (part === undefined) return;
      const at = nowMs();
      await gateway.submit({
        connectionId: BENCH_SMPP_CONNECTION.id,
        source: { address: '15550000000', ton: 1, npi: 1 },
        destination: { address: numberFor(seq).slice(1), ton: 1, npi: 1 },
        part,
        registeredDelivery: 1,
      });
      rtts.push(nowMs() - at);
      submitted++;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const elapsedS = (nowMs() - started) / 1000;
  // Receipts of the last submits are still on their way: wait for them briefly.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await gateway.stop();
  await smsc.stop();
  return {
    submitsPerSecond: round(submitted / elapsedS),
    receiptsPerSecond: round(Math.min(receipts, receiptsHandled) / elapsedS),
    submitRtt: percentiles(rtts),
    submitted,
    durationS,
  };
}

export async function measurePeers(durationS: number): Promise<PeersResult> {
  const sipLoadGenerator = await sipAlone(durationS);
  const smpp = await smppAlone(durationS);
  return { date: new Date().toISOString(), sipLoadGenerator, smpp };
}
