/**
 * Queue names and per-queue job defaults. Retries back off exponentially; permanent
 * failures skip retries (the worker throws UnrecoverableError for them).
 */
import type { JobsOptions } from 'bullmq';
import type { JobName } from '../src/domain/jobs.js';
import { BACKOFF_TYPE } from './backoff.js';

export const DEFAULT_PREFIX = 'herald';

export function queueName(name: JobName): string {
  return name;
}

const base: JobsOptions = {
  attempts: 25,
  backoff: { type: BACKOFF_TYPE },
  // Completed jobs only need to live long enough for dashboards and idempotent re-adds.
  removeOnComplete: { age: 3600, count: 50_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export const QUEUE_DEFAULTS: Readonly<Record<JobName, JobsOptions>> = {
  'sms-submit': base,
  'email-send': base,
  'sip-deliver': base,
  'imdn-send': base,
  archive: { ...base, attempts: 1000 },
};
