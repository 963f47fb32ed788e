/**
 * The dependency-audit policy, kept pure so it can be tested on canned reports: which
 * advisories in an `npm audit --json` report (npm 7+, auditReportVersion 2) block CI.
 *
 * High and critical advisories block, unless the allow-list names them with a reason and
 * an expiry date that has not passed; an allow-list entry without a reason or a valid date
 * is itself an error, so exceptions cannot be added silently or kept forever.
 */

export type Severity = 'info' | 'low' | 'moderate' | 'high' | 'critical';

export const BLOCKING: readonly Severity[] = ['high', 'critical'];

export interface AllowEntry {
  /** GHSA id (GHSA-xxxx-xxxx-xxxx) or npm advisory number, as in the report's `via`. */
  readonly id: string;
  readonly package?: string;
  readonly reason: string;
  /** YYYY-MM-DD; the entry stops counting at the end of that day (UTC). */
  readonly expires: string;
}

export interface Advisory {
  readonly id: string;
  readonly package: string;
  readonly severity: Severity;
  readonly title: string;
  readonly url: string;
}

export type AuditOutcome =
  | { readonly kind: 'unavailable'; readonly reason: string }
  | {
      readonly kind: 'audited';
      readonly ok: boolean;
      readonly counts: Readonly<Record<Severity, number>>;
      readonly blocking: readonly Advisory[];
      readonly allowed: readonly (Advisory & { readonly expires: string })[];
      /** Allow-list problems: missing reason, bad or passed expiry. */
      readonly allowListErrors: readonly string[];
      /** Entries that matched nothing: candidates for removal. */
      readonly unusedAllows: readonly string[];
    };

const SEVERITIES: readonly Severity[] = ['info', 'low', 'moderate', 'high', 'critical'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** GHSA id from the advisory URL when there is one: stable across registries, unlike `source`. */
function advisoryId(via: Record<string, unknown>): string {
  const url = typeof via.url === 'string' ? via.url : '';
  const ghsa = /GHSA(-[0-9a-z]{4}){3}/i.exec(url)?.[0];
  return ghsa ?? String(via.source ?? via.name ?? 'unknown');
}

/** Every distinct advisory of the report (a package's `via` strings point at other packages). */
export function advisoriesOf(report: Record<string, unknown>): Advisory[] {
  const found = new Map<string, Advisory>();
  const vulnerabilities = isRecord(report.vulnerabilities) ? report.vulnerabilities : {};
  for (const entry of Object.values(vulnerabilities)) {
    if (!isRecord(entry) || !Array.isArray(entry.via)) continue;
    for (const via of entry.via) {
      if (!isRecord(via) || !isSeverity(via.severity)) continue;
      const advisory: Advisory = {
        id: advisoryId(via),
        package: typeof via.name === 'string' ? via.name : String(entry.name ?? ''),
        severity: via.severity,
        title: typeof via.title === 'string' ? via.title : '',
        url: typeof via.url === 'string' ? via.url : '',
      };
      found.set(`${advisory.id}|${advisory.package}`, advisory);
    }
  }
  return [...found.values()];
}

/** Reads the allow-list file's JSON; problems are reported, not thrown. */
export function parseAllowList(json: unknown): { entries: AllowEntry[]; errors: string[] } {
  const errors: string[] = [];
  const list = isRecord(json) && Array.isArray(json.allow) ? json.allow : undefined;
  if (list === undefined) return { entries: [], errors: ['allow-list must be {"allow": [...]}'] };
  const entries: AllowEntry[] = [];
  for (const [i, item] of list.entries()) {
    if (!isRecord(item) || typeof item.id !== 'string' || item.id === '') {
      errors.push(`allow[${i}]: needs an "id"`);
      continue;
    }
    if (typeof item.reason !== 'string' || item.reason.trim().length < 10) {
      errors.push(`allow[${i}] ${item.id}: needs a "reason" (why it cannot reach us or why it waits)`);
      continue;
    }
    if (typeof item.expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(item.expires) || Number.isNaN(Date.parse(item.expires))) {
      errors.push(`allow[${i}] ${item.id}: needs "expires" as YYYY-MM-DD`);
      continue;
    }
    entries.push({
      id: item.id,
      package: typeof item.package === 'string' ? item.package : undefined,
      reason: item.reason,
      expires: item.expires,
    });
  }
  return { entries, errors };
}

function expired(entry: AllowEntry, now: Date): boolean {
  return Date.parse(`${entry.expires}T23:59:59.999Z`) < now.getTime();
}

/**
 * Applies the policy to `npm audit --json` output. A report without `vulnerabilities`
 * (npm's error object: registry unreachable, audit endpoint refused) is `unavailable`:
 * the caller warns instead of failing, since no audit is not a finding.
 */
export function evaluateAudit(report: unknown, allowJson: unknown, now: Date): AuditOutcome {
  if (!isRecord(report) || !isRecord(report.vulnerabilities)) {
    const message = isRecord(report) && typeof report.message === 'string' ? report.message : 'no audit report';
    return { kind: 'unavailable', reason: message.split('\n')[0] ?? message };
  }
  const { entries, errors } = parseAllowList(allowJson);
  const counts: Record<Severity, number> = { info: 0, low: 0, moderate: 0, high: 0, critical: 0 };
  const blocking: Advisory[] = [];
  const allowed: (Advisory & { expires: string })[] = [];
  const used = new Set<AllowEntry>();
  const allowListErrors = [...errors];
  for (const advisory of advisoriesOf(report)) {
    counts[advisory.severity] += 1;
    if (!BLOCKING.includes(advisory.severity)) continue;
    const entry = entries.find((e) => e.id === advisory.id && (e.package === undefined || e.package === advisory.package));
    if (entry === undefined) {
      blocking.push(advisory);
      continue;
    }
    used.add(entry);
    if (expired(entry, now)) {
      allowListErrors.push(`${entry.id} (${advisory.package}): allowed until ${entry.expires}, which has passed`);
      blocking.push(advisory);
    } else {
      allowed.push({ ...advisory, expires: entry.expires });
    }
  }
  return {
    kind: 'audited',
    ok: blocking.length === 0 && allowListErrors.length === 0,
    counts,
    blocking,
    allowed,
    allowListErrors,
    unusedAllows: entries.filter((e) => !used.has(e)).map((e) => e.id),
  };
}

/** The one line CI prints. */
export function summaryLine(outcome: AuditOutcome): string {
  if (outcome.kind === 'unavailable') {
    return `npm audit: WARNING: not audited, the registry's audit endpoint did not answer (${outcome.reason})`;
  }
  const c = outcome.counts;
  const allowedNote = outcome.allowed.length > 0 ? ` (${outcome.allowed.length} allow-listed)` : '';
  return (
    `npm audit (production dependencies): ${c.critical} critical, ${c.high} high${allowedNote}, ${c.moderate} moderate, ${c.low} low` +
    ` — ${outcome.ok ? 'ok' : `FAILED: ${outcome.blocking.length} blocking, ${outcome.allowListErrors.length} allow-list problem(s)`}`
  );
}
