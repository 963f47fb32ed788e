import { describe, expect, it } from 'vitest';
import { newId, newToken } from '../../../src/domain/ids.js';

describe('ids', () => {
  describe('when many ids are made at once', () => {
    it('are unique, version 7, and sort in creation order', () => {
      const ids = Array.from({ length: 5000 }, () => newId());
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([...ids].sort()).toEqual(ids);
    });
  });

  describe('when making tokens', () => {
    it('gives url-safe random tokens of the asked size', () => {
      expect(newToken()).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(newToken()).not.toBe(newToken());
    });
  });
});
