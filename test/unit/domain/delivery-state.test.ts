import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DELIVERY_STATES,
  FINAL_STATES,
  assertTransition,
  canTransition,
  isFinal,
} from '../../../src/domain/delivery-state.js';
import { isHeraldError } from '../../../src/errors.js';

describe('delivery state machine', () => {
  describe('when following the happy path', () => {
    it('allows accepted → queued → submitted → enroute → enroute → delivered', () => {
      const path = ['accepted', 'queued', 'submitted', 'enroute', 'enroute', 'delivered'] as const;
      for (let i = 1; i < path.length; i++) expect(() => assertTransition(path[i - 1]!, path[i]!)).not.toThrow();
    });
  });

  describe('when a transition is illegal', () => {
    it('refuses it with GW_ERR_STATE_ILLEGAL_TRANSITION', () => {
      for (const [from, to] of [
        ['accepted', 'delivered'],
        ['delivered', 'queued'],
        ['delivered', 'failed'],
        ['submitted', 'accepted'],
        ['queued', 'enroute'],
      ] as const) {
        let caught: unknown;
        try {
          assertTransition(from, to);
        } catch (err) {
          caught = err;
        }
        expect(isHeraldError(caught, 'GW_ERR_STATE_ILLEGAL_TRANSITION')).toBe(true);
      }
    });

    it('never leaves delivered, and never reaches accepted again', () => {
      fc.assert(
        fc.property(fc.constantFrom(...DELIVERY_STATES), (to) => {
          expect(canTransition('delivered', to)).toBe(false);
        }),
      );
      for (const from of DELIVERY_STATES) expect(canTransition(from, 'accepted')).toBe(false);
    });
  });

  describe('when a delivery is final', () => {
    it('only goes back to the queue (an admin retry) unless delivered', () => {
      for (const state of FINAL_STATES) {
        expect(isFinal(state)).toBe(true);
        const next = DELIVERY_STATES.filter((to) => canTransition(state, to));
        expect(next).toEqual(state === 'delivered' ? [] : ['queued']);
      }
    });
  });
});
