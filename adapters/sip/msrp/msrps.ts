/**
 * msrps (MSRP over TLS, RFC 4975 §14): Herald's TLS identity with the fingerprint its SDP
 * answers name, and the TLS connection Herald opens when the offerer listens, where an
 * offer's `a=fingerprint` replaces the CA check (RFC 4975 §14.2).
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { certificateMatches, type SdpFingerprint } from './codec/fingerprint.js';
import { msrpError } from './msrp-error.js';

/** Herald's certificate (chain) and key, and the fingerprint of the certificate the handshake presents. */
export interface TlsIdentity {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly fingerprint: SdpFingerprint;
}

/** Reads the PEM files once; the fingerprint is hashed here, not per session. */
export async function loadTlsIdentity(certFile: string, keyFile: string): Promise<TlsIdentity> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  // The leaf (the first certificate of a chain file) is what the handshake presents, so its hash is the fingerprint.
  return { cert, key, fingerprint: { hashFunction: 'sha-256', digest: new X509Certificate(cert).fingerprint256 } };
}

/** Resolves once `socket` is connected (`connect`, or `secureConnect` for TLS), rejects on its first error. */
export function opened<S extends net.Socket>(socket: S, event: 'connect' | 'secureConnect'): Promise<S> {
  return new Promise<S>((resolve, reject) => {
    socket.once(event, () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Opens an msrps connection to a listening offerer. Herald presents its own certificate
 * (the peer checks it against Herald's a=fingerprint). With `expected` fingerprints the
 * peer's certificate must match one of them, self-signed or not, and no CA or host check
 * applies; without, `rejectUnauthorized` decides as for any TLS client.
 * @throws GW_ERR_MSRP_FINGERPRINT when the peer presents no certificate or another one
 *   than `expected` names (the socket is destroyed first).
 */
export async function connectMsrps(
  target: { readonly host: string; readonly port: number },
  options: { readonly identity: TlsIdentity | undefined; readonly rejectUnauthorized: boolean; readonly expected: readonly SdpFingerprint[] | undefined; readonly sessionId: string },
): Promise<{ socket: tls.TLSSocket; peerCertificate: Buffer | undefined }> {
  const { identity, expected } = options;
  const socket = tls.connect({
    host: target.host,
    port: target.port,
    ...(identity === undefined ? {} : { cert: identity.cert, key: identity.key }),
    // With a=fingerprint the fingerprint is the check (below), not a CA: self-signed is the usual case.
    rejectUnauthorized: expected === undefined ? options.rejectUnauthorized : false,
    ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
  });
  // Read in the handshake's own event: Node 20 over TLS 1.3 forgets a client socket's peer
  // certificate a moment later (once the server's session tickets are read).
  const presented = await new Promise<Buffer | undefined>((resolve, reject) => {
    socket.once('secureConnect', () => resolve(socket.getPeerX509Certificate()?.raw));
    socket.once('error', reject);
  });
  if (expected === undefined || (presented !== undefined && certificateMatches(presented, expected))) return { socket, peerCertificate: presented };
  socket.destroy();
  throw msrpError('GW_ERR_MSRP_FINGERPRINT', `${target.host}:${target.port} presented ${presented === undefined ? 'no certificate' : 'another certificate'}`, { sessionId: options.sessionId });
}
