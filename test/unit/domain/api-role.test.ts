import { describe, expect, it } from 'vitest';
import { isApiRole, roleAllows } from '../../../src/domain/api-role.js';

describe('API roles', () => {
  describe('when a role is checked against what a route needs', () => {
    it('lets admin do what viewer may, and not the other way', () => {
      expect(roleAllows('admin', 'viewer')).toBe(true);
      expect(roleAllows('admin', 'admin')).toBe(true);
      expect(roleAllows('viewer', 'viewer')).toBe(true);
      expect(roleAllows('viewer', 'admin')).toBe(false);
    });
  });

  describe('when a string is read', () => {
    it('knows only viewer and admin', () => {
      expect(isApiRole('viewer')).toBe(true);
      expect(isApiRole('root')).toBe(false);
    });
  });
});
