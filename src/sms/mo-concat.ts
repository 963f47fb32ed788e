/**
 * Reading concatenated mobile-originated SMS: where a part's concatenation facts are
 * (8/16-bit UDH, or SAR TLVs), how parts are grouped, and how a group becomes text.
 * Pure. 3GPP TS 23.040 §9.2.3.24.1/.8, SMPP 3.4 §5.3.2.22–24.
 */
import { ESM_CLASS_UDHI, decodeSmsText, parseUdh, udhLength } from '../codecs/sms-segments.js';

/** Shown where parts never arrived before the reassembly timeout. */
export const MO_GAP_MARKER = '[…]';

/** Concatenation facts of one part. */
export interface MoConcat {
  readonly ref: number;
  readonly total: number;
  readonly seq: number;
  /** Where they came from: UDH with an 8- or 16-bit reference, or SAR TLVs. */
  readonly kind: 'udh8' | 'udh16' | 'sar';
}

/** A part split into its user data and (when concatenated) its concatenation facts. */
export interface MoSplit {
  /** User data without the UDH. */
  readonly body: Buffer;
  readonly concat?: MoConcat | undefined;
}

/**
 * Separates the UDH (when esm_class has UDHI) from the text and reads concatenation from
 * it, else from the SAR TLVs. A one-part "concatenation" (total 1) is a plain message.
 */
export function splitMo(mo: {
  readonly esmClass: number;
  readonly shortMessage: Buffer;
  readonly sar?: { readonly ref: number; readonly total: number; readonly seq: number } | undefined;
}): MoSplit {
  let body = mo.shortMessage;
  let concat: MoConcat | undefined;
  if ((mo.esmClass & ESM_CLASS_UDHI) !== 0) {
    const info = parseUdh(mo.shortMessage);
    body = mo.shortMessage.subarray(udhLength(mo.shortMessage));
    if (info !== undefined) concat = { ref: info.ref, total: info.total, seq: info.seq, kind: info.referenceBits === 8 ? 'udh8' : 'udh16' };
  }
  const sar = mo.sar;
  if (concat === undefined && sar !== undefined && sar.total >= 1 && sar.seq >= 1 && sar.seq <= sar.total) {
    concat = { ref: sar.ref, total: sar.total, seq: sar.seq, kind: 'sar' };
  }
  return { body, ...(concat === undefined || concat.total === 1 ? {} : { concat }) };
}

/** The parts of one message share source, destination, reference (and its kind) and total. */
export function moGroupKey(source: string, destination: string, concat: MoConcat): string {
  return `${source}|${destination}|${concat.kind}:${concat.ref}|${concat.total}`;
}

/** What assembly needs of a stored part. */
export interface MoPartBody {
  readonly seq: number;
  readonly dataCoding: number;
  readonly body: Buffer;
}

function decodeRun(parts: readonly MoPartBody[]): string {
  const first = parts[0];
  if (first === undefined) return '';
  // Bodies are joined before decoding: a sender may split an escape from its character
  // or a surrogate pair across parts.
  const bytes = Buffer.concat(parts.map((part) => part.body));
  try {
    return decodeSmsText(bytes, first.dataCoding);
  } catch {
    return '\ufffd';
  }
}

/**
 * Joins the parts of one message in seq order. Runs of present parts are decoded as one;
 * each run of missing parts becomes one {@link MO_GAP_MARKER}.
 * @returns the text and the seqs that were missing.
 * @throws GW_ERR_CONTENT_CHARSET never: undecodable runs show U+FFFD.
 */
export function assembleMoText(parts: readonly MoPartBody[], total: number): { readonly text: string; readonly missing: readonly number[] } {
  const bySeq = new Map<number, MoPartBody>();
  for (const part of parts) if (!bySeq.has(part.seq)) bySeq.set(part.seq, part);
  const missing: number[] = [];
  let text = '';
  let run: MoPartBody[] = [];
  let inGap = false;
  for (let seq = 1; seq <= total; seq++) {
    const part = bySeq.get(seq);
    if (part === undefined) {
      missing.push(seq);
      if (!inGap) {
        text += decodeRun(run) + MO_GAP_MARKER;
        run = [];
        inGap = true;
      }
      continue;
    }
    inGap = false;
    run.push(part);
  }
  text += decodeRun(run);
  return { text, missing };
}
