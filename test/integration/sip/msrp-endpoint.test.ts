/**
 * Herald's MSRP endpoint over real TCP, without the gateway: RFC 6135 active setup (Herald
 * connects and binds with an empty SEND), 481 for a session it does not hold, a connection
 * that names no session closed at the bind deadline, a session ending without a connection,
 * and msrps active setup (TLS to the offerer; its certificate checked unless told not to),
 * and the certificate fingerprints of RFC 4975 §14.2 both ways (a=fingerprint).
 */
import { createHash, X509Certificate } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMsrpEndpoint } from '../../../adapters/sip/msrp/index.js';
import type { MsrpIncomingMessage } from '../../../src/ports/msrp-endpoint.port.js';
import { selfSignedCertificate } from '../../helpers/self-signed-cert.js';

const log = pino({ level: process.env.HERALD_TEST_LOG ?? 'silent' });
const TERMS = { maxMessageBytes: 10_000, acceptTypes: ['text/plain'], acceptWrappedTypes: [] };

function offer(path: string, setup: string): string {
  return ['v=0', 'o=a 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=message 9 TCP/MSRP *', 'a=accept-types:text/plain', `a=setup:${setup}`, `a=path:${path}`, ''].join('\r\n');
}

function endpoint(overrides: Partial<Parameters<typeof createMsrpEndpoint>[0]> = {}) {
  return createMsrpEndpoint({ host: '127.0.0.1', port: 0, maxChunkBytes: 4_096, idleTimeoutMs: 10_000, reconnectGraceMs: 5_000, transactionTimeoutMs: 2_000, bindTimeoutMs: 300, maxSessions: 10, log, ...overrides });
}

/** An msrps offer (TCP/TLS/MSRP) whose offerer listens at `port` (or connects, `setup`), with an a=fingerprint line if given. */
function secureOffer(port: number, fingerprint?: string, setup = 'passive'): string {
  const sdp = offer(`msrps://127.0.0.1:${port}/peer;tcp`, setup).replace('TCP/MSRP', 'TCP/TLS/MSRP');
  return fingerprint === undefined ? sdp : sdp.replace('a=path:', `a=fingerprint:${fingerprint}\r\na=path:`);
}

/** `sha-256 AB:CD:…` of a certificate (PEM or DER), written here rather than with the adapter's codec. */
function fingerprintOf(certificate: Buffer): string {
  return `sha-256 ${(createHash('sha256').update(new X509Certificate(certificate).raw).digest('hex').toUpperCase().match(/../g) ?? []).join(':')}`;
}

