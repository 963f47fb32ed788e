/**
 * Crash points: named moments right after a commit and before the effect that follows it
 * (the 202, the part's row, the deliver_sm_resp, the IMDN's row), where the crash-point
 * tests (test/e2e/faults/crash-points.test.ts) kill the process with SIGKILL to prove that
 * nothing acknowledged is lost and duplicates stay within the bounds docs/operations.md states.
 *
 * Off unless `HERALD_TEST_CRASH_AT` names a point when the process starts: not a setting
 * (an operator never wants it), read once, one string comparison per pass when off.
 */

/** Each point: what has just committed, and what has not happened yet. */
export type CrashPoint =
  /** The MESSAGE's rows are committed; no job is queued and no 202 sent. */
  | 'accepted-before-202'
  /** The SMSC acknowledged a part (submit_sm_resp); its id is not stored yet. */
  | 'submitted-before-part-row'
  /** A receipt is applied and committed; the deliver_sm_resp is not sent yet. */
  | 'receipt-before-resp'
  /** The IM client answered an IMDN 2xx; its `sent` mark is not stored yet. */
  | 'imdn-before-sent-row';

const armed = process.env.HERALD_TEST_CRASH_AT;

/** Dies at once, as a power cut would, when the process was started to crash at `point`. */
export function crashPoint(point: CrashPoint): void {
  if (armed === point) process.kill(process.pid, 'SIGKILL');
}
