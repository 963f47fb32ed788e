/**
 * What keeps Herald from being an open relay or an SMS-pumping tool: destination
 * allow/deny lists, short codes and premium ranges denied by default, and per-sender and
 * per-destination-prefix rate limits. Pure decisions here; counting is the RateLimiter's.
 */
import type { HeraldConfig } from '../config.js';
import { heraldError } from '../errors.js';

export type AbuseConfig = HeraldConfig['abuse'];

/** National numbers this short are short codes (premium SMS services live there). */
export const SHORT_CODE_MAX_DIGITS = 6;

function longestMatch(number: string, prefixes: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const prefix of prefixes) {
    if (number.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best;
}

/**
 * @param e164 the destination, `+` and digits.
 * @param nationalDigits how many digits the number had as dialled, when it was national
 *   (a short code is recognised by its length before any country code was added).
 * @throws GW_ERR_ABUSE_DESTINATION_DENIED naming the rule.
 */
export function checkSmsDestination(e164: string, config: AbuseConfig, nationalDigits?: number): void {
  const allowed = longestMatch(e164, config.allowPrefixes);
  if (config.allowPrefixes.length > 0 && allowed === undefined) {
    throw heraldError('GW_ERR_ABUSE_DESTINATION_DENIED', `${e164} is outside the allowed prefixes`, { meta: { rule: 'allow-list' } });
  }
  const denied = longestMatch(e164, config.denyPrefixes);
  // The more specific rule wins: allow +4479 beats deny +447.
  if (denied !== undefined && (allowed === undefined || denied.length >= allowed.length)) {
    throw heraldError('GW_ERR_ABUSE_DESTINATION_DENIED', `${e164} is in the denied prefix ${denied}`, { meta: { rule: 'deny-list', prefix: denied } });
  }
  if (!config.allowShortCodes && nationalDigits !== undefined && nationalDigits <= SHORT_CODE_MAX_DIGITS) {
    throw heraldError('GW_ERR_ABUSE_DESTINATION_DENIED', `${e164} is a short code`, { meta: { rule: 'short-code' } });
  }
}

export interface RateKey {
  readonly key: string;
  readonly limit: number;
  readonly what: string;
}

/** The counters one MESSAGE counts against: its sender, and each SMS destination's prefix. */
export function rateKeys(senderUri: string, smsTargets: readonly string[], config: AbuseConfig): RateKey[] {
  const keys: RateKey[] = [];
  if (config.senderPerMinute > 0) keys.push({ key: `sender:${senderUri.toLowerCase()}`, limit: config.senderPerMinute, what: `sender ${senderUri}` });
  for (const target of smsTargets) {
    const prefix = longestMatch(target, config.destinationPrefixLimits.map((l) => l.prefix));
    const rule = config.destinationPrefixLimits.find((l) => l.prefix === prefix);
    if (rule !== undefined) keys.push({ key: `prefix:${rule.prefix}`, limit: rule.perMinute, what: `destinations ${rule.prefix}` });
  }
  return keys;
}
