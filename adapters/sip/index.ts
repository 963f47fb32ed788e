/**
 * Herald's SIP edges. The only code that imports `drachtio-srf` lives under this
 * folder; main.ts picks an edge by `sip.edge`.
 */
import type { Logger } from 'pino';
import type { SipEdge } from '../../src/ports/sip-edge.port.js';
import { createDrachtioEdge } from './drachtio/index.js';
import type { SipEdgeObserver } from './shared/edge-observer.js';
import type { SipConfig } from './shared/sip-config.js';
import { createStandaloneEdge, type StandaloneEdgeOptions } from './standalone/index.js';

export { createDrachtioEdge } from './drachtio/index.js';
export { createStandaloneEdge, type StandaloneSipEdge } from './standalone/index.js';
export type { SipConfig } from './shared/sip-config.js';
export type { DropReason, SipEdgeObserver } from './shared/edge-observer.js';

/** The edge `sip.edge` names: `standalone` (Herald's own stack) or `drachtio`. */
export function createSipEdge(sipConfig: SipConfig, log: Logger, observer?: SipEdgeObserver, options: StandaloneEdgeOptions = {}): SipEdge {
  return sipConfig.edge === 'drachtio' ? createDrachtioEdge(sipConfig, log, options) : createStandaloneEdge(sipConfig, log, observer, options);
}
