/**
 * Runs the memory-in-flight fault by hand and prints its result as JSON:
 *
 *   npx vite-node test/faults/memory-in-flight-cli.ts -- --count 100000
 *
 * (or `node dist/test/faults/memory-in-flight-cli.js --count 100000` after a build).
 * Starts its own PostgreSQL cluster and redis-server (their binaries must be installed).
 */
import { runMemoryInFlight } from './memory-in-flight.js';

function countArgument(argv: readonly string[]): number {
  const at = argv.indexOf('--count');
  const value = at >= 0 ? Number(argv[at + 1]) : 20_000;
  if (!Number.isInteger(value) || value <= 0) throw new Error('usage: memory-in-flight-cli [--count N]');
  return value;
}

const started = Date.now();
try {
  const result = await runMemoryInFlight({
    count: countArgument(process.argv),
    log: (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`),
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
} catch (err) {
  console.error(err);
  process.exit(1);
}
