/** The number directory: CRUD one entry at a time, list paging, CSV import and export. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../../helpers/api.js';

const enc = encodeURIComponent;

interface EntryJson {
  imUri: string;
  msisdn: string | null;
  email: string | null;
  displayName: string | null;
  archiveEnabled: boolean;
}

describe('admin API number directory', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApiHarness('api_directory');
  });

  afterAll(async () => {
    await h?.close();
  });

  const put = (imUri: string, body: Record<string, unknown>, token = h.adminToken) =>
    h.as(token, { method: 'PUT', url: `/api/v1/directory/${enc(imUri)}`, payload: body });

  const importCsv = (csv: string, token = h.adminToken) =>
    h.as(token, { method: 'POST', url: '/api/v1/directory/import', headers: { 'content-type': 'text/csv' }, payload: csv });

  async function audit(): Promise<{ action: string; target: string }[]> {
    return (await h.as(h.adminToken, { method: 'GET', url: '/api/v1/audit?limit=50' })).json().items;
  }

  describe('when an admin puts an entry', () => {
    it('creates it (201), then replaces it (200), and audits both', async () => {
      const created = await put('sip:alice@example.com', { msisdn: '+15551110001', email: 'Alice@Example.com', displayName: 'Alice', archiveEnabled: true });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toEqual({ imUri: 'sip:alice@example.com', msisdn: '+15551110001', email: 'Alice@Example.com', displayName: 'Alice', archiveEnabled: true });

      const replaced = await put('sip:alice@example.com', { msisdn: '+15551110002' });
      expect(replaced.statusCode).toBe(200);
      expect(replaced.json()).toEqual({ imUri: 'sip:alice@example.com', msisdn: '+15551110002', email: null, displayName: null, archiveEnabled: false });

      const got = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/directory/${enc('sip:alice@example.com')}` });
      expect(got.json<EntryJson>().msisdn).toBe('+15551110002');
      expect((await audit()).filter((e) => e.action === 'directory.put' && e.target === 'sip:alice@example.com')).toHaveLength(2);
    });

    it('refuses an MSISDN that belongs to another user with 409', async () => {
      await put('sip:owner@example.com', { msisdn: '+15551110099' });
      const res = await put('sip:thief@example.com', { msisdn: '+15551110099' });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('GW_ERR_LEDGER_CONFLICT');
    });

    it.each([
      [{ msisdn: '5551234' }, 'body.msisdn'],
      [{ email: 'not an email' }, 'body.email'],
      [{ archiveEnabled: 'sometimes' }, 'body.archiveEnabled'],
    ])('refuses %j with 400 naming %s', async (body, field) => {
      const res = await put('sip:bad@example.com', body);
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toContainEqual(expect.objectContaining({ field }));
    });

    it('refuses an IM URI that is not a URI with 400', async () => {
      const res = await put('just-a-name', {});
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toContainEqual(expect.objectContaining({ field: 'params.imUri' }));
    });

    it('refuses a viewer with 403', async () => {
      const res = await put('sip:viewer-try@example.com', {}, h.viewerToken);
      expect(res.statusCode).toBe(403);
    });
  });

  describe('when an admin deletes an entry', () => {
    it('removes it (204), audits it, and then answers 404', async () => {
      await put('sip:gone@example.com', { msisdn: '+15551110077' });
      const url = `/api/v1/directory/${enc('sip:gone@example.com')}`;
      expect((await h.as(h.adminToken, { method: 'DELETE', url })).statusCode).toBe(204);
      expect((await h.as(h.viewerToken, { method: 'GET', url })).statusCode).toBe(404);
      const again = await h.as(h.adminToken, { method: 'DELETE', url });
      expect(again.statusCode).toBe(404);
      expect(again.json().code).toBe('GW_ERR_API_NOT_FOUND');
      expect(await audit()).toContainEqual(expect.objectContaining({ action: 'directory.delete', target: 'sip:gone@example.com' }));
    });
  });

  describe('when the directory is listed', () => {
    it('pages through it in IM URI order with a cursor', async () => {
      for (const user of ['p1', 'p2', 'p3']) await put(`sip:${user}@list.example`, {});
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const url: string = `/api/v1/directory?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page = (await h.as(h.viewerToken, { method: 'GET', url })).json<{ items: EntryJson[]; nextCursor: string | null }>();
        seen.push(...page.items.map((e) => e.imUri));
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(seen).toEqual([...seen].sort());
      expect(seen).toEqual(expect.arrayContaining(['sip:p1@list.example', 'sip:p2@list.example', 'sip:p3@list.example']));
      expect(new Set(seen).size).toBe(seen.length);
    });
  });

  describe('when a CSV is imported', () => {
    it('writes every row, audits the import, and exports what it imported', async () => {
      const csv = [
        'im_uri,msisdn,email,display_name,archive_enabled',
        'sip:csv1@import.example,+15552220001,csv1@import.example,"Smith, Jane",true',
        'sip:csv2@import.example,+15552220002,,"Quote ""Q"" Person",no',
        'sip:csv3@import.example,,csv3@import.example,,',
      ].join('\r\n');
      const res = await importCsv(csv);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ imported: 3 });

      const one = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/directory/${enc('sip:csv1@import.example')}` });
      expect(one.json()).toEqual({ imUri: 'sip:csv1@import.example', msisdn: '+15552220001', email: 'csv1@import.example', displayName: 'Smith, Jane', archiveEnabled: true });
      expect(await audit()).toContainEqual(expect.objectContaining({ action: 'directory.import' }));

      const exported = await h.as(h.viewerToken, { method: 'GET', url: '/api/v1/directory/export' });
      expect(exported.statusCode).toBe(200);
      expect(exported.headers['content-type']).toMatch(/^text\/csv/);
      expect(exported.headers['content-disposition']).toMatch(/attachment/);
      const lines = exported.body.split('\r\n');
      expect(lines[0]).toBe('im_uri,msisdn,email,display_name,archive_enabled');
      expect(lines).toContain('sip:csv1@import.example,+15552220001,csv1@import.example,"Smith, Jane",true');
      expect(lines).toContain('sip:csv2@import.example,+15552220002,,"Quote ""Q"" Person",false');
      expect(lines).toContain('sip:csv3@import.example,,csv3@import.example,,false');

      // The export is itself a valid import.
      expect((await importCsv(exported.body)).statusCode).toBe(200);
    });

    it('reports every bad row by line and field, and writes nothing', async () => {
      const csv = [
        'im_uri,msisdn,email,display_name,archive_enabled',
        'sip:ok@bad.example,+15553330001,,,false',
        'not a uri,+15553330002,,,false',
        'sip:two@bad.example,12345,nope,,maybe',
        'sip:ok@bad.example,+15553330003,,,false',
        'sip:short@bad.example,+15553330004',
      ].join('\n');
      const res = await importCsv(csv);
      expect(res.statusCode).toBe(400);
      const problem = res.json();
      expect(problem.code).toBe('GW_ERR_API_VALIDATION');
      const found = (problem.errors as { line: number; field: string }[]).map((e) => `${e.line}:${e.field}`);
      expect(found).toEqual(['3:csv.im_uri', '4:csv.msisdn', '4:csv.email', '4:csv.archive_enabled', '5:csv.im_uri', '6:csv.file']);
      const first = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/directory/${enc('sip:ok@bad.example')}` });
      expect(first.statusCode).toBe(404);
    });

    it('refuses an unknown column in the header', async () => {
      const res = await importCsv('im_uri,phone\nsip:x@example.com,+15550000000\n');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ line: 1, field: 'csv.phone' })]);
    });

    it('refuses an unclosed quote naming its line', async () => {
      const res = await importCsv('im_uri,display_name\nsip:x@example.com,"open\n');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ line: 2, field: 'csv.file' })]);
    });

    it('rolls everything back when the database refuses a row, naming that line (409)', async () => {
      await put('sip:holder@conflict.example', { msisdn: '+15554440001' });
      const csv = [
        'im_uri,msisdn',
        'sip:new1@conflict.example,+15554440002',
        'sip:new2@conflict.example,+15554440001',
      ].join('\n');
      const res = await importCsv(csv);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'GW_ERR_LEDGER_CONFLICT', errors: [{ line: 3, field: 'csv.msisdn' }] });
      const first = await h.as(h.viewerToken, { method: 'GET', url: `/api/v1/directory/${enc('sip:new1@conflict.example')}` });
      expect(first.statusCode).toBe(404);
    });

    it('refuses a body that is not CSV with 415', async () => {
      const res = await h.as(h.adminToken, { method: 'POST', url: '/api/v1/directory/import', headers: { 'content-type': 'application/xml' }, payload: '<x/>' });
      expect(res.statusCode).toBe(415);
      expect(res.json().code).toBe('GW_ERR_CONTENT_UNSUPPORTED_TYPE');
    });

    it('refuses a viewer with 403', async () => {
      const res = await importCsv('im_uri\nsip:v@example.com\n', h.viewerToken);
      expect(res.statusCode).toBe(403);
    });
  });
});
