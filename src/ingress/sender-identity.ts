/**
 * Who a MESSAGE is from: the identity that authenticated, never merely what From says.
 *
 * - Digest: the user `alice` is `sip:alice@<sip.domain>`; with a number in the directory
 *   that user may also write as that number (`tel:+1555…`, `sip:+1555…@…`).
 * - P-Asserted-Identity (RFC 3325) from a trusted proxy network: the asserted URI.
 * - Neither (peers admitted by network alone, e.g. a proxy that authenticates its users
 *   itself): From is believed, as the identity rules in docs/sip.md say.
 *
 * A SIP From or CPIM From naming anyone else is refused; the stored sender (and the key
 * of per-sender rate limits) is the identity, so rotating From changes nothing. Pure.
 */
import { heraldError } from '../errors.js';
import { splitUri } from '../routing/route-recipient.js';

export interface SenderIdentity {
  /** The canonical URI: what is stored as the sender, and what rate limits count. */
  readonly uri: string;
  readonly via: 'digest' | 'asserted-identity';
  /** Host names a sip: From of this identity may use (the gateway's domain, the realm). */
  readonly domains: readonly string[];
  /** The identity's MSISDN in the number directory, which it may also write as. */
  readonly msisdn?: string | undefined;
}

interface UriParts {
  readonly scheme: string;
  readonly user: string;
  readonly host: string;
}

function partsOf(uri: string): UriParts | undefined {
  try {
    const p = splitUri(uri);
    return { scheme: p.scheme === 'sips' ? 'sip' : p.scheme, user: p.user ?? '', host: (p.host ?? '').replace(/:\d+$/, '') };
  } catch {
    return undefined;
  }
}

/** A telephone number as digits with its leading +, visual separators dropped (RFC 3966). */
function numberOf(text: string): string {
  return text.replace(/[-.()\s]/g, '');
}

/** The identity of a digest user: `sip:<user>@<domain>`. */
export function digestIdentityUri(username: string, domain: string): string {
  return `sip:${username}@${domain}`;
}

/**
 * The first sip:, sips: or tel: URI of a P-Asserted-Identity value (RFC 3325 §9.1: one of
 * each at most), without its parameters.
 */
export function assertedIdentityUri(values: readonly string[]): string | undefined {
  for (const value of values) {
    const candidates = [...value.matchAll(/<([^<>]*)>/g)].map((m) => m[1] ?? '');
    const uris = candidates.length > 0 ? candidates : value.split(',');
    for (const raw of uris) {
      const uri = raw.trim().split(';')[0] ?? '';
      if (/^(sips?|tel):\S+$/i.test(uri)) return uri;
    }
  }
  return undefined;
}

/** Whether `claimed` (a SIP or CPIM From URI) names `identity`. */
export function claimsIdentity(claimed: string, identity: SenderIdentity): boolean {
  const claim = partsOf(claimed);
  const own = partsOf(identity.uri);
  if (claim === undefined || own === undefined) return false;
  // RFC 3323 §4.1.1.3: a From made anonymous on purpose hides the sender; it claims no one.
  if (claim.host === 'anonymous.invalid') return true;
  const claimNumber = claim.scheme === 'tel' || claim.user.startsWith('+') ? numberOf(claim.user) : undefined;
  if (identity.msisdn !== undefined && claimNumber === identity.msisdn) return true;
  if (own.scheme === 'tel') return claimNumber !== undefined && claimNumber === numberOf(own.user);
  if (claim.scheme !== own.scheme || claim.user !== own.user) return false;
  return claim.host === own.host || identity.domains.some((d) => d.toLowerCase() === claim.host);
}

/**
 * @param claims the From URIs the request carries (SIP From, and CPIM From when present).
 * @throws GW_ERR_SIP_IDENTITY_MISMATCH naming the claim and the identity.
 */
export function checkClaims(claims: readonly (string | undefined)[], identity: SenderIdentity): void {
  for (const claim of claims) {
    if (claim === undefined || claimsIdentity(claim, identity)) continue;
    throw heraldError('GW_ERR_SIP_IDENTITY_MISMATCH', `${claim.slice(0, 80)} is not ${identity.uri} (${identity.via})`, {
      meta: { claimed: claim, identity: identity.uri, via: identity.via },
    });
  }
}
