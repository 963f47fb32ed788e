/**
 * The message page names a failure in the words the sender's IMDN uses (issue 18, item
 * 7): `absent subscriber`, not the receipt's raw `UNDELIV err 27`.
 */
import { describe, expect, it } from 'vitest';
import { messageDetailDto } from '../../../../src/api/messages/dto.js';
import { delivery, event, message } from '../../dispositions/fixtures.js';

describe('the message detail of the API', () => {
  it('gives a failed SMS the reason its IMDN carries, and a waiting one none', () => {
    const failed = delivery({ id: 'd-1', state: 'failed', errorCode: 'smpp:27', errorText: 'UNDELIV err 27 (part 1 of 1)' });
    const waiting = delivery({ id: 'd-2', state: 'queued' });
    const events = [event({ type: 'receipt', deliveryId: 'd-1', detail: { stat: 'UNDELIV', err: '027', errorCode: 27, networkType: 3 } })];
    const dto = messageDetailDto({ message: message(), deliveries: [failed, waiting], segments: [], correlations: [], events }) as { deliveries: { reason: string | null; errorText: string | null }[] };
    expect(dto.deliveries[0]?.reason).toBe('SMS undeliverable (UNDELIV): absent subscriber (GSM error 27)');
    expect(dto.deliveries[0]?.errorText).toBe('UNDELIV err 27 (part 1 of 1)');
    expect(dto.deliveries[1]?.reason).toBeNull();
  });
});
