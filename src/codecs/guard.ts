import { HeraldError, heraldError, type ErrorCode } from '../errors.js';

/**
 * Runs a codec body so that nothing but a {@link HeraldError} can escape it.
 *
 * Codecs face bytes from the network: a bug reached only by odd input (a RangeError, a
 * TypeError from a library) must still become the codec's own coded 400, never a crash
 * or an uncoded 500, so the edge can answer and the original error stays as `cause`.
 *
 * @throws the codec's `code` wrapping any non-Herald exception; HeraldErrors pass through.
 */
export function guardCodec<T>(code: ErrorCode, what: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof HeraldError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw heraldError(code, `${what}: unexpected failure (${reason})`, { cause: err });
  }
}
