import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { HeraldError } from '../../src/errors.js';

describe('config › smpp', () => {
  describe('when nothing is configured', () => {
    it('has no connection, so the gateway starts and SMS waits', () => {
      const { smpp } = loadConfig({ env: {} });
      expect(smpp.connections).toEqual([]);
      expect(smpp.maxParts).toBe(10);
    });
  });

  describe('when connections and routes come as JSON environment variables', () => {
    it('fills each connection with its defaults', () => {
      const { smpp } = loadConfig({
        env: {
          HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'a', host: 'smsc', systemId: 'herald', password: 'pw', messageIdMode: { resp: 'hex-to-decimal' } }]),
          HERALD_SMPP_ROUTES: '[{"prefix":"+49","connection":"a"}]',
        },
      });
      expect(smpp.connections[0]).toMatchObject({
        port: 2775,
        bindMode: 'transceiver',
        binds: 1,
        windowSize: 10,
        segmentation: 'udh8',
        messageIdMode: { resp: 'hex-to-decimal', receipt: 'as-is' },
        reconnect: { minMs: 1000, maxMs: 30000 },
      });
    });

    it('refuses a route to an unknown connection and duplicate ids', () => {
      let err: unknown;
      try {
        loadConfig({
          env: {
            HERALD_SMPP_CONNECTIONS: JSON.stringify([{ id: 'a', host: 'h', systemId: 's' }, { id: 'a', host: 'h', systemId: 's' }]),
            HERALD_SMPP_ROUTES: '[{"prefix":"+49","connection":"b"}]',
          },
        });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HeraldError);
      expect((err as HeraldError).code).toBe('GW_ERR_CONFIG_INVALID');
      expect((err as HeraldError).meta.problems).toHaveLength(2);
    });
  });
});
