import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { WireProtocolInstance, WireProtocolPrototype } from '../types/drachtio-srf.js';
import { loadWireProtocolPrototype } from './load-srf.js';

const PATCHED = Symbol.for('herald.drachtio.binaryWire');

/**
 * drachtio-srf decodes every frame from drachtio-server as UTF-8 and encodes what it sends
 * as UTF-8, so a binary body (a deflated CPIM, as liblinphone sends) is corrupted on the
 * way in and miscounted on the way out. drachtio-server itself moves raw bytes and counts
 * the frame length in bytes. These two replacements keep the same framing
 * (`<byte length>#<msgId>|…`) but decode and encode latin1, so every string inside srf is
 * wire text with one char per byte; the edge converts headers to UTF-8 and bodies to
 * Buffers at its boundary. Applied once per process; drachtio-srf is only used here.
 */
export function useBinarySafeWire(): void {
  const proto = loadWireProtocolPrototype() as WireProtocolPrototype & { [PATCHED]?: true };
  if (proto[PATCHED]) return;
  proto.send = function send(this: WireProtocolInstance, socket: Socket, msg: string): string {
    const msgId = randomUUID();
    const payload = `${msgId}|${msg}`;
    socket.write(Buffer.from(`${Buffer.byteLength(payload, 'latin1')}#${payload}`, 'latin1'));
    return msgId;
  };
  proto._onData = function onData(this: WireProtocolInstance, socket: Socket, data: Buffer): void {
    const state = this.mapIncomingMsg.get(socket) ?? { incomingMsg: Buffer.alloc(0), length: -1 };
    this.mapIncomingMsg.set(socket, state);
    state.incomingMsg = Buffer.concat([state.incomingMsg, data]);
    for (let hash = state.incomingMsg.indexOf('#'); hash > 0; hash = state.incomingMsg.indexOf('#')) {
      const size = Number(state.incomingMsg.toString('latin1', 0, hash));
      if (!Number.isSafeInteger(size) || size <= 0) {
        // A stream that lost its framing cannot be resynchronised: drop the connection
        // (in inbound mode srf reconnects with backoff).
        this.mapIncomingMsg.delete(socket);
        socket.destroy(new Error('drachtio frame without a length'));
        return;
      }
      const end = hash + 1 + size;
      if (state.incomingMsg.length < end) return;
      const frame = state.incomingMsg.toString('latin1', hash + 1, end);
      state.incomingMsg = state.incomingMsg.subarray(end);
      try {
        this.emit('msg', socket, frame);
      } catch (err) {
        // srf throws on a frame type it does not know; thrown from a data handler that
        // would end the process.
        this.mapIncomingMsg.delete(socket);
        socket.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
    }
  };
  proto[PATCHED] = true;
}
