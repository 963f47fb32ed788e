/**
 * Source-network allow-lists (IPv4 and IPv6 CIDR). Pure; addresses are compared as
 * 128-bit numbers, with IPv4 mapped into ::ffff:0:0/96 so `::ffff:127.0.0.1` (how a
 * dual-stack socket reports an IPv4 peer) matches `127.0.0.0/8`.
 */
import { isIPv4, isIPv6 } from 'node:net';

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
  let text = address.split('%')[0] ?? '';
  let tail = 0n;
  let tailGroups = 0;
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (isIPv4(maybeV4)) {
    tail = ipv4ToBigInt(maybeV4);
    tailGroups = 2;
    text = text.slice(0, lastColon + 1) + '0';
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const wanted = 8 - (tailGroups > 0 ? 1 : 0);
  const groups =
    rest === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(wanted - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  let value = 0n;
  for (const group of groups.slice(0, 8 - tailGroups)) value = (value << 16n) | BigInt(parseInt(group || '0', 16));
  return tailGroups > 0 ? (value << 32n) | tail : value;
}

/** Returns the address as a 128-bit number, or undefined when it is not an IP address. */
export function ipToBigInt(address: string): bigint | undefined {
  if (isIPv4(address)) return (0xffffn << 32n) | ipv4ToBigInt(address);
  if (isIPv6(address.split('%')[0] ?? '')) return ipv6ToBigInt(address);
  return undefined;
}

export interface Network {
  readonly base: bigint;
  readonly mask: bigint;
}

const ALL = (1n << 128n) - 1n;

export function parseNetwork(cidr: string): Network | undefined {
  const [address = '', prefixText] = cidr.split('/');
  const base = ipToBigInt(address);
  if (base === undefined) return undefined;
  const v4 = isIPv4(address);
  const max = v4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return undefined;
  const bits = BigInt((v4 ? 96 : 0) + prefix);
  const mask = bits === 0n ? 0n : (ALL << (128n - bits)) & ALL;
  return { base: base & mask, mask };
}

export function inNetworks(address: string, networks: readonly Network[]): boolean {
  const value = ipToBigInt(address);
  if (value === undefined) return false;
  return networks.some((n) => (value & n.mask) === n.base);
}
