/**
 * A pool with no connection free is not an unreachable database (issue 16): against a real
 * PostgreSQL, a pool of one held by an open transaction makes the next ledger operation
 * fail with GW_ERR_DB_BUSY naming the pool's wait, while a database whose port closed still
 * fails with GW_ERR_DB_UNREACHABLE. Both are retried (503 on SIP and HTTP).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { isHeraldError } from '../../../src/errors.js';
import { connectLedger, type LedgerConnection } from '../../../src/ledger/connect.js';
import { KyselyLedger } from '../../../src/ledger/kysely-ledger.js';
import { createLogger } from '../../../src/logger.js';
import { codeOf } from '../../helpers/error-code.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/postgres.js';
import { startTcpProxy } from '../../helpers/tcp-proxy.js';

const log = createLogger('silent');
const POOL_WAIT_MS = 300;

describe('ledger pool', () => {
  let db: TestDatabase | undefined;
  let connection: LedgerConnection | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await connection?.db.destroy().catch(() => undefined);
    connection = undefined;
    await db?.drop();
    db = undefined;
  });

  describe('when its only connection is held by an open transaction', () => {
    it('fails the next operation with GW_ERR_DB_BUSY naming the wait, and works again once the transaction ends', async () => {
      db = await createTestDatabase('ledger_pool_busy');
      connection = await connectLedger({ databaseUrl: db.url, dataDir: '/nonexistent', poolSize: 1, connectTimeoutMs: POOL_WAIT_MS }, log);
      const ledger = new KyselyLedger(connection, log);
      await ledger.migrate();

      let release = (): void => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let began = (): void => undefined;
      const holding = new Promise<void>((resolve) => {
        began = resolve;
      });
      const transaction = connection.db.transaction().execute(async (trx) => {
        await sql`select 1`.execute(trx);
        began();
        await released;
      });
      cleanups.push(async () => {
        release();
        await transaction;
      });
      await holding;

      const started = Date.now();
      const err: unknown = await ledger.getDelivery('d-none').catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(POOL_WAIT_MS - 50);
      expect(isHeraldError(err, 'GW_ERR_DB_BUSY')).toBe(true);
      if (!isHeraldError(err)) throw new Error('not a HeraldError');
      expect(err.meta.poolWaitMs).toBe(POOL_WAIT_MS);
      expect(err.detail).toContain(`within ${POOL_WAIT_MS} ms`);
      expect({ http: err.httpStatus, sip: err.sipStatus, permanent: err.permanent }).toEqual({ http: 503, sip: 503, permanent: false });
      // The readiness probe says the same, not "unreachable".
      expect(await codeOf(ledger.ping())).toBe('GW_ERR_DB_BUSY');

      release();
      await transaction;
      expect(await ledger.getDelivery('d-none')).toBeUndefined();
    });
  });

  describe('when the database port closes under an open ledger', () => {
    it('still fails with GW_ERR_DB_UNREACHABLE, never GW_ERR_DB_BUSY', async () => {
      db = await createTestDatabase('ledger_pool_gone');
      const target = new URL(db.url);
      const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      cleanups.push(() => proxy.close());
      const viaProxy = new URL(db.url);
      viaProxy.hostname = proxy.host;
      viaProxy.port = String(proxy.port);
      connection = await connectLedger({ databaseUrl: viaProxy.toString(), dataDir: '/nonexistent', poolSize: 1, connectTimeoutMs: POOL_WAIT_MS }, log);
      const ledger = new KyselyLedger(connection, log);
      await ledger.migrate();
      expect(await ledger.getDelivery('d-none')).toBeUndefined();

      // The port closes: the open connection is cut, new ones are refused.
      await proxy.close();
      const codes = [await codeOf(ledger.getDelivery('d-none')), await codeOf(ledger.getDelivery('d-none')), await codeOf(ledger.getDelivery('d-none'))];
      expect(codes).toEqual(['GW_ERR_DB_UNREACHABLE', 'GW_ERR_DB_UNREACHABLE', 'GW_ERR_DB_UNREACHABLE']);
    });
  });
});
