import { createRequire } from 'node:module';
import type { SrfConstructor, WireProtocolPrototype } from '../types/drachtio-srf.js';

const require = createRequire(import.meta.url);

/** drachtio-srf's Srf class, typed by the edge's own declarations. */
export function loadSrf(): SrfConstructor {
  return require('drachtio-srf') as SrfConstructor;
}

/** The framing class inside drachtio-srf; see binary-wire.ts for why the edge reaches in. */
export function loadWireProtocolPrototype(): WireProtocolPrototype {
  return (require('drachtio-srf/lib/wire-protocol.js') as { prototype: WireProtocolPrototype }).prototype;
}
