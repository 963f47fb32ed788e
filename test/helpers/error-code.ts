/** The catalogue code a promise rejects with, 'resolved', or a marker for anything else thrown. */
import { isHeraldError } from '../../src/errors.js';

export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return isHeraldError(err) ? err.code : `not a HeraldError: ${String(err)}`;
  }
}
