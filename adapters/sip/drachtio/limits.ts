/**
 * What drachtio-server carries between the network and Herald, as measured against
 * drachtio-server built from its source (issue 15) and read in it: it parses every request
 * with sofia-sip before any application sees it and answers 400 itself, never forwarding
 * the request, when
 * - the message is larger than about 8 KB (its log: `message truncated at …`; 8192 is also
 *   the buffer drachtio-server encodes a header into, EncodeStackMessage in drachtio.cpp);
 * - the body holds a NUL byte (the message is handled as a C string and cut there, so the
 *   Content-Length no longer matches). liblinphone's deflated IMDNs and isComposing do.
 * Neither limit is a drachtio-server setting (drachtio.conf.xml has none: `udp-mtu` only
 * moves large outgoing requests to TCP), so the drachtio edge cannot give 413 or 415 for
 * these: the client hears drachtio-server's 400.
 *
 * The other way, drachtio-server builds what an application sends with
 * `SIPTAG_PAYLOAD_STR(body.c_str())` (sip-dialog-controller.cpp), so a body ends at its first
 * NUL byte: the edge refuses to send such a body rather than deliver it cut.
 */
export const DRACHTIO_MAX_MESSAGE_BYTES = 8192;

/**
 * The largest sip.maxBodyBytes that leaves room for a MESSAGE's start line and headers
 * (1 KB, generous for page mode) under {@link DRACHTIO_MAX_MESSAGE_BYTES}; above it, the
 * `max-size` Herald advertises promises bodies drachtio-server refuses.
 */
export const DRACHTIO_BODY_BYTES_THAT_FIT = DRACHTIO_MAX_MESSAGE_BYTES - 1024;

/** drachtio-server refuses a request whose body holds one of these bytes (see above). */
export const DRACHTIO_REFUSED_BODY_BYTE = 0x00;

/** Whether drachtio-server would cut or refuse `body` (see above). */
export function hasRefusedByte(body: Buffer | string): boolean {
  return typeof body === 'string' ? body.includes('\u0000') : body.includes(DRACHTIO_REFUSED_BODY_BYTE);
}
