/**
 * A fresh PostgreSQL database per test file on the real server, dropped afterwards, so
 * files run in parallel without seeing each other's rows.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/** The server tests use: TEST_DATABASE_URL, else the local trust-auth default. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  /** Connection URL of the new database. */
  readonly url: string;
  readonly name: string;
  /** Drops the database, disconnecting anyone still on it. Idempotent. */
  drop(): Promise<void>;
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates `herald_test_<label>_<random>` on the test server.
 * @param label usually the test file's name; anything but [a-z0-9_] is dropped.
 */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  const safe = path.basename(label).toLowerCase().replace(/\.test\.ts$/, '').replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  const name = `herald_test_${safe}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`create database "${name}"`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE) (PostgreSQL 13+): a leaked pool must not keep the database alive.
      await admin((client) => client.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
