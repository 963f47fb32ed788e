import type { HeraldConfig } from './config.js';
import type { SipEdge } from './ports/sip-edge.port.js';

/**
 * Where SIP reaches this gateway, for the `herald started` line. The standalone edge names
 * its own socket (`sip`, port 0 resolved; tests read it). In drachtio mode nothing listens on
 * `sip.host:sip.port`, so that address is not named: the line says how Herald reaches
 * drachtio-server (inbound) or where drachtio-server reaches Herald and where Herald sends
 * through (outbound).
 */
export function sipStartFacts(sip: HeraldConfig['sip'], edge: Pick<SipEdge, 'address'>): Record<string, string> {
  if (sip.edge === 'drachtio') {
    const { mode, host, port, adminPort } = sip.drachtio;
    return mode === 'inbound'
      ? { drachtio: `inbound: connects to ${host}:${port}` }
      : { drachtio: `outbound: listens on ${sip.host}:${port}, sends through ${host}:${adminPort}` };
  }
  const address = edge.address?.() ?? { host: sip.host, port: sip.port };
  return { sip: `${address.host}:${address.port}` };
}
