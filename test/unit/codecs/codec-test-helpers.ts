import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect } from 'vitest';
import { HeraldError, type ErrorCode } from '../../../src/errors.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

/** Runs per property: enough to find edge cases, small enough to keep the suite fast. */
export const PROPERTY_RUNS = 300;
/** Runs for "arbitrary input never throws anything but a HeraldError". */
export const FUZZ_RUNS = 1_000;

export function fixture(codec: string, kind: 'good' | 'bad', name: string): Buffer {
  return readFileSync(join(FIXTURES, codec, kind, name));
}

export function fixtureNames(codec: string, kind: 'good' | 'bad'): string[] {
  return readdirSync(join(FIXTURES, codec, kind)).sort();
}

/** Calls `run` and returns the HeraldError it must throw, asserting its code. */
export function expectHeraldError(run: () => unknown, code: ErrorCode): HeraldError {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HeraldError);
  expect((caught as HeraldError).code).toBe(code);
  return caught as HeraldError;
}

/** Runs `run`; a HeraldError counts as a typed refusal, any other exception fails the property. */
export function valueOrHeraldError(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof HeraldError)) throw err;
  }
}

/** Characters XML 1.0 can carry, biased towards the ones escaping must handle. */
const xmlChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', '-', '.', ':', '@', '+', '/') },
  { weight: 3, arbitrary: fc.constantFrom('<', '>', '&', '"', "'", ']]>', '\t', '\n', '\r', '&amp;') },
  { weight: 2, arbitrary: fc.constantFrom('é', '€', '日本', '😀', '\u00a0') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
);

/** Non-empty XML-safe text without leading or trailing whitespace (parsers trim values). */
export const xmlText = fc
  .array(xmlChar, { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join('').trim())
  .filter((s) => s !== '' && s.trim() === s && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(s));

/** A URI-looking token: no whitespace, quotes or angle brackets. */
export const uriArb = fc
  .tuple(
    fc.constantFrom('sip', 'sips', 'tel', 'mailto'),
    fc.stringMatching(/^[A-Za-z0-9+._%-]{1,12}$/),
    fc.option(fc.stringMatching(/^[a-z0-9.-]{1,12}$/), { nil: undefined }),
    fc.option(fc.constantFrom(';user=phone', ';transport=tcp', '?subject=x&y=1'), { nil: undefined }),
  )
  .map(([scheme, user, host, tail]) => `${scheme}:${user}${host === undefined ? '' : `@${host}`}${tail ?? ''}`);