describe('MSRP endpoint', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  describe('when the offerer only listens (a=setup:passive)', () => {
    it('connects to the offerer, binds with an empty SEND, and delivers what the offerer sends', async () => {
      const received: string[] = [];
      const server = net.createServer((socket) => {
        socket.on('data', (chunk) => {
          received.push(chunk.toString('latin1'));
          const bind = /^MSRP (\S+) SEND\r\n/.exec(chunk.toString('latin1'));
          const from = /From-Path: (\S+)/.exec(chunk.toString('latin1'))?.[1];
          if (bind === null || from === undefined) return;
          socket.write(`MSRP ${bind[1]} 200 OK\r\nTo-Path: ${from}\r\nFrom-Path: msrp://127.0.0.1:1/peer;tcp\r\n-------${bind[1]}$\r\n`);
          // Then a message of the offerer's own on the same connection.
          socket.write(`MSRP t0000001 SEND\r\nTo-Path: ${from}\r\nFrom-Path: msrp://127.0.0.1:1/peer;tcp\r\nMessage-ID: m1\r\nByte-Range: 1-5/5\r\nContent-Type: text/plain\r\n\r\nhello\r\n-------t0000001$\r\n`);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const peerPort = (server.address() as net.AddressInfo).port;
      const msrp = endpoint();
      await msrp.start();
      cleanups.push(() => msrp.stop());
      const messages: MsrpIncomingMessage[] = [];
      const answer = await msrp.answer(offer(`msrp://127.0.0.1:${peerPort}/peer;tcp`, 'passive'), TERMS, {
        message: async (m) => (messages.push(m), { status: 200, comment: 'OK' }),
        closed: () => undefined,
      });
      expect(answer.sdp).toContain('a=setup:active');
      await new Promise((r) => setTimeout(r, 500));
      expect(received[0]).toMatch(/^MSRP \S+ SEND\r\nTo-Path: msrp:\/\/127\.0\.0\.1:\d+\/peer;tcp\r\nFrom-Path: msrp:\/\/127\.0\.0\.1:\d+\/\S+;tcp\r\n[\s\S]*Byte-Range: 1-0\/0\r\n-------/);
      expect(messages.map((m) => m.body.toString())).toEqual(['hello']);
      expect(received.join('')).toMatch(/MSRP t0000001 200 OK\r\nTo-Path: msrp:\/\/127\.0\.0\.1:1\/peer;tcp\r\n/);
    });
  });

  describe('when a connection names a session Herald does not hold', () => {
    it('answers 481 and closes it', async () => {
      const msrp = endpoint();
      await msrp.start();
      cleanups.push(() => msrp.stop());
      // One session open, so connections are accepted at all.
      await msrp.answer(offer('msrp://127.0.0.1:9/x;tcp', 'active'), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: () => undefined });
      const text = await new Promise<string>((resolve) => {
        let got = '';
        const socket = net.connect(msrp.address().port, '127.0.0.1', () =>
          socket.write(`MSRP abcd1234 SEND\r\nTo-Path: msrp://127.0.0.1:${msrp.address().port}/nosuch;tcp\r\nFrom-Path: msrp://127.0.0.1:9/x;tcp\r\nMessage-ID: m\r\nContent-Type: text/plain\r\n\r\nhi\r\n-------abcd1234$\r\n`),
        );
        socket.on('data', (c) => (got += c.toString('latin1')));
        socket.on('close', () => resolve(got));
      });
      expect(text).toMatch(/^MSRP abcd1234 481 /);
    });
  });

  describe('when a connection names no session in time', () => {
    it('closes it at the bind deadline', async () => {
      const msrp = endpoint({ bindTimeoutMs: 300 });
      await msrp.start();
      cleanups.push(() => msrp.stop());
      await msrp.answer(offer('msrp://127.0.0.1:9/x;tcp', 'active'), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: () => undefined });
      const started = Date.now();
      await new Promise<void>((resolve) => {
        const socket = net.connect(msrp.address().port, '127.0.0.1');
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
      expect(Date.now() - started).toBeLessThan(2_000);
    });
  });

  describe('when the peer never connects', () => {
    it('ends the session after the grace period and says why', async () => {
      const msrp = endpoint({ reconnectGraceMs: 300 });
      await msrp.start();
      cleanups.push(() => msrp.stop());
      const reason = await new Promise<string>((resolve) => {
        void msrp.answer(offer('msrp://127.0.0.1:9/x;tcp', 'active'), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: resolve });
      });
      expect(reason).toBe('no connection');
    });
  });

  describe('when the offerer of an msrps session only listens', () => {
    const certificate = selfSignedCertificate();

    /**
     * A TLS listener with `own` (the self-signed certificate unless given); resolves the port,
     * the first bytes Herald sends, and the certificate Herald presented as client (PEM-less DER).
     */
    async function tlsPeer(own = certificate): Promise<{ port: number; firstBytes: Promise<string>; clientCertificate: Promise<Buffer | undefined> }> {
      let first: (text: string) => void = () => undefined;
      let client: (der: Buffer | undefined) => void = () => undefined;
      const firstBytes = new Promise<string>((resolve) => (first = resolve));
      const clientCertificate = new Promise<Buffer | undefined>((resolve) => (client = resolve));
      const server = tls.createServer({ cert: own.cert, key: own.key, requestCert: true, rejectUnauthorized: false }, (socket) => {
        client(socket.getPeerX509Certificate()?.raw);
        socket.once('data', (chunk: Buffer) => first(chunk.toString('latin1')));
      });
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return { port: (server.address() as net.AddressInfo).port, firstBytes, clientCertificate };
    }

    it('connects with TLS and binds with an empty SEND when peer certificates are not checked', async () => {
      const peer = await tlsPeer();
      const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: false } });
      await msrp.start();
      cleanups.push(() => msrp.stop());
      const answer = await msrp.answer(secureOffer(peer.port), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: () => undefined });
      expect(answer.secure).toBe(true);
      expect(answer.sdp).toMatch(/^m=message \d+ TCP\/TLS\/MSRP \*$/m);
      expect(answer.sdp).toContain(`a=path:msrps://127.0.0.1:${msrp.address().tlsPort ?? 0}/`);
      expect(await peer.firstBytes).toMatch(new RegExp(`^MSRP \\S+ SEND\r\nTo-Path: msrps://127\\.0\\.0\\.1:${peer.port}/peer;tcp\r\nFrom-Path: msrps://`));
    });

    it('refuses a self-signed peer certificate by default and ends the session', async () => {
      const peer = await tlsPeer();
      const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
      await msrp.start();
      cleanups.push(() => msrp.stop());
      const reasons: string[] = [];
      await msrp.answer(secureOffer(peer.port), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: (reason) => reasons.push(reason) });
      await expect.poll(() => reasons, { timeout: 5_000 }).toEqual(['connect failed']);
    });

    it('answers an msrps offer 488 when no certificate is configured', async () => {
      const msrp = endpoint();
      await msrp.start();
      cleanups.push(() => msrp.stop());
      await expect(msrp.answer(secureOffer(9), TERMS, { message: async () => ({ status: 200, comment: 'OK' }), closed: () => undefined })).rejects.toMatchObject({ code: 'GW_ERR_SDP_UNACCEPTABLE' });
    });

    describe('and its offer has a=fingerprint (RFC 4975 §14.2)', () => {
      const peerCertificate = selfSignedCertificate();
      const noMessages = { message: async () => ({ status: 200, comment: 'OK' }), closed: () => undefined };

      it('accepts the self-signed certificate its fingerprint names although CA checks are on, and presents its own, named in the answer', async () => {
        const peer = await tlsPeer(peerCertificate);
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        const reasons: string[] = [];
        const answer = await msrp.answer(secureOffer(peer.port, fingerprintOf(peerCertificate.cert)), TERMS, { ...noMessages, closed: (reason) => reasons.push(reason) });
        expect(answer.sdp).toContain(`a=fingerprint:${fingerprintOf(certificate.cert)}\r\n`);
        expect(await peer.firstBytes).toMatch(/^MSRP \S+ SEND\r\n/);
        const presented = await peer.clientCertificate;
        expect(presented === undefined ? undefined : fingerprintOf(presented)).toBe(fingerprintOf(certificate.cert));
        expect(reasons).toEqual([]);
      });

      it('takes sha-1 when that is all the offer has, lower-case hex too', async () => {
        const peer = await tlsPeer(peerCertificate);
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        const sha1 = `sha-1 ${(createHash('sha1').update(new X509Certificate(peerCertificate.cert).raw).digest('hex').match(/../g) ?? []).join(':')}`;
        await msrp.answer(secureOffer(peer.port, sha1), TERMS, noMessages);
        expect(await peer.firstBytes).toMatch(/^MSRP \S+ SEND\r\n/);
      });

      it('ends the session when the listening offerer presents another certificate, even with CA checks off', async () => {
        const peer = await tlsPeer(peerCertificate);
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: false } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        const reasons: string[] = [];
        await msrp.answer(secureOffer(peer.port, fingerprintOf(certificate.cert)), TERMS, { ...noMessages, closed: (reason) => reasons.push(reason) });
        await expect.poll(() => reasons, { timeout: 5_000 }).toEqual(['certificate fingerprint mismatch']);
      });

      it('answers an offer whose fingerprints are all md5 488', async () => {
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        await expect(msrp.answer(secureOffer(9, `md5 ${Array(16).fill('0A').join(':')}`), TERMS, noMessages)).rejects.toMatchObject({ code: 'GW_ERR_SDP_UNACCEPTABLE' });
      });

      /** Connects to Herald's msrps listener with `own` (or no certificate) and sends a bind SEND; resolves with what came back before the close. */
      async function connectAs(msrp: ReturnType<typeof endpoint>, herald: string, own: { cert: Buffer; key: Buffer } | undefined): Promise<string> {
        return new Promise<string>((resolve) => {
          let got = '';
          const socket = tls.connect({ host: '127.0.0.1', port: msrp.address().tlsPort ?? 0, rejectUnauthorized: false, ...(own === undefined ? {} : { cert: own.cert, key: own.key }) }, () =>
            socket.write(`MSRP bind0001 SEND\r\nTo-Path: ${herald}\r\nFrom-Path: msrps://127.0.0.1:9/peer;tcp\r\nMessage-ID: b1\r\nByte-Range: 1-0/0\r\n-------bind0001$\r\n`),
          );
          socket.on('data', (c: Buffer) => {
            got += c.toString('latin1');
            // Herald answered: the connection is bound; nothing more to wait for.
            if (got.includes('-------bind0001$')) socket.end();
          });
          socket.on('error', () => resolve(got));
          socket.on('close', () => resolve(got));
        });
      }

      it('as the listener, binds a connection that presents the offer’s certificate and closes, unanswered, one with another or none', async () => {
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        const answer = await msrp.answer(secureOffer(9, fingerprintOf(peerCertificate.cert), 'active'), TERMS, noMessages);
        const herald = /a=path:(\S+)/.exec(answer.sdp)?.[1] ?? '';
        expect(await connectAs(msrp, herald, certificate)).toBe('');
        expect(await connectAs(msrp, herald, undefined)).toBe('');
        expect(await connectAs(msrp, herald, peerCertificate)).toMatch(/^MSRP bind0001 200 OK\r\n/);
      });

      it('never binds an msrps session to a connection on the plain TCP listener', async () => {
        const msrp = endpoint({ tls: { port: 0, certFile: certificate.certFile, keyFile: certificate.keyFile, rejectUnauthorized: true } });
        await msrp.start();
        cleanups.push(() => msrp.stop());
        // No a=fingerprint: without the transport check, naming the session in the clear would bind it.
        const answer = await msrp.answer(secureOffer(9, undefined, 'active'), TERMS, noMessages);
        const herald = /a=path:(\S+)/.exec(answer.sdp)?.[1] ?? '';
        const got = await new Promise<string>((resolve) => {
          let text = '';
          const socket = net.connect({ host: '127.0.0.1', port: msrp.address().port }, () =>
            socket.write(`MSRP bind0001 SEND\r\nTo-Path: ${herald}\r\nFrom-Path: msrp://127.0.0.1:9/peer;tcp\r\nMessage-ID: b1\r\nByte-Range: 1-0/0\r\n-------bind0001$\r\n`),
          );
          socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
          socket.on('error', () => resolve(text));
          socket.on('close', () => resolve(text));
        });
        expect(got).toBe('');
      });
    });
  });
});
