/**
 * The simulator reads raw PDU octets the same way Herald's ESME does (submit_sm and
 * deliver_sm share one body layout), so it uses the adapter's reader rather than a copy.
 */
export { captureRawPdus, parseRawSm, rawBodyOf, type RawSmFields } from '../../adapters/smpp/raw-pdu.js';
