/**
 * The project's SMSC simulator driven over loopback TCP by the `smpp` package's client,
 * as Herald's ESME adapter will drive it.
 */
import smpp from 'smpp';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDeliveryReceipt, normaliseMessageId, type DeliveryReceipt } from '../../../src/codecs/smpp-receipt.js';
import { decodeSmsText, parseUdh, planSms, udhLength, type SmsPlanOptions } from '../../../src/codecs/sms-segments.js';
import { captureRawPdus, parseRawSm, rawBodyOf } from '../../sim/raw-pdu.js';
import { SmscSimulator, type ReceiptFormat, type SmscSimulatorOptions } from '../../sim/smsc-sim.js';

const SYSTEM_ID = 'herald';
const PASSWORD = 'secret';

type BindCommand = 'bind_transceiver' | 'bind_transmitter' | 'bind_receiver';

/** A test ESME: an smpp client session that acknowledges every deliver_sm and keeps it. */
interface Esme {
  readonly session: smpp.Session;
  readonly delivered: smpp.PDU[];
  /** Every PDU received, in arrival order. */
  readonly received: smpp.PDU[];
  closed: boolean;
}

const simulators: SmscSimulator[] = [];
const esmes: Esme[] = [];

afterEach(async () => {
  for (const esme of esmes.splice(0)) if (!esme.closed) esme.session.destroy();
  await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
});

async function startSim(options: SmscSimulatorOptions = {}): Promise<{ sim: SmscSimulator; port: number }> {
  const sim = new SmscSimulator({ accounts: [{ systemId: SYSTEM_ID, password: PASSWORD }], ...options });
  simulators.push(sim);
  const port = await sim.start();
  return { sim, port };
}

async function connect(port: number): Promise<Esme> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  captureRawPdus(session);
  // Without it, Nagle holds the small resp/submit writes for the peer's delayed ACK and a
  // receipt-heavy flow drops from thousands to about a thousand PDUs per second.
  session.socket.setNoDelay(true);
  const esme: Esme = { session, delivered: [], received: [], closed: false };
  esmes.push(esme);
  session.on('error', () => undefined);
  session.on('close', () => {
    esme.closed = true;
  });
  session.on('pdu', (pdu) => esme.received.push(pdu));
  session.on('deliver_sm', (pdu) => {
    esme.delivered.push(pdu);
    session.send(pdu.response());
  });
  session.on('data_sm', (pdu) => {
    esme.delivered.push(pdu);
    session.send(pdu.response());
  });
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  return esme;
}

function request(session: smpp.Session, command: 'submit_sm' | 'data_sm' | 'enquire_link' | 'unbind' | BindCommand, fields: smpp.PduFields = {}): Promise<smpp.PDU> {
  return new Promise((resolve, reject) => {
    const sent = session[command](fields, (resp) => resolve(resp));
    if (!sent) reject(new Error('not writable'));
  });
}

async function bound(port: number, command: BindCommand = 'bind_transceiver'): Promise<Esme> {
  const esme = await connect(port);
  const resp = await request(esme.session, command, { system_id: SYSTEM_ID, password: PASSWORD });
  expect(resp.command_status).toBe(smpp.ESME_ROK);
  return esme;
}

