/**
 * The ledger side of the admin API (message search, tokens, sessions, audit, directory
 * import), run against both backends: PostgreSQL and embedded PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../../src/api/auth/credentials.js';
import { newId } from '../../../src/domain/ids.js';
import { isHeraldError } from '../../../src/errors.js';
import { createLedger, type LedgerConnectOptions } from '../../../src/ledger/index.js';
import { createLogger } from '../../../src/logger.js';
import type { AdminStore } from '../../../src/ports/admin-store.port.js';
import type { Ledger } from '../../../src/ports/ledger.port.js';
import { seedMessage } from '../../helpers/messages.js';
import { createTempDataDir } from '../../helpers/pglite.js';
import { createTestDatabase } from '../../helpers/postgres.js';
import { codeOf } from '../../helpers/error-code.js';

const log = createLogger('silent');


describe.each(['postgres', 'pglite'] as const)('AdminStore on %s', (backend) => {
  let ledger: Ledger & { readonly admin: AdminStore };
  let cleanup: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let options: LedgerConnectOptions;
    if (backend === 'postgres') {
      const database = await createTestDatabase('admin_store');
      cleanup = () => database.drop();
      options = { databaseUrl: database.url, dataDir: '/nonexistent-never-used', poolSize: 3 };
    } else {
      const folder = await createTempDataDir('herald-admin-store');
      cleanup = () => folder.remove();
      options = { dataDir: folder.dir, poolSize: 1 };
    }
    ledger = await createLedger(options, log);
    await ledger.migrate();
  });

  afterAll(async () => {
    await ledger?.close();
    await cleanup?.();
  });

  describe('when messages are searched', () => {
    it('filters, finds by SMSC id and pages newest first', async () => {
      const a = await seedMessage(ledger, { senderUri: 'sip:Zed@store.example', deliveries: [{ targetUri: 'tel:+15556660001', state: 'failed' }] });
      const b = await seedMessage(ledger, { senderUri: 'sip:zed@store.example', deliveries: [{ targetUri: 'tel:+15556660002', state: 'delivered' }] });
      const c = await seedMessage(ledger, { senderUri: 'sip:other@store.example', deliveries: [{ targetUri: 'tel:+15556660003' }] });
      await ledger.correlations.insertSegment({ deliveryId: a.deliveries[0]?.id ?? '', seq: 1, total: 1, connectionId: 'smsc', smscMessageId: 'store-smsc-1' });

      const zed = await ledger.admin.messages.search({ sender: 'ZED@store', limit: 10 });
      expect(zed.items.map((i) => i.message.id)).toEqual([b.message.id, a.message.id]);
      expect((await ledger.admin.messages.search({ state: 'failed', sender: 'store.example', limit: 10 })).items.map((i) => i.message.id)).toEqual([a.message.id]);
      expect((await ledger.admin.messages.search({ q: 'store-smsc-1', limit: 10 })).items.map((i) => i.message.id)).toEqual([a.message.id]);

      const first = await ledger.admin.messages.search({ sender: 'store.example', limit: 2 });
      expect(first.items.map((i) => i.message.id)).toEqual([c.message.id, b.message.id]);
      const second = await ledger.admin.messages.search({ sender: 'store.example', limit: 2, beforeId: first.nextBeforeId });
      expect(second.items.map((i) => i.message.id)).toEqual([a.message.id]);
      expect(second.nextBeforeId).toBeUndefined();

      const detail = await ledger.admin.messages.detail(a.message.id);
      expect(detail?.segments.map((s) => s.smscMessageId)).toEqual(['store-smsc-1']);
      expect(detail?.events.map((e) => e.toState)).toEqual(['accepted', 'queued', 'submitted', 'failed']);
      expect(await ledger.admin.messages.detail('no-such-message')).toBeUndefined();
    });
  });

  describe('when tokens and sessions are kept', () => {
    it('finds a token by hash until it is revoked, and its sessions end with it', async () => {
      const id = newId();
      const token = await ledger.admin.tokens.create({ id, name: 'store', role: 'admin', createdBy: 'cli', tokenHash: hashSecret(`secret-${id}`) });
      expect(token).toMatchObject({ id, name: 'store', role: 'admin', lastUsedAt: undefined, revokedAt: undefined });
      expect((await ledger.admin.tokens.findActiveByHash(hashSecret(`secret-${id}`)))?.id).toBe(id);

      await ledger.admin.tokens.touch(id);
      const touched = (await ledger.admin.tokens.list()).find((t) => t.id === id);
      expect(touched?.lastUsedAt).toBeInstanceOf(Date);

      const expiresAt = new Date(Date.now() + 60_000);
      await ledger.admin.sessions.create({ idHash: hashSecret(`session-${id}`), tokenId: id, csrfToken: 'csrf', expiresAt });
      expect((await ledger.admin.sessions.findActive(hashSecret(`session-${id}`), new Date()))?.token.id).toBe(id);
      expect(await ledger.admin.sessions.findActive(hashSecret(`session-${id}`), new Date(expiresAt.getTime() + 1))).toBeUndefined();

      const revoked = await ledger.admin.tokens.revoke(id);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      expect(await ledger.admin.tokens.findActiveByHash(hashSecret(`secret-${id}`))).toBeUndefined();
      expect(await ledger.admin.sessions.findActive(hashSecret(`session-${id}`), new Date())).toBeUndefined();
      expect(await ledger.admin.tokens.revoke('no-such-token')).toBeUndefined();
    });

    it('refuses a session for a token that does not exist', async () => {
      const outcome = await codeOf(
        ledger.admin.sessions.create({ idHash: hashSecret(newId()), tokenId: 'no-such-token', csrfToken: 'x', expiresAt: new Date(Date.now() + 1000) }),
      );
      expect(outcome).toBe('GW_ERR_LEDGER_NOT_FOUND');
    });
  });

  describe('when audit events are recorded', () => {
    it('lists them newest first with keyset paging', async () => {
      for (const target of ['t1', 't2', 't3']) {
        await ledger.admin.audit.record({ actorName: 'cli', action: 'directory.put', target, detail: { n: target } });
      }
      const page = await ledger.admin.audit.list(2);
      expect(page.map((e) => e.target)).toEqual(['t3', 't2']);
      expect(page[0]?.detail).toEqual({ n: 't3' });
      const next = await ledger.admin.audit.list(2, page[1]?.id);
      expect(next[0]?.target).toBe('t1');
      expect(await ledger.admin.audit.list(2, 'not-a-number')).toEqual([]);
    });
  });

  describe('when the directory is imported', () => {
    it('writes all entries, or none when one is refused, naming its index', async () => {
      await ledger.admin.importDirectory([
        { imUri: 'sip:i1@store.example', msisdn: '+15557770001', archiveEnabled: false },
        { imUri: 'sip:i2@store.example', email: 'i2@store.example', archiveEnabled: true },
      ]);
      expect((await ledger.directory.byImUri('sip:i2@store.example'))?.archiveEnabled).toBe(true);

      let index: unknown;
      try {
        await ledger.admin.importDirectory([
          { imUri: 'sip:i3@store.example', msisdn: '+15557770003', archiveEnabled: false },
          { imUri: 'sip:i4@store.example', email: 'I2@STORE.EXAMPLE', archiveEnabled: false },
        ]);
      } catch (err) {
        expect(isHeraldError(err, 'GW_ERR_LEDGER_CONFLICT')).toBe(true);
        index = isHeraldError(err) ? err.meta.index : undefined;
      }
      expect(index).toBe(1);
      expect(await ledger.directory.byImUri('sip:i3@store.example')).toBeUndefined();
    });
  });
});
