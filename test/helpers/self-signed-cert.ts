/**
 * A throwaway self-signed certificate for TLS tests (msrps), made with the openssl CLI:
 * node:crypto can make keys but not X.509 certificates. The subjectAltName names the
 * loopback address, so a client checking the host against it (node:tls does) accepts it
 * once it trusts the certificate as its CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate's PEM, to trust as a CA on the client side. */
  readonly cert: Buffer;
  /** The private key's PEM, for a test's own TLS server. */
  readonly key: Buffer;
}

export function selfSignedCertificate(host = '127.0.0.1'): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'herald-cert-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${host}`,
    '-addext', `subjectAltName=${/^[\d.]+$|:/.test(host) ? 'IP' : 'DNS'}:${host}`,
  ], { stdio: 'ignore' });
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}
