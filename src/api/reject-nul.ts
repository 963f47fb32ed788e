/**
 * NUL in a path parameter, a query parameter or a JSON string (`%00`, `\u0000`) is a 400
 * problem naming the field, before any route runs: PostgreSQL refuses NUL in text, and
 * that refusal would otherwise surface as a 500.
 */
import type { FastifyRequest } from 'fastify';
import { heraldError } from '../errors.js';
import type { FieldProblem } from './problem.js';

/** Deep enough for every body the API takes; deeper input is left to the schemas. */
const MAX_DEPTH = 8;

function findNul(value: unknown, field: string, depth: number, out: FieldProblem[]): void {
  if (out.length > 0 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) out.push({ field, message: 'contains a NUL byte' });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => findNul(item, `${field}[${i}]`, depth + 1, out));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000')) out.push({ field: `${field}.?`, message: 'a key contains a NUL byte' });
      findNul(item, `${field}.${key}`, depth + 1, out);
    }
  }
}

/**
 * A preValidation hook.
 * @throws GW_ERR_API_VALIDATION with the field in `errors`.
 */
export async function rejectNul(request: FastifyRequest): Promise<void> {
  const problems: FieldProblem[] = [];
  findNul(request.params, 'params', 0, problems);
  findNul(request.query, 'querystring', 0, problems);
  findNul(request.body, 'body', 0, problems);
  const first = problems[0];
  if (first !== undefined) throw heraldError('GW_ERR_API_VALIDATION', `${first.field} ${first.message}`, { meta: { errors: problems } });
}
