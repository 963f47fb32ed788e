import { describe, expect, it } from 'vitest';
import type { DeliveryWithMessage } from '../../../src/ports/ledger.port.js';
import { RecordedFacts } from '../../../src/ledger/recorded-facts.js';

function facts(deliveryId: string): DeliveryWithMessage {
  return {
    delivery: { id: deliveryId, messageId: `m-${deliveryId}` } as DeliveryWithMessage['delivery'],
    message: { id: `m-${deliveryId}` } as DeliveryWithMessage['message'],
    senderMsisdn: '+15550001',
  };
}

describe('RecordedFacts', () => {
  it('hands each delivery\'s facts out once', () => {
    const recorded = new RecordedFacts();
    recorded.remember(facts('d1'));
    expect(recorded.take('d1')?.senderMsisdn).toBe('+15550001');
    expect(recorded.take('d1')).toBeUndefined();
    expect(recorded.take('never')).toBeUndefined();
  });

  it('drops the oldest past its bound, so a backlog costs reads, not memory', () => {
    const recorded = new RecordedFacts(3);
    for (const id of ['d1', 'd2', 'd3', 'd4', 'd5']) recorded.remember(facts(id));
    expect(recorded.size).toBe(3);
    expect(recorded.take('d1')).toBeUndefined();
    expect(recorded.take('d2')).toBeUndefined();
    expect(['d3', 'd4', 'd5'].map((id) => recorded.take(id)?.delivery.id)).toEqual(['d3', 'd4', 'd5']);
    expect(recorded.size).toBe(0);
  });
});
