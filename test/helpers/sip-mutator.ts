/**
 * Seeded mutations of SIP messages for the process-level fuzz test: byte flips, inserted
 * tokens that have broken SIP parsers (`__proto__`, escaped NULs, huge numbers, unbalanced
 * quotes, runs of spaces, extra blank lines), duplicated, dropped and swapped lines, and
 * truncation. A small PRNG rather than fast-check: 100,000 inputs must cost the sender
 * little CPU on a 2-core machine, and a seed replays a run exactly.
 */

/** mulberry32: a 32-bit seeded PRNG, enough for choosing mutations. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const TOKENS = [
  '__proto__',
  'constructor',
  ';__proto__=1',
  '%00',
  '\u0000',
  '"',
  '\\',
  '<',
  '>',
  ',',
  ';',
  ':',
  '\r\n',
  '\r\n\r\n',
  '\n',
  '\r',
  ' '.repeat(2_000),
  '\t',
  '9007199254740993',
  '36893488147419103232',
  '-1',
  'SIP/7.0',
  'Content-Length: 99999\r\n',
  'Content-Length: 0\r\n',
  'CSeq: 1 INVITE\r\n',
  'From: <sip:x@y>;tag=dup\r\n',
  'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdup\r\n',
  ' \r\n folded',
  '\u00ff\u00fe',
  '%',
];

export interface Mutator {
  /** A mutation of `seed` (wire text, latin1). */
  mutate(seed: string): Buffer;
}

export function mutator(random: () => number): Mutator {
  const int = (n: number): number => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const once = (text: string): string => {
    switch (int(8)) {
      case 0: {
        const at = int(text.length);
        return text.slice(0, at) + String.fromCharCode(int(256)) + text.slice(at + 1);
      }
      case 1: {
        const at = int(text.length + 1);
        return text.slice(0, at) + pick(TOKENS) + text.slice(at);
      }
      case 2: {
        const at = int(text.length);
        return text.slice(0, at) + text.slice(at + 1 + int(40));
      }
      case 3: {
        const lines = text.split('\r\n');
        const at = int(lines.length);
        lines.splice(at, 0, lines[int(lines.length)] ?? '');
        return lines.join('\r\n');
      }
      case 4: {
        const lines = text.split('\r\n');
        lines.splice(int(lines.length), 1);
        return lines.join('\r\n');
      }
      case 5: {
        const lines = text.split('\r\n');
        const a = int(lines.length);
        const b = int(lines.length);
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
        return lines.join('\r\n');
      }
      case 6:
        return text.slice(0, int(text.length + 1));
      default: {
        // Replace a digit run: numbers drive lengths, sequence numbers and ports.
        return text.replace(/\d+/, () => pick(['0', '4294967296', '9007199254740993', '-5', '00000000000000000001', '65536']));
      }
    }
  };
  return {
    mutate(seed: string): Buffer {
      let text = seed;
      const rounds = 1 + int(4);
      for (let i = 0; i < rounds; i++) text = once(text);
      return Buffer.from(text, 'latin1');
    },
  };
}
