/** The parts of a top Via Herald needs (RFC 3261 §20.42): transaction key and transport. */
export interface TopVia {
  readonly transport: string;
  /** host[:port] as sent. */
  readonly sentBy: string;
  /** The branch, when the client follows RFC 3261 (`z9hG4bK` magic cookie). */
  readonly branch: string | undefined;
}

/**
 * Reads the first Via value of `via` (the first Via header line; a line may hold several
 * comma-separated values). One pass over one bounded value; params are read in a loop,
 * never into an object keyed by a name from the wire.
 */
export function parseTopVia(via: string | undefined): TopVia | undefined {
  if (via === undefined) return undefined;
  const comma = via.indexOf(',');
  const first = (comma === -1 ? via : via.slice(0, comma)).trim();
  const semi = first.indexOf(';');
  // LWS may surround the slashes and the colon (RFC 3261 §25.1 SLASH, HCOLON; RFC 4475 §3.1.1.1).
  // Split and trim rather than a regex: a run of spaces costs its length, not its square.
  const trimmedAround = (text: string, separator: string): string => text.split(separator).map((part) => part.trim()).join(separator);
  const sent = trimmedAround(trimmedAround(semi === -1 ? first : first.slice(0, semi), '/'), ':').trim();
  const [protocol = '', sentBy = ''] = sent.split(/[ \t]+/);
  const transport = protocol.split('/')[2];
  if (transport === undefined || sentBy === '') return undefined;
  let branch: string | undefined;
  if (semi !== -1) {
    for (const param of first.slice(semi + 1).split(';')) {
      const eq = param.indexOf('=');
      if (eq !== -1 && param.slice(0, eq).trim().toLowerCase() === 'branch') branch = param.slice(eq + 1).trim();
    }
  }
  return { transport: transport.toUpperCase(), sentBy, branch: branch?.startsWith('z9hG4bK') ? branch : undefined };
}
