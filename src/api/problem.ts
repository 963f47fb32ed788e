/**
 * RFC 9457 problem details for every error the admin API answers with. The `code` member
 * is the catalogue code: clients branch on it, never on `title` or `detail`.
 */
import type { FastifyError } from 'fastify';
import { ERROR_CATALOGUE, heraldError, isHeraldError, toHeraldError, type ErrorCode, type HeraldError } from '../errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One bad input: which field (or CSV line) and what is wrong with it. */
export interface FieldProblem {
  /** e.g. `body.role`, `querystring.cursor`, `csv.msisdn`. */
  readonly field: string;
  readonly message: string;
  /** CSV line number (1 = the header) for import errors. */
  readonly line?: number | undefined;
}

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ErrorCode;
  readonly errors?: readonly FieldProblem[] | undefined;
}

/** A stable URI per code (RFC 9457 §3.1.1); it names the problem type, it is not fetched. */
export function problemType(code: ErrorCode): string {
  return `urn:herald:error:${code}`;
}

function fieldProblems(meta: Readonly<Record<string, unknown>>): readonly FieldProblem[] | undefined {
  const errors = meta.errors;
  return Array.isArray(errors) ? (errors as FieldProblem[]) : undefined;
}

/**
 * The problem document of a catalogued error. Server faults keep their detail for the
 * log only: it can name hosts, SQL or files.
 */
export function toProblem(err: HeraldError, instance: string): Problem {
  const title = ERROR_CATALOGUE[err.code].message.replace(': %s', '');
  const serverFault = err.httpStatus >= 500;
  return {
    type: problemType(err.code),
    title,
    status: err.httpStatus,
    detail: serverFault ? title : err.detail,
    instance,
    code: err.code,
    errors: serverFault ? undefined : fieldProblems(err.meta),
  };
}

interface ValidationIssue {
  readonly instancePath: string;
  readonly message?: string | undefined;
  readonly params: Readonly<Record<string, unknown>>;
}

/** `body.role` from ajv's `/role` in context `body`, naming the missing or extra key. */
function fieldOf(context: string, issue: ValidationIssue): string {
  const path = issue.instancePath.split('/').filter((part) => part !== '');
  const key = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof key === 'string') path.push(key);
  return [context, ...path].join('.');
}

/** Fastify's own errors (schema validation, body parsing) as catalogued errors. */
function fromFastifyError(err: FastifyError & { validation?: readonly ValidationIssue[]; validationContext?: string }): HeraldError {
  if (err.validation !== undefined) {
    const context = err.validationContext ?? 'request';
    const errors = err.validation.map((issue) => ({ field: fieldOf(context, issue), message: issue.message ?? 'is invalid' }));
    return heraldError('GW_ERR_API_VALIDATION', errors.map((e) => `${e.field} ${e.message}`).join('; '), { cause: err, meta: { errors } });
  }
  const status = err.statusCode ?? 500;
  if (status === 413) return heraldError('GW_ERR_CONTENT_TOO_LARGE', err.message, { cause: err });
  if (status === 415) return heraldError('GW_ERR_CONTENT_UNSUPPORTED_TYPE', err.message, { cause: err });
  if (status === 404) return heraldError('GW_ERR_API_NOT_FOUND', err.message, { cause: err });
  // Unparseable JSON, empty body, bad header: the request is at fault.
  if (status >= 400 && status < 500) return heraldError('GW_ERR_API_VALIDATION', err.message, { cause: err });
  return toHeraldError(err);
}

/** Anything a route or hook threw, as a catalogued error. */
export function toApiError(value: unknown): HeraldError {
  if (isHeraldError(value)) return value;
  // Fastify (and its plugins) mark the errors they raise with a status or a validation list.
  if (value instanceof Error && ('validation' in value || typeof (value as { statusCode?: unknown }).statusCode === 'number')) {
    return fromFastifyError(value as FastifyError & { validation?: readonly ValidationIssue[]; validationContext?: string });
  }
  return toHeraldError(value);
}
