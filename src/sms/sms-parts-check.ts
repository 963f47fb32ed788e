/**
 * The SMS size check SIP ingress runs before accepting a MESSAGE for an SMS recipient,
 * so a text that cannot be sent is refused with 413 at once instead of failing later.
 * Pure.
 */
import type { SmppConfig } from '../config-smpp.js';
import { measureSms, type SmsMeasure } from '../codecs/sms-segments.js';
import { msisdnOfTarget } from './sms-address.js';
import { planOptionsFor, routeSms } from './sms-route.js';

/**
 * Measures `text` as the route to `targetUri` would send it (that connection's
 * segmentation, Latin-1 choice and maxParts; with no connection configured, 8-bit UDH and
 * `smpp.maxParts`).
 *
 * @returns the encoding, units and number of parts it takes.
 * @throws GW_ERR_CONTENT_TOO_LARGE when it needs more parts than the limit
 *   (meta: maxParts, parts).
 * @throws GW_ERR_ROUTE_UNROUTABLE when `targetUri` is not a tel:+E164 URI, or routes are
 *   configured and none matches it.
 */
export function smsPartsCheck(text: string, targetUri: string, smpp: SmppConfig): SmsMeasure {
  const route = routeSms(msisdnOfTarget(targetUri), smpp);
  if (route === undefined) return measureSms(text, { maxParts: smpp.maxParts });
  return measureSms(text, planOptionsFor(route));
}
