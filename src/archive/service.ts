/**
 * The archive's background duties on each node: the sweep (due messages whose job went
 * missing) and the lag metric, on one timer; and what /readyz says.
 */
import type { ArchiveMailboxesStatus } from '../ports/archive-mailboxes.port.js';
import type { ArchiveStore } from '../ports/archive-store.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { ArchiveSettings } from './settings.js';
import { describeLag, recordLag, sweepArchive } from './sweep.js';

/** The lag metric is refreshed at least this often, whatever archive.sweepMs says. */
export const ARCHIVE_LAG_SAMPLE_MS = 10_000;

export interface ArchiveServiceDeps {
  readonly settings: ArchiveSettings;
  readonly store: ArchiveStore;
  readonly jobs: JobQueue;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** Starts the timers; the returned function stops them. */
export function startArchiveService(deps: ArchiveServiceDeps): () => Promise<void> {
  const { settings, store, jobs, metrics, log } = deps;
  let lastSweep = 0;
  const tick = async (): Promise<void> => {
    try {
      recordLag(metrics, await store.lag());
      if (Date.now() - lastSweep >= settings.sweepMs) {
        lastSweep = Date.now();
        // A grace of one sweep period: a fresh mark's own job is still on its way.
        await sweepArchive({ store, jobs, log }, Math.max(settings.sweepMs, settings.delayMs + 5_000));
      }
    } catch (err) {
      log.warn({ err }, 'archive sweep failed');
    }
  };
  const timer = setInterval(() => void tick(), Math.max(1000, Math.min(settings.sweepMs, ARCHIVE_LAG_SAMPLE_MS)));
  timer.unref();
  void tick();
  return async () => clearInterval(timer);
}

/**
 * /readyz's `archive` line: `none configured`, or the lag and the store's last error. It
 * never fails readiness: the queue keeps everything while the archive server is away, and
 * taking the gateway out of service would not bring it back.
 * @throws GW_ERR_DB_UNREACHABLE when the lag cannot be read
 */
export async function archiveReadiness(settings: ArchiveSettings, store: ArchiveStore | undefined, status: ArchiveMailboxesStatus | undefined): Promise<string> {
  if (!settings.configured || store === undefined) return 'none configured';
  const lag = describeLag(await store.lag());
  return status?.lastError === undefined ? lag : `${lag}; last error: ${status.lastError}`;
}
