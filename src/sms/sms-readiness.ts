/**
 * What /readyz says about SMS: `none configured` (ready: SMS waits, nothing is broken),
 * `up`, a degraded summary, or not ready when no enabled connection has a bind up.
 */
import type { SmsGatewayStatus } from '../ports/sms-gateway.port.js';

/**
 * @returns the text /readyz shows for the `smpp` check.
 * @throws Error naming the connections that are down when none enabled is usable.
 */
export function smsReadiness(status: SmsGatewayStatus): string {
  if (!status.configured) return 'none configured';
  const enabled = status.connections.filter((connection) => connection.state !== 'disabled');
  if (enabled.length === 0) return 'all connections disabled';
  const usable = enabled.filter((connection) => connection.state === 'up' || connection.state === 'degraded');
  if (usable.length === 0) {
    const reasons = enabled.map((c) => `${c.id}${c.lastError === undefined ? '' : ` (${c.lastError.detail})`}`);
    throw new Error(`no SMSC bind up: ${reasons.join(', ')}`);
  }
  const degraded = enabled.filter((connection) => connection.state !== 'up').map((connection) => `${connection.id} ${connection.state}`);
  return degraded.length === 0 ? 'up' : `up (${degraded.join(', ')})`;
}
