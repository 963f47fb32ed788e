/**
 * The simulator's check of every PDU it receives against the SMPP 3.4 lengths (§3.2 the
 * header, §4 each PDU's body, §5.2 field sizes): command_length matches, every C-Octet
 * String ends within its maximum, every fixed field is there, and nothing trails the
 * last field or TLV. Real SMSCs fail to decode anything else and drop the bind, so a test
 * against the simulator fails on a malformed PDU instead of passing on a lenient decoder.
 */

/** What is wrong with one PDU, or undefined when it is well formed. */
export type PduDefect = string | undefined;

type Field = { readonly c: number } | { readonly fixed: number } | { readonly sm: true };

/** C-Octet String with its maximum size, NUL included (SMPP 3.4 §5.2). */
const c = (max: number): Field => ({ c: max });
const fixed = (octets: number): Field => ({ fixed: octets });

const BIND: readonly Field[] = [c(16), c(9), c(13), fixed(1), fixed(1), fixed(1), c(41)];
const SM: readonly Field[] = [c(6), fixed(2), c(21), fixed(2), c(21), fixed(3), c(17), c(17), fixed(4), { sm: true }];
const DATA_SM: readonly Field[] = [c(6), fixed(2), c(65), fixed(2), c(65), fixed(3)];

interface Layout {
  readonly name: string;
  readonly fields: readonly Field[];
  /** Whether optional parameters may follow. */
  readonly tlvs: boolean;
}

const LAYOUTS: ReadonlyMap<number, Layout> = new Map<number, Layout>([
  [0x00000001, { name: 'bind_receiver', fields: BIND, tlvs: false }],
  [0x00000002, { name: 'bind_transmitter', fields: BIND, tlvs: false }],
  [0x00000009, { name: 'bind_transceiver', fields: BIND, tlvs: false }],
  [0x00000003, { name: 'query_sm', fields: [c(65), fixed(2), c(21)], tlvs: false }],
  [0x00000004, { name: 'submit_sm', fields: SM, tlvs: true }],
  [0x00000006, { name: 'unbind', fields: [], tlvs: false }],
  [0x80000006, { name: 'unbind_resp', fields: [], tlvs: false }],
  [0x00000015, { name: 'enquire_link', fields: [], tlvs: false }],
  [0x80000015, { name: 'enquire_link_resp', fields: [], tlvs: false }],
  [0x80000000, { name: 'generic_nack', fields: [], tlvs: false }],
  [0x00000103, { name: 'data_sm', fields: DATA_SM, tlvs: true }],
  // §4.6.2: message_id "unused and set to NULL", whatever the command_status.
  [0x80000005, { name: 'deliver_sm_resp', fields: [c(1)], tlvs: false }],
  // §4.7.2: message_id, then optional parameters.
  [0x80000103, { name: 'data_sm_resp', fields: [c(65)], tlvs: true }],
]);

/** The command name of a command_id, for reports. */
export function commandName(commandId: number): string {
  return LAYOUTS.get(commandId)?.name ?? `0x${commandId.toString(16).padStart(8, '0')}`;
}

/**
 * Checks one PDU body as read after its command_length (command_id first).
 * @param commandLength the command_length the PDU announced.
 */
export function checkPdu(commandLength: number, body: Buffer): PduDefect {
  if (commandLength !== body.length + 4) return `command_length ${commandLength} but ${body.length + 4} octets`;
  if (body.length < 12) return `header of ${body.length + 4} octets (SMPP 3.4 §3.2: 16)`;
  const commandId = body.readUInt32BE(0);
  const status = body.readUInt32BE(4);
  const layout = LAYOUTS.get(commandId);
  if (layout === undefined) return undefined; // not one the simulator expects from an ESME: answered generic_nack elsewhere
  if (body.length === 12 && layout.fields.length > 0) return `${layout.name} without its body (command_status 0x${status.toString(16)})`;
  let at = 12;
  for (const [index, field] of layout.fields.entries()) {
    if ('c' in field) {
      const end = body.indexOf(0, at);
      if (end < 0) return `${layout.name} field ${index + 1}: C-Octet String without its NUL`;
      if (end - at + 1 > field.c) return `${layout.name} field ${index + 1}: ${end - at + 1} octets, at most ${field.c}`;
      at = end + 1;
    } else if ('fixed' in field) {
      at += field.fixed;
      if (at > body.length) return `${layout.name} field ${index + 1}: truncated`;
    } else {
      const length = body[at];
      if (length === undefined) return `${layout.name}: sm_length missing`;
      if (length > 254) return `${layout.name}: sm_length ${length} above 254`;
      at += 1 + length;
      if (at > body.length) return `${layout.name}: short_message shorter than sm_length`;
    }
  }
  if (!layout.tlvs) return at === body.length ? undefined : `${layout.name}: ${body.length - at} octets after the last field`;
  while (at < body.length) {
    if (at + 4 > body.length) return `${layout.name}: truncated TLV header`;
    const length = body.readUInt16BE(at + 2);
    at += 4 + length;
    if (at > body.length) return `${layout.name}: TLV 0x${body.readUInt16BE(at - 4 - length).toString(16)} longer than the PDU`;
  }
  return undefined;
}
