/**
 * Which SMSC connection carries a destination, and how a message is planned for it.
 * Pure: reads the `smpp` configuration only.
 */
import type { SmppConfig, SmppConnectionConfig } from '../config-smpp.js';
import type { SmsPlanOptions } from '../codecs/sms-segments.js';
import { heraldError } from '../errors.js';

/** A resolved route: the connection and the parts limit that applies to it. */
export interface SmsRoute {
  readonly connection: SmppConnectionConfig;
  readonly maxParts: number;
}

/**
 * The connection for an E.164 destination: the route with the longest matching prefix
 * (`+` optional on both sides); with no routes configured, the first connection.
 *
 * @returns undefined when no connection is configured at all (SMS then waits).
 * @throws GW_ERR_ROUTE_UNROUTABLE when routes exist and none matches the destination.
 */
export function routeSms(msisdn: string, smpp: SmppConfig): SmsRoute | undefined {
  if (smpp.connections.length === 0) return undefined;
  const digits = msisdn.replace(/^\+/, '');
  let connectionId: string | undefined;
  if (smpp.routes.length === 0) {
    connectionId = smpp.connections[0]?.id;
  } else {
    let best = -1;
    for (const route of smpp.routes) {
      const prefix = route.prefix.replace(/^\+/, '');
      if (digits.startsWith(prefix) && prefix.length > best) {
        best = prefix.length;
        connectionId = route.connection;
      }
    }
  }
  const connection = smpp.connections.find((candidate) => candidate.id === connectionId);
  if (connection === undefined) {
    throw heraldError('GW_ERR_ROUTE_UNROUTABLE', `no SMPP route for ${msisdn}`, { meta: { msisdn } });
  }
  return { connection, maxParts: connection.maxParts ?? smpp.maxParts };
}

/** planSms/measureSms options for a route. */
export function planOptionsFor(route: SmsRoute, reference?: number): SmsPlanOptions {
  return {
    segmentation: route.connection.segmentation,
    allowLatin1: route.connection.allowLatin1,
    maxParts: route.maxParts,
    ...(reference === undefined ? {} : { reference }),
  };
}
