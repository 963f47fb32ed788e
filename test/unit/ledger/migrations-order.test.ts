import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/ledger/migrations/index.js';

describe('the migration list', () => {
  // Kysely runs migrations in name order and refuses one that sorts before a migration a
  // database has already run: branches that each took a number must land in that order.
  it('is in name order, each name unique and numbered', () => {
    const names = MIGRATIONS.map((m) => m.name);
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^\d{4}-[a-z0-9-]+$/);
  });
});
