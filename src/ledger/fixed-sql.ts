/**
 * Runs SQL whose text never changes, without Kysely building it. The message path's
 * hottest reads used the query builder, which rebuilt and recompiled the same query
 * (dozens of aliased columns) for every message: about a tenth of the gateway's CPU
 * under load (npm run bench). The text here is written once; only the parameters vary.
 */
import { CompiledQuery, type QueryExecutorProvider } from 'kysely';

/** The rows of `text` run with `parameters` ($1, $2, … in order). */
export async function runFixed<R>(db: QueryExecutorProvider, text: string, parameters: readonly unknown[]): Promise<readonly R[]> {
  const result = await db.getExecutor().executeQuery<R>(CompiledQuery.raw(text, [...parameters]));
  return result.rows;
}