function submitText(session: smpp.Session, destination: string, text: string, extra: smpp.PduFields = {}, plan: SmsPlanOptions = {}): Promise<smpp.PDU[]> {
  const parts = planSms(text, plan).parts;
  return Promise.all(
    parts.map((part) =>
      request(session, 'submit_sm', {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: '4915100000001',
        dest_addr_ton: 1,
        dest_addr_npi: 1,
        destination_addr: destination,
        esm_class: part.esmClass,
        data_coding: part.dataCoding,
        registered_delivery: 1,
        short_message: part.shortMessage,
        ...(part.tlvs?.sarMsgRefNum === undefined
          ? {}
          : { sar_msg_ref_num: part.tlvs.sarMsgRefNum, sar_total_segments: part.tlvs.sarTotalSegments, sar_segment_seqnum: part.tlvs.sarSegmentSeqnum }),
        ...(part.tlvs?.messagePayload === undefined ? {} : { message_payload: part.tlvs.messagePayload }),
        ...extra,
      }),
    ),
  );
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads a received receipt the way Herald will: TLVs first, raw text second. */
function readReceipt(pdu: smpp.PDU): DeliveryReceipt {
  const raw = rawBodyOf(pdu);
  const fields = raw === undefined ? undefined : parseRawSm(raw);
  return parseDeliveryReceipt({
    tlvs: {
      ...(pdu.receipted_message_id === undefined ? {} : { receiptedMessageId: pdu.receipted_message_id }),
      ...(pdu.message_state === undefined ? {} : { messageState: pdu.message_state }),
      ...(pdu.network_error_code === undefined ? {} : { networkErrorCode: pdu.network_error_code }),
    },
    // data_sm receipts carry their text in message_payload.
    text: fields === undefined ? Buffer.alloc(0) : fields.shortMessage.length > 0 ? fields.shortMessage : (fields.tlvs.get(0x0424) ?? Buffer.alloc(0)),
  });
}

function rawTextOf(pdu: smpp.PDU): string {
  const raw = rawBodyOf(pdu);
  return raw === undefined ? '' : (parseRawSm(raw)?.shortMessage.toString('latin1') ?? '');
}

/** What Herald's MO path will do: group by reference, order by seq, concatenate, decode. */
function reassembleMo(pdus: readonly smpp.PDU[]): string {
  const parts = pdus.map((pdu) => {
    const raw = parseRawSm(rawBodyOf(pdu) ?? Buffer.alloc(0));
    if (raw === undefined) throw new Error('no raw body');
    const payload = raw.tlvs.get(0x0424);
    const bytes = raw.shortMessage.length === 0 && payload !== undefined ? payload : raw.shortMessage;
    const udhi = ((pdu.esm_class ?? 0) & 0x40) !== 0;
    const concat = udhi ? parseUdh(bytes) : undefined;
    const sarSeq = raw.tlvs.get(0x020f)?.[0];
    return { seq: concat?.seq ?? sarSeq ?? 1, body: udhi ? bytes.subarray(udhLength(bytes)) : bytes, dataCoding: pdu.data_coding ?? 0 };
  });
  parts.sort((a, b) => a.seq - b.seq);
  return decodeSmsText(Buffer.concat(parts.map((part) => part.body)), parts[0]?.dataCoding ?? 0);
}

describe('SmscSimulator', () => {
  describe('when binding', () => {
    it('accepts the right credentials in each bind mode', async () => {
      const { sim, port } = await startSim();
      for (const command of ['bind_transceiver', 'bind_transmitter', 'bind_receiver'] as const) {
        const esme = await connect(port);
        const resp = await request(esme.session, command, { system_id: SYSTEM_ID, password: PASSWORD });
        expect(resp.command_status).toBe(smpp.ESME_ROK);
        expect(resp.system_id).toBe('herald-sim');
      }
      expect(sim.boundSessions().map((session) => session.mode).sort()).toEqual(['receiver', 'transceiver', 'transmitter']);
      expect(sim.counters.binds).toBe(3);
    });

    it('answers ESME_RINVPASWD to a wrong password and ESME_RINVSYSID to an unknown system_id', async () => {
      const { sim, port } = await startSim();
      const esme = await connect(port);
      expect((await request(esme.session, 'bind_transceiver', { system_id: SYSTEM_ID, password: 'wrong' })).command_status).toBe(smpp.ESME_RINVPASWD);
      expect((await request(esme.session, 'bind_transmitter', { system_id: 'nobody', password: PASSWORD })).command_status).toBe(smpp.ESME_RINVSYSID);
      expect(sim.counters.bindFailures).toBe(2);
      expect((await request(esme.session, 'bind_transceiver', { system_id: SYSTEM_ID, password: PASSWORD })).command_status).toBe(smpp.ESME_ROK);
      expect((await request(esme.session, 'bind_transceiver', { system_id: SYSTEM_ID, password: PASSWORD })).command_status).toBe(smpp.ESME_RALYBND);
    });

    it('refuses submits before a bind and on a receiver bind', async () => {
      const { port } = await startSim();
      const esme = await connect(port);
      expect((await request(esme.session, 'submit_sm', { destination_addr: '1', short_message: Buffer.from('x') })).command_status).toBe(
        smpp.ESME_RINVBNDSTS,
      );
      const receiver = await bound(port, 'bind_receiver');
      expect((await request(receiver.session, 'submit_sm', { destination_addr: '1', short_message: Buffer.from('x') })).command_status).toBe(
        smpp.ESME_RINVBNDSTS,
      );
    });

    it('answers unbind, emits unbind and closes', async () => {
      const { sim, port } = await startSim();
      const unbinds: Array<string | undefined> = [];
      sim.on('unbind', (event) => unbinds.push(event.systemId));
      const esme = await bound(port);
      expect((await request(esme.session, 'unbind')).command_status).toBe(smpp.ESME_ROK);
      await until(() => esme.closed);
      expect(unbinds).toEqual(['herald']);
      expect(sim.counters.unbinds).toBe(1);
    });

    it('answers enquire_link and emits bind events', async () => {
      const { sim, port } = await startSim();
      const binds: string[] = [];
      sim.on('bind', (event) => binds.push(`${event.systemId}/${event.mode}`));
      const esme = await bound(port);
      expect((await request(esme.session, 'enquire_link')).command_status).toBe(smpp.ESME_ROK);
      expect(sim.counters.enquireLinks).toBe(1);
      expect(binds).toEqual(['herald/transceiver']);
    });
  });

  describe('when submitting', () => {
    it('records each part with its octets and the text decoded by Herald codecs', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      const text = `${'a'.repeat(152)}€ and more [text]`;
      const resps = await submitText(esme.session, '4915199999999', text, {}, { reference: 42 });
      expect(resps.map((resp) => resp.command_status)).toEqual([0, 0]);
      expect(sim.submits).toHaveLength(2);
      const [first, second] = sim.submits;
      expect(first).toMatchObject({ destination: '4915199999999', source: '4915100000001', dataCoding: 0, esmClass: 0x40, text: 'a'.repeat(152) });
      expect(first?.concat).toMatchObject({ ref: 42, total: 2, seq: 1 });
      expect(second?.text).toBe('€ and more [text]');
      expect(first?.bytes.subarray(0, 6)).toEqual(Buffer.from([5, 0, 3, 42, 2, 1]));
      expect(sim.counters.duplicates).toBe(0);
    });

    it('records UCS-2 emoji, SAR and message_payload submits and data_sm', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      await submitText(esme.session, '1', `hello 😀 ${'я'.repeat(70)}`);
      await submitText(esme.session, '2', 'b'.repeat(200), {}, { segmentation: 'sar', reference: 0x1234 });
      await submitText(esme.session, '3', 'c'.repeat(300), {}, { segmentation: 'payload' });
      await request(esme.session, 'data_sm', { destination_addr: '4', data_coding: 8, message_payload: Buffer.from([0, 0x41, 0xd8, 0x3d, 0xde, 0x00]) });
      expect(sim.submits.map((submit) => [submit.destination, submit.command, submit.dataCoding])).toEqual([
        ['1', 'submit_sm', 8],
        ['1', 'submit_sm', 8],
        ['2', 'submit_sm', 0],
        ['2', 'submit_sm', 0],
        ['3', 'submit_sm', 0],
        ['4', 'data_sm', 8],
      ]);
      expect(sim.submits.filter((submit) => submit.destination === '1').map((submit) => submit.text).join('')).toBe(`hello 😀 ${'я'.repeat(70)}`);
      expect(sim.submits[3]?.sar).toEqual({ ref: 0x1234, total: 2, seq: 2 });
      expect(sim.submits[4]?.text).toBe('c'.repeat(300));
      expect(sim.submits[5]?.text).toBe('A😀');
    });

    it('counts a part submitted twice as a duplicate', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      await submitText(esme.session, '1', 'x'.repeat(200), {}, { reference: 9 });
      expect(sim.counters.duplicates).toBe(0);
      await submitText(esme.session, '1', 'x'.repeat(200), {}, { reference: 9 });
      expect(sim.counters.duplicates).toBe(2);
      expect(sim.submits.filter((submit) => submit.duplicate)).toHaveLength(2);
      await submitText(esme.session, '1', 'x'.repeat(200), {}, { reference: 10 });
      expect(sim.counters.duplicates).toBe(2);
    });

    it('emits a submit event per accepted part', async () => {
      const { sim, port } = await startSim();
      const seen: string[] = [];
      sim.on('submit', (record) => seen.push(record.messageId));
      const esme = await bound(port);
      const resps = await submitText(esme.session, '1', 'hello');
      expect(seen).toEqual([resps[0]?.message_id]);
    });
  });

  describe('message id formats', () => {
    it('answers decimal ids by default and repeats them in the receipt', async () => {
      const { port } = await startSim();
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'hi');
      expect(resp?.message_id).toMatch(/^\d+$/);
      await until(() => esme.delivered.length === 1);
      expect(readReceipt(esme.delivered[0] as smpp.PDU).id).toBe(resp?.message_id);
    });

    it('answers hex in the resp and decimal in the receipt, matched by normalisation', async () => {
      const { port } = await startSim({ idFormat: 'hex', receiptIdFormat: 'decimal' });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'hi');
      expect(resp?.message_id).toMatch(/^[0-9A-F]{8}$/);
      await until(() => esme.delivered.length === 1);
      const receipt = readReceipt(esme.delivered[0] as smpp.PDU);
      expect(receipt.id).toMatch(/^\d+$/);
      expect(normaliseMessageId(resp?.message_id ?? '', 'hex-to-decimal')).toBe(normaliseMessageId(receipt.id, 'as-is'));
    });

    it('answers UUIDs', async () => {
      const { port } = await startSim({ idFormat: 'uuid' });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'hi');
      expect(resp?.message_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      await until(() => esme.delivered.length === 1);
      expect(readReceipt(esme.delivered[0] as smpp.PDU).id).toBe(resp?.message_id);
    });
  });

  describe('receipts', () => {
    const formats: ReadonlyArray<readonly [ReceiptFormat, DeliveryReceipt['source'], RegExp]> = [
      ['standard', 'tlv', / text:hello$/],
      ['capital-text', 'tlv', / Text:hello$/],
      ['twelve-digit-dates', 'tlv', /submit date:\d{12} done date:\d{12} /],
      ['tlv-only', 'tlv', /^$/],
      ['text-only', 'text', /^id:\d+ sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:hello$/],
    ];

    it.each(formats)('sends a %s receipt Herald reads', async (format, source, textPattern) => {
      const { port } = await startSim({ receipts: { format } });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '4915199999999', 'hello');
      await until(() => esme.delivered.length === 1);
      const pdu = esme.delivered[0] as smpp.PDU;
      expect(pdu.esm_class).toBe(0x04);
      expect(pdu.source_addr).toBe('4915199999999');
      expect(pdu.destination_addr).toBe('4915100000001');
      expect(rawTextOf(pdu)).toMatch(textPattern);
      expect(readReceipt(pdu)).toMatchObject({ id: resp?.message_id, stat: 'DELIVRD', outcome: 'delivered', source, errorCode: 0 });
    });

    it.each(['UNDELIV', 'EXPIRED', 'REJECTD', 'DELETED'] as const)('reports %s with its error code in TLVs and text', async (stat) => {
      const { sim, port } = await startSim({ receipts: { outcome: stat, errorCode: 11 } });
      const esme = await bound(port);
      await submitText(esme.session, '1', 'hi');
      await until(() => esme.delivered.length === 1);
      const pdu = esme.delivered[0] as smpp.PDU;
      expect([...(pdu.network_error_code ?? [])]).toEqual([3, 0, 11]);
      expect(rawTextOf(pdu)).toContain(`stat:${stat} err:011`);
      expect(readReceipt(pdu)).toMatchObject({ stat, outcome: 'failed', errorCode: 11, err: '011' });
      await until(() => sim.counters.receiptsAcked === 1);
    });

    it('decides per message with a function, and by failure ratio', async () => {
      const { port } = await startSim({
        receipts: { outcome: (submit) => (submit.destination === 'bad' ? { stat: 'REJECTD', err: 7 } : 'DELIVRD'), failureRatio: 0 },
      });
      const esme = await bound(port);
      await submitText(esme.session, 'good', 'hi');
      await submitText(esme.session, 'bad', 'hi');
      await until(() => esme.delivered.length === 2);
      expect(esme.delivered.map((pdu) => [pdu.source_addr, readReceipt(pdu).stat, readReceipt(pdu).errorCode])).toEqual([
        ['good', 'DELIVRD', 0],
        ['bad', 'REJECTD', 7],
      ]);

      const { port: failingPort } = await startSim({ receipts: { failureRatio: 1, failureStat: 'EXPIRED' } });
      const failing = await bound(failingPort);
      await submitText(failing.session, '1', 'hi');
      await until(() => failing.delivered.length === 1);
      expect(readReceipt(failing.delivered[0] as smpp.PDU).stat).toBe('EXPIRED');
    });

    it('follows registered_delivery: none for 0, failures only for 2', async () => {
      const { sim, port } = await startSim({ receipts: { outcome: (submit) => (submit.destination === 'fail' ? 'UNDELIV' : 'DELIVRD') } });
      const esme = await bound(port);
      await submitText(esme.session, 'ok', 'a', { registered_delivery: 0 });
      await submitText(esme.session, 'ok', 'b', { registered_delivery: 2 });
      await submitText(esme.session, 'fail', 'c', { registered_delivery: 2 });
      await until(() => esme.delivered.length === 1);
      await sleep(50);
      expect(esme.delivered.map((pdu) => pdu.source_addr)).toEqual(['fail']);
      expect(sim.receipts).toHaveLength(1);
    });

    it('waits the configured delay', async () => {
      const { port } = await startSim({ receipts: { delayMs: 150 } });
      const esme = await bound(port);
      const started = Date.now();
      await submitText(esme.session, '1', 'hi');
      await sleep(50);
      expect(esme.delivered).toHaveLength(0);
      await until(() => esme.delivered.length === 1);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('can send the receipt before the submit_sm_resp', async () => {
      const { port } = await startSim({ receipts: { beforeResp: true } });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'hi');
      const order = esme.received.map((pdu) => pdu.command).filter((command) => command === 'deliver_sm' || command === 'submit_sm_resp');
      expect(order).toEqual(['deliver_sm', 'submit_sm_resp']);
      expect(readReceipt(esme.delivered[0] as smpp.PDU).id).toBe(resp?.message_id);
    });

    it('holds receipts until a receiver binds, then delivers them', async () => {
      const { sim, port } = await startSim();
      const transmitter = await bound(port, 'bind_transmitter');
      const [resp] = await submitText(transmitter.session, '1', 'hi');
      await sleep(30);
      expect(sim.pendingReceiptCount).toBe(1);
      const receiver = await bound(port, 'bind_receiver');
      await until(() => receiver.delivered.length === 1);
      expect(readReceipt(receiver.delivered[0] as smpp.PDU).id).toBe(resp?.message_id);
      expect(sim.pendingReceiptCount).toBe(0);
    });

    it('can send receipts as data_sm with the text in message_payload', async () => {
      const { port } = await startSim({ receipts: { viaDataSm: true, outcome: 'UNDELIV', errorCode: 3 } });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'hi');
      await until(() => esme.delivered.length === 1);
      const pdu = esme.delivered[0] as smpp.PDU;
      expect(pdu.command).toBe('data_sm');
      expect(pdu.esm_class).toBe(0x04);
      expect(readReceipt(pdu)).toMatchObject({ id: resp?.message_id, stat: 'UNDELIV', errorCode: 3, source: 'tlv', text: 'hi' });
    });

    it('injects a receipt for any id', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      expect(await sim.injectReceipt({ messageId: 'nope-1', stat: 'UNDELIV', err: 5, format: 'capital-text' })).toBe(smpp.ESME_ROK);
      expect(readReceipt(esme.delivered[0] as smpp.PDU)).toMatchObject({ id: 'nope-1', stat: 'UNDELIV', errorCode: 5 });
    });
  });

  describe('throttling', () => {
    it('answers ESME_RTHROTTLED to every nth submit, without recording it', async () => {
      const { sim, port } = await startSim({ throttle: { everyNth: 3 } });
      const esme = await bound(port);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push(...(await submitText(esme.session, '1', `m${i}`)).map((resp) => resp.command_status));
      expect(statuses).toEqual([0, 0, smpp.ESME_RTHROTTLED, 0, 0, smpp.ESME_RTHROTTLED]);
      expect(sim.counters).toMatchObject({ submitsReceived: 6, submitsAccepted: 4, throttled: 2 });
      expect(sim.submits).toHaveLength(4);
    });

    it('throttles a fraction of submits', async () => {
      const { sim, port } = await startSim({ throttle: { ratio: 1 } });
      const esme = await bound(port);
      const [resp] = await submitText(esme.session, '1', 'x');
      expect(resp?.command_status).toBe(smpp.ESME_RTHROTTLED);
      expect(sim.counters.throttled).toBe(1);
    });

    it('throttles above a rate per second', async () => {
      const { sim, port } = await startSim({ throttle: { maxPerSecond: 5 } });
      const esme = await bound(port);
      const resps = await Promise.all(Array.from({ length: 10 }, (_, i) => submitText(esme.session, '1', `r${i}`)));
      const statuses = resps.flat().map((resp) => resp.command_status);
      expect(statuses.filter((status) => status === smpp.ESME_ROK)).toHaveLength(5);
      expect(statuses.filter((status) => status === smpp.ESME_RTHROTTLED)).toHaveLength(5);
      expect(sim.counters.throttled).toBe(5);
    });

    it('answers ESME_RMSGQFUL to every nth submit', async () => {
      const { sim, port } = await startSim({ queueFull: { everyNth: 2 } });
      const esme = await bound(port);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(...(await submitText(esme.session, '1', `q${i}`)).map((resp) => resp.command_status));
      expect(statuses).toEqual([0, smpp.ESME_RMSGQFUL, 0, smpp.ESME_RMSGQFUL]);
      expect(sim.counters.queueFull).toBe(2);
    });
  });

  describe('dropping the connection', () => {
    it('drops after N accepted submits, discards what follows, and refuses binds for a while', async () => {
      const { sim, port } = await startSim({ drop: { afterSubmits: 3, refuseBindsMs: 300 } });
      const drops: number[] = [];
      sim.on('drop', (event) => drops.push(event.sessionId));
      const esme = await bound(port);
      const answered: number[] = [];
      for (let i = 0; i < 6; i++) {
        esme.session.submit_sm({ destination_addr: '1', registered_delivery: 0, short_message: Buffer.from(`d${i}`) }, (resp) => answered.push(resp.command_status));
      }
      await until(() => esme.closed);
      expect(answered).toEqual([0, 0, 0]);
      expect(sim.submits.map((submit) => submit.text)).toEqual(['d0', 'd1', 'd2']);
      expect(drops).toHaveLength(1);

      const refused = await connect(port);
      expect((await request(refused.session, 'bind_transceiver', { system_id: SYSTEM_ID, password: PASSWORD })).command_status).toBe(
        smpp.ESME_RBINDFAIL,
      );
      await sleep(320);
      const again = await bound(port);
      await submitText(again.session, '1', 'd3', { registered_delivery: 0 });
      expect(sim.submits.map((submit) => submit.text)).toEqual(['d0', 'd1', 'd2', 'd3']);
      expect(sim.counters.drops).toBe(1);
      expect(sim.counters.duplicates).toBe(0);
    });

    it('in beforeResp mode records the Nth submit but never answers it', async () => {
      const { sim, port } = await startSim({ drop: { afterSubmits: 2, beforeResp: true } });
      const esme = await bound(port);
      const answered: number[] = [];
      for (let i = 0; i < 3; i++) {
        esme.session.submit_sm({ destination_addr: '1', registered_delivery: 0, short_message: Buffer.from(`b${i}`) }, (resp) => answered.push(resp.command_status));
      }
      await until(() => esme.closed);
      expect(answered).toEqual([0]);
      expect(sim.submits.map((submit) => submit.text)).toEqual(['b0', 'b1']);
    });

    it('re-delivers receipts that were not acknowledged when the connection went', async () => {
      const { sim, port } = await startSim({ receipts: { delayMs: 30 } });
      const silent = await bound(port);
      silent.session.removeAllListeners('deliver_sm'); // receives but never acknowledges
      const [resp] = await submitText(silent.session, '1', 'hi');
      await until(() => silent.received.some((pdu) => pdu.command === 'deliver_sm'));
      sim.dropConnections();
      await until(() => silent.closed);
      const next = await bound(port);
      await until(() => next.delivered.length === 1);
      expect(readReceipt(next.delivered[0] as smpp.PDU).id).toBe(resp?.message_id);
    });
  });

  describe('mobile-originated messages', () => {
    it('injects a single GSM message', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port, 'bind_receiver');
      expect(await sim.injectMo({ source: '4915111111111', destination: '12345', text: 'Hi [there] €5' })).toEqual([0]);
      const pdu = esme.delivered[0] as smpp.PDU;
      expect(pdu).toMatchObject({ source_addr: '4915111111111', destination_addr: '12345', esm_class: 0, data_coding: 0 });
      expect(reassembleMo(esme.delivered)).toBe('Hi [there] €5');
      expect(sim.counters.moPartsSent).toBe(1);
    });

    it.each([
      ['udh8', 0x40],
      ['udh16', 0x40],
      ['sar', 0],
      ['payload', 0],
    ] as const)('injects a concatenated message with %s', async (segmentation, esmClass) => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      const text = `${'Long reply. '.repeat(30)}€nd`;
      const statuses = await sim.injectMo({ source: '1', destination: '2', text, segmentation, reference: 0x0102 });
      expect(statuses.every((status) => status === 0)).toBe(true);
      expect(esme.delivered).toHaveLength(segmentation === 'payload' ? 1 : 3);
      expect(esme.delivered.every((pdu) => pdu.esm_class === esmClass)).toBe(true);
      expect(reassembleMo(esme.delivered)).toBe(text);
    });

    it('injects UCS-2, with emoji, in reverse part order', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      const text = `Привет 👋 ${'ж'.repeat(80)} 😀`;
      await sim.injectMo({ source: '1', destination: '2', text, reverse: true });
      expect(esme.delivered.map((pdu) => pdu.data_coding)).toEqual([8, 8]);
      expect(parseUdh(parseRawSm(rawBodyOf(esme.delivered[0] as smpp.PDU) ?? Buffer.alloc(0))?.shortMessage ?? Buffer.alloc(0))?.seq).toBe(2);
      expect(reassembleMo(esme.delivered)).toBe(text);
    });

    it('forces UCS-2 for plain text when asked', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      await sim.injectMo({ source: '1', destination: '2', text: 'plain', encoding: 'ucs2' });
      expect(esme.delivered[0]?.data_coding).toBe(8);
      expect(reassembleMo(esme.delivered)).toBe('plain');
    });

    it('refuses to inject when no receiver is bound', async () => {
      const { sim, port } = await startSim();
      await bound(port, 'bind_transmitter');
      await expect(sim.injectMo({ source: '1', destination: '2', text: 'x' })).rejects.toThrow(/no receiver/);
    });
  });

  describe('under load', () => {
    it('accepts a few thousand windowed submits with receipts', async () => {
      const { sim, port } = await startSim();
      const esme = await bound(port);
      const total = 3000;
      const window = 50;
      let next = 0;
      const started = Date.now();
      await Promise.all(
        Array.from({ length: window }, async () => {
          while (next < total) {
            const n = next++;
            await request(esme.session, 'submit_sm', { destination_addr: '4915199999999', registered_delivery: 1, short_message: Buffer.from(`load ${n}`) });
          }
        }),
      );
      await until(() => esme.delivered.length === total, 20_000);
      const elapsed = Date.now() - started;
      expect(sim.counters.submitsAccepted).toBe(total);
      expect(sim.counters.duplicates).toBe(0);
      expect(new Set(sim.submits.map((submit) => submit.messageId)).size).toBe(total);
      // Informational only: speed is measured by the bench, not asserted here.
      console.info(`smsc-sim: ${total} submits + receipts in ${elapsed} ms`);
    });
  });
});
