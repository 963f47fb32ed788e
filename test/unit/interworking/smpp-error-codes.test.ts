import { describe, expect, it } from 'vitest';
import { commandStatusText, GSM_NETWORK_ERRORS, networkErrorText, NETWORK_TYPES, SMPP_COMMAND_STATUS } from '../../../src/interworking/smpp-error-codes.js';

describe('SMPP error code texts', () => {
  describe.each([...SMPP_COMMAND_STATUS.entries()])('when command_status is 0x%s', (status, [name, text]) => {
    it(`reads ${name}`, () => {
      expect(name).toMatch(/^ESME_R[A-Z_]+$/);
      expect(commandStatusText(status)).toBe(`${name} (0x${status.toString(16).toUpperCase().padStart(8, '0')}): ${text}`);
    });
  });

  describe.each([...GSM_NETWORK_ERRORS.entries()])('when the GSM network error is %i', (code, text) => {
    it(`reads "${text}"`, () => {
      expect(networkErrorText(code, 3)).toBe(`${text} (GSM error ${code})`);
      expect(networkErrorText(code)).toBe(`${text} (network error ${code})`);
    });
  });

  describe.each([...NETWORK_TYPES.entries()])('when the network type is %i', (type, name) => {
    it(`names ${name}`, () => {
      expect(networkErrorText(999, type)).toBe(`${name} error 999`);
    });
  });

  describe('when a code is not in the tables', () => {
    it('gives the number', () => {
      expect(commandStatusText(0x400)).toBe('SMPP error 0x00000400');
      expect(networkErrorText(250, 9)).toBe('network type 9 error 250');
    });
  });
});
