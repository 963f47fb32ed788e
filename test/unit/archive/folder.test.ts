import { describe, expect, it } from 'vitest';
import { folderSafe, renderFolder } from '../../../src/archive/index.js';

const values = { user: 'sip:alice@example.com', peer: 'tel:+15551234567', channel: 'sms', direction: 'mt', at: new Date(Date.UTC(2024, 0, 9, 23, 30)) };

describe('renderFolder', () => {
  it('fills user and peer with mailbox-safe names', () => {
    expect(renderFolder('Archive/{user}/{peer}', values)).toBe('Archive/alice@example_com/+15551234567');
  });

  it('fills dates in UTC, and domain, channel and direction', () => {
    expect(renderFolder('Archive/{yyyy}/{mm}/{dd}/{domain}-{channel}-{direction}', values)).toBe('Archive/2024/01/09/example_com-sms-mt');
  });

  describe('when a value carries separators, wildcards or controls', () => {
    it('cannot add a level or a wildcard', () => {
      const hostile = { ...values, peer: 'mailto:a/b*c%d.e\r\nf@x.org' };
      const folder = renderFolder('A/{peer}', hostile);
      expect(folder.split('/')).toHaveLength(2);
      expect(folder).not.toMatch(/[*%.\r\n]/);
    });
  });

  it('never yields an empty level', () => {
    expect(folderSafe('')).toBe('_');
    expect(renderFolder('A//{user}/', values)).toBe('A/alice@example_com');
  });
});
