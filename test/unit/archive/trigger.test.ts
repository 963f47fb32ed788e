import { describe, expect, it } from 'vitest';
import { archiveJobId, withArchive } from '../../../src/archive/index.js';
import type { StoredDelivery } from '../../../src/domain/message.js';
import { createLogger } from '../../../src/logger.js';
import type { Ledger, NewEvent, TransitionRequest } from '../../../src/ports/ledger.port.js';

function fakeLedger(): Ledger {
  const delivery = (to: StoredDelivery['state']): StoredDelivery => ({
    id: 'd', messageId: 'm', channel: 'sms', originalRecipientUri: 'tel:+1', targetUri: 'tel:+1', state: to, version: 1, createdAt: new Date(), updatedAt: new Date(),
  });
  const partial: Partial<Ledger> = {
    transition: async (r: TransitionRequest) => delivery(r.to),
    appendEvent: async (e: NewEvent) => ({ id: '1', messageId: e.messageId, at: new Date(), type: e.type, cause: e.cause, detail: {} }),
  };
  return partial as Ledger;
}

describe('withArchive', () => {
  describe('when a delivery is handed off or final, or an IMDN goes either way', () => {
    it('marks its message due', async () => {
      const due: string[] = [];
      const ledger = withArchive(fakeLedger(), { due: async (id) => void due.push(id) }, createLogger('silent'));
      for (const to of ['queued', 'submitted', 'enroute', 'delivered', 'failed'] as const) await ledger.transition({ deliveryId: 'd', to, cause: 't' });
      for (const type of ['receipt', 'imdn-sent', 'imdn-received']) await ledger.appendEvent({ messageId: 'm', type, cause: 't' });
      expect(due).toEqual(['m', 'm', 'm', 'm', 'm']);
    });
  });

  describe('when marking fails', () => {
    it('still returns what the ledger wrote', async () => {
      const ledger = withArchive(fakeLedger(), { due: async () => Promise.reject(new Error('db down')) }, createLogger('silent'));
      expect((await ledger.transition({ deliveryId: 'd', to: 'delivered', cause: 't' })).state).toBe('delivered');
    });
  });

  it('names jobs per generation, without the colon BullMQ refuses', () => {
    expect(archiveJobId('m', 3)).toBe('m.3');
  });
});
