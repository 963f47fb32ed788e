/**
 * Configurations that leave a door open, each reported at start as one warning with a
 * stable code (codes are never reused once retired, like the error catalogue's). Herald
 * still starts: a lab or a network already fenced off may want them, but never silently.
 * Pure; main.ts logs them.
 */
import type { HeraldConfig } from './config.js';
import { inNetworks, parseNetwork, type Network } from './ingress/cidr.js';

export type OpenConfigurationCode =
  | 'GW_WARN_SIP_NO_SENDER_CHECK'
  | 'GW_WARN_SIP_ALLOW_ALL_NETWORKS'
  | 'GW_WARN_SIP_FROM_UNVERIFIED'
  | 'GW_WARN_SIP_TRUST_ALL_PROXIES'
  | 'GW_WARN_SIP_DIGEST_MD5_ONLY'
  | 'GW_WARN_IMDN_ROUTE_OPEN'
  | 'GW_WARN_DRACHTIO_SHORT_SECRET'
  | 'GW_WARN_DRACHTIO_LISTEN_ALL';

export interface OpenConfigurationWarning {
  readonly code: OpenConfigurationCode;
  /** The setting to change, as its environment variable. */
  readonly setting: string;
  readonly message: string;
}

/** Shorter than this, a shared secret can be guessed offline from one captured handshake. */
const MIN_SECRET_LENGTH = 16;

const LOOPBACK: readonly Network[] = ['127.0.0.0/8', '::1/128'].flatMap((n) => parseNetwork(n) ?? []);

/** A network wider than loopback: its base address is not loopback, or it spans more. */
function beyondLoopback(cidr: string): boolean {
  const network = parseNetwork(cidr);
  if (network === undefined) return false;
  const [address = ''] = cidr.split('/');
  return !inNetworks(address, LOOPBACK) || network.mask < (LOOPBACK[0]?.mask ?? 0n);
}

/** 0.0.0.0/0 or ::/0 (or any /0). */
function allowsAll(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

export function openConfigurationWarnings(config: HeraldConfig): OpenConfigurationWarning[] {
  const sip = config.sip;
  const digest = sip.digestRealm !== undefined;
  const trusted = sip.trustedProxyNetworks.length > 0;
  const warnings: OpenConfigurationWarning[] = [];
  if (sip.allowedNetworks.length === 0 && !digest) {
    warnings.push({
      code: 'GW_WARN_SIP_NO_SENDER_CHECK',
      setting: 'HERALD_SIP_ALLOWED_NETWORKS',
      message: 'any source may send MESSAGE: the allow-list is empty and digest authentication is off (set HERALD_SIP_DIGEST_REALM)',
    });
  }
  if (!digest && sip.allowedNetworks.some(allowsAll)) {
    warnings.push({
      code: 'GW_WARN_SIP_ALLOW_ALL_NETWORKS',
      setting: 'HERALD_SIP_ALLOWED_NETWORKS',
      message: `the allow-list admits every address (${sip.allowedNetworks.filter(allowsAll).join(', ')}) and digest authentication is off`,
    });
  }
  if (!digest && !trusted && sip.allowedNetworks.some(beyondLoopback)) {
    warnings.push({
      code: 'GW_WARN_SIP_FROM_UNVERIFIED',
      setting: 'HERALD_SIP_DIGEST_REALM',
      message: 'senders are whoever From says: peers beyond loopback are admitted by network alone (no digest, no trusted proxy)',
    });
  }
  if (sip.trustedProxyNetworks.some(allowsAll)) {
    warnings.push({
      code: 'GW_WARN_SIP_TRUST_ALL_PROXIES',
      setting: 'HERALD_SIP_TRUSTED_PROXY_NETWORKS',
      message: 'every address may assert a sender with P-Asserted-Identity, without digest',
    });
  }
  if (digest && !sip.digestAlgorithms.includes('SHA-256')) {
    warnings.push({
      code: 'GW_WARN_SIP_DIGEST_MD5_ONLY',
      setting: 'HERALD_SIP_DIGEST_ALGORITHMS',
      message: 'digest authentication offers MD5 only (RFC 8760 wants SHA-256)',
    });
  }
  if (config.imdn.routeAllow.some(allowsAll)) {
    warnings.push({
      code: 'GW_WARN_IMDN_ROUTE_OPEN',
      setting: 'HERALD_IMDN_ROUTE_ALLOW',
      message: 'imdn.IMDN-Record-Route may aim IMDNs at any address',
    });
  }
  const drachtio = sip.drachtio;
  if (sip.edge === 'drachtio' && drachtio.secret !== undefined && drachtio.secret.length < MIN_SECRET_LENGTH) {
    warnings.push({
      code: 'GW_WARN_DRACHTIO_SHORT_SECRET',
      setting: 'HERALD_SIP_DRACHTIO_SECRET',
      message: `the drachtio secret has fewer than ${MIN_SECRET_LENGTH} characters`,
    });
  }
  // Outbound mode: drachtio-server connects to Herald; whoever reaches that listener with
  // the secret poses as drachtio-server and picks the source address Herald trusts.
  if (sip.edge === 'drachtio' && drachtio.mode === 'outbound' && ['0.0.0.0', '::', '[::]'].includes(sip.host)) {
    warnings.push({
      code: 'GW_WARN_DRACHTIO_LISTEN_ALL',
      setting: 'HERALD_SIP_HOST',
      message: 'the outbound-mode listener for drachtio-server accepts connections on every interface',
    });
  }
  return warnings;
}
