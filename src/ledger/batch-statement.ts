/**
 * One kind of hot-path write (or read) as a single fixed statement over arrays: the ops
 * of one flush travel as one array per column (`unnest($1::text[], …) with ordinality`),
 * so a batch of any size is one round trip, one plan (prepared once under `name`) and,
 * for a write, one commit. The writer (writer.ts) runs each through a group commit.
 */

/** Runs a fixed statement prepared under `name` (see connect.ts). */
export type StatementRunner = <R>(name: string, text: string, parameters: readonly unknown[]) => Promise<readonly R[]>;

export interface BatchStatement<Op, Row, Result> {
  /** The prepared statement's name: unique per text. */
  readonly name: string;
  readonly text: string;
  /** Ops with equal keys go in different statements, in submission order (e.g. one row never updated twice). */
  readonly keyOf: (op: Op) => string;
  /** The statement's parameters for a batch: one array per column, in the ops' order. */
  readonly parameters: (ops: readonly Op[]) => unknown[];
  /** One result per op, in the ops' order, from the statement's rows. */
  readonly results: (rows: readonly Row[], ops: readonly Op[]) => readonly Result[];
}

/** Rows tagged with `ord` (the op's 1-based position, from `with ordinality`), grouped per op. */
export function rowsPerOp<Row extends { readonly ord: string | number }>(rows: readonly Row[], count: number): Row[][] {
  const out: Row[][] = Array.from({ length: count }, () => []);
  for (const row of rows) out[Number(row.ord) - 1]?.push(row);
  return out;
}

/** The row's columns without the batch's `ord` tag. */
export function withoutOrd<Row extends { readonly ord: string | number }>(row: Row): Omit<Row, 'ord'> {
  const { ord: _ord, ...rest } = row;
  return rest;
}
