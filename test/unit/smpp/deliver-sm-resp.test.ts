/**
 * deliver_sm_resp / data_sm_resp as Herald writes them, checked by the simulator's SMPP 3.4
 * length check: the error answer that SMSCs failed to decode (a bare 16-octet header)
 * is what the check refuses, and Herald's own octets pass it for every status.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inboundRespOctets } from '../../../adapters/smpp/raw-pdu.js';
import { checkPdu } from '../../sim/pdu-lengths.js';

/** The body as the simulator reads it: everything after command_length. */
function body(octets: Buffer): Buffer {
  return octets.subarray(4);
}

describe('deliver_sm_resp octets', () => {
  describe('when Herald answers with an error status', () => {
    it('carries the NULL message_id of SMPP 3.4 §4.6.2 and passes the length check', () => {
      const octets = inboundRespOctets('deliver_sm', 7, 0x14);
      expect(octets.toString('hex')).toBe('00000011' + '80000005' + '00000014' + '00000007' + '00');
      expect(checkPdu(octets.length, body(octets))).toBeUndefined();
    });

    it('passes the check for every status and sequence number, deliver_sm and data_sm alike', () => {
      fc.assert(
        fc.property(fc.constantFrom('deliver_sm' as const, 'data_sm' as const), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0x7fffffff }), (command, status, seq) => {
          const octets = inboundRespOctets(command, seq, status);
          return octets.readUInt32BE(0) === octets.length && checkPdu(octets.length, body(octets)) === undefined;
        }),
      );
    });
  });

  describe('when a resp is a bare header, as the smpp package sends error answers', () => {
    it('is refused by the simulator as malformed', () => {
      const bare = Buffer.from('00000010' + '80000005' + '00000064' + '00000007', 'hex');
      expect(checkPdu(bare.length, body(bare))).toMatch(/deliver_sm_resp without its body/);
    });
  });

  describe('when other PDUs break SMPP 3.4 lengths', () => {
    it('refuses a message_id longer than its field, trailing octets and a truncated TLV', () => {
      const longId = Buffer.concat([Buffer.from('80000005000000000000000' + '1', 'hex'), Buffer.from('ab\0')]);
      expect(checkPdu(longId.length + 4, longId)).toMatch(/at most 1/);
      const trailing = Buffer.from('00000015' + '00000000' + '00000001' + 'ff', 'hex');
      expect(checkPdu(trailing.length + 4, trailing)).toMatch(/after the last field/);
      const dataResp = Buffer.concat([Buffer.from('80000103' + '00000000' + '00000001', 'hex'), Buffer.from('\0'), Buffer.from('0424000a01', 'hex')]);
      expect(checkPdu(dataResp.length + 4, dataResp)).toMatch(/longer than the PDU/);
    });
  });
});
