/**
 * Memory stays bounded with many messages in flight: a CI-sized run of
 * test/faults/memory-in-flight.ts (docs/operations.md names the long run and records its result).
 * The gateway must not grow with the number of messages waiting (in the queues, or at the
 * SMSC for their receipts), and receipts for unknown ids must be held in the ledger and
 * expire.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runMemoryInFlight } from '../../faults/memory-in-flight.js';

const COUNT = Number(process.env.HERALD_FAULT_MEMORY_COUNT ?? 3_000);
/** The Kubernetes manifest's limit is 512 MiB; the gateway must stay well inside it. */
const RSS_LIMIT_MB = 400;

describe('fault: many messages in flight', () => {
  it('keeps the gateway RSS bounded and expires held receipts', async () => {
    const result = await runMemoryInFlight({ count: COUNT, unknownReceipts: 300 });
    console.info(`memory in flight: ${JSON.stringify(result)}`);
    expect(result.accepted).toBe(COUNT);
    expect(result.submitted).toBe(COUNT);
    expect(result.queuedPeakRssMb).toBeLessThan(RSS_LIMIT_MB);
    expect(result.submittedPeakRssMb).toBeLessThan(RSS_LIMIT_MB);
    // Nothing per message stays in the process: the settled RSS is near the start's.
    expect(result.settledRssMb - result.baselineRssMb).toBeLessThan(100);
    expect(result.heldPeak).toBe(300);
    expect(result.heldAfterTtl).toBe(0);
  }, 240_000);

  it('has a long-run command that starts outside vitest (docs/operations.md names it)', () => {
    // A bad count stops it before any service starts; an import of vitest would fail first.
    const run = spawnSync(process.execPath, ['dist/test/faults/memory-in-flight-cli.js', '--count', '0'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('usage: memory-in-flight-cli [--count N]');
    expect(run.stderr).not.toContain('Vitest');
  });
});
