import { describe, expect, it } from 'vitest';
import type { DeliveryState } from '../../../src/domain/delivery-state.js';
import { mergeSegments, segmentStateForStat, type SegmentFacts } from '../../../src/sms/segment-merge.js';

const part = (seq: number, state: DeliveryState, errorCode?: string): SegmentFacts => ({ seq, state, ...(errorCode === undefined ? {} : { errorCode }) });

describe('segmentStateForStat', () => {
  it('maps final stats to outcomes and intermediate ones to nothing', () => {
    expect(segmentStateForStat('DELIVRD')).toBe('delivered');
    expect(segmentStateForStat('UNDELIV')).toBe('failed');
    expect(segmentStateForStat('DELETED')).toBe('failed');
    expect(segmentStateForStat('UNKNOWN')).toBe('failed');
    expect(segmentStateForStat('EXPIRED')).toBe('expired');
    expect(segmentStateForStat('REJECTD')).toBe('rejected');
    for (const stat of ['ENROUTE', 'ACKED', 'BUFFRED', 'SCHEDULED'] as const) expect(segmentStateForStat(stat)).toBeUndefined();
    // SMPP 3.4 §5.2.28: ACCEPTED is a final state; an aggregator's connection may say otherwise.
    expect(segmentStateForStat('ACCEPTD')).toBe('delivered');
    expect(segmentStateForStat('ACCEPTD', false)).toBeUndefined();
  });
});

describe('mergeSegments', () => {
  const table: ReadonlyArray<readonly [string, readonly SegmentFacts[], number, ReturnType<typeof mergeSegments>]> = [
    ['every part delivered', [part(1, 'delivered'), part(2, 'delivered')], 2, { state: 'delivered', seq: 1 }],
    ['a part still submitted', [part(1, 'delivered'), part(2, 'submitted')], 2, undefined],
    ['a part intermediate (enroute)', [part(1, 'enroute'), part(2, 'delivered')], 2, undefined],
    ['a part never stored', [part(1, 'delivered')], 2, undefined],
    ['one part failed', [part(1, 'delivered'), part(2, 'failed', '7')], 2, { state: 'failed', seq: 2, errorCode: '7' }],
    ['one expired', [part(1, 'expired', '1'), part(2, 'delivered')], 2, { state: 'expired', seq: 1, errorCode: '1' }],
    ['one rejected', [part(1, 'delivered'), part(2, 'rejected', '9')], 2, { state: 'rejected', seq: 2, errorCode: '9' }],
    ['failed beats rejected beats expired', [part(1, 'expired'), part(2, 'rejected'), part(3, 'failed', '3')], 3, { state: 'failed', seq: 3, errorCode: '3' }],
    ['rejected beats expired', [part(1, 'expired'), part(2, 'rejected', '2')], 2, { state: 'rejected', seq: 2, errorCode: '2' }],
    ['a resent part: either copy delivered counts', [part(1, 'failed', '5'), part(1, 'delivered')], 1, { state: 'delivered', seq: 1 }],
    ['a resent part: waits for both copies unless one delivered', [part(1, 'failed', '5'), part(1, 'submitted')], 1, undefined],
    ['a resent part: both failed is the worse', [part(1, 'expired'), part(1, 'failed', '6')], 1, { state: 'failed', seq: 1, errorCode: '6' }],
  ];
  for (const [name, segments, total, expected] of table) {
    it(`when ${name}: ${expected === undefined ? 'waits' : expected.state}`, () => {
      expect(mergeSegments(segments, total)).toEqual(expected);
    });
  }
});
