import { describe, expect, it } from 'vitest';
import { evaluateAudit, summaryLine } from '../../tools/audit-policy-core.js';

const NOW = new Date('2026-06-01T12:00:00Z');

/** A trimmed `npm audit --json` report (auditReportVersion 2) with one advisory per severity given. */
function report(...advisories: { name: string; severity: string; ghsa: string }[]): unknown {
  return {
    auditReportVersion: 2,
    vulnerabilities: Object.fromEntries(
      advisories.map((a) => [
        a.name,
        {
          name: a.name,
          severity: a.severity,
          via: [{ source: 1, name: a.name, title: `${a.name} bug`, url: `https://github.com/advisories/${a.ghsa}`, severity: a.severity }],
        },
      ]),
    ),
    metadata: {},
  };
}

const HIGH = { name: 'left-pad', severity: 'high', ghsa: 'GHSA-aaaa-bbbb-cccc' };
const MODERATE = { name: 'is-odd', severity: 'moderate', ghsa: 'GHSA-dddd-eeee-ffff' };

describe('audit policy', () => {
  describe('when the audit endpoint answers with an error object', () => {
    it('should report the audit as unavailable, not as a failure', () => {
      const outcome = evaluateAudit({ message: '405 Method Not Allowed - POST …/advisories/bulk', error: {} }, { allow: [] }, NOW);
      expect(outcome.kind).toBe('unavailable');
      expect(summaryLine(outcome)).toMatch(/^npm audit: WARNING/);
    });
  });

  describe('when only moderate advisories exist', () => {
    it('should pass and count them', () => {
      const outcome = evaluateAudit(report(MODERATE), { allow: [] }, NOW);
      expect(outcome).toMatchObject({ kind: 'audited', ok: true, counts: { moderate: 1, high: 0 } });
    });
  });

  describe('when a high advisory is not allow-listed', () => {
    it('should fail and name it', () => {
      const outcome = evaluateAudit(report(HIGH, MODERATE), { allow: [] }, NOW);
      expect(outcome).toMatchObject({ kind: 'audited', ok: false, blocking: [{ id: 'GHSA-aaaa-bbbb-cccc', package: 'left-pad' }] });
    });
  });

  describe('when a high advisory is allow-listed with a reason and a future expiry', () => {
    it('should pass', () => {
      const allow = { allow: [{ id: 'GHSA-aaaa-bbbb-cccc', reason: 'only reachable from the dev server', expires: '2026-06-30' }] };
      expect(evaluateAudit(report(HIGH), allow, NOW)).toMatchObject({ ok: true, allowed: [{ expires: '2026-06-30' }] });
    });
  });

  describe('when the allow-list entry has expired', () => {
    it('should fail again', () => {
      const allow = { allow: [{ id: 'GHSA-aaaa-bbbb-cccc', reason: 'only reachable from the dev server', expires: '2026-05-31' }] };
      const outcome = evaluateAudit(report(HIGH), allow, NOW);
      expect(outcome).toMatchObject({ ok: false, blocking: [{ id: 'GHSA-aaaa-bbbb-cccc' }] });
    });
  });

  describe('when an allow-list entry lacks a reason or an expiry', () => {
    it('should fail even without advisories', () => {
      const allow = { allow: [{ id: 'GHSA-aaaa-bbbb-cccc', expires: '2026-12-31' }, { id: 'GHSA-1111-2222-3333', reason: 'a good long reason' }] };
      const outcome = evaluateAudit(report(), allow, NOW);
      expect(outcome).toMatchObject({ kind: 'audited', ok: false });
      expect(outcome.kind === 'audited' ? outcome.allowListErrors : []).toHaveLength(2);
    });
  });
});
