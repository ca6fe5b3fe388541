import { describe, expect, it } from 'vitest';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import type { HealthResult } from '../../../src/domain/index.ts';
import { type AdminFixture, adminSuite, auth, hubspotBody, OTHER_TOKEN } from './admin-fixture.ts';

const FILE_SECRET = 'pat-file-tenant-secret-000';
const fileTenants = parseTenants({
  tenants: [
    {
      id: 'from-file',
      name: 'From file',
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: FILE_SECRET } },
    },
  ],
});

function result(dealId: string, score: number): HealthResult {
  return {
    dealId,
    asOf: '2026-11-20T02:00:00.000Z',
    score,
    band: score >= 70 ? 'healthy' : score >= 40 ? 'watch' : 'at_risk',
    winProbability: null,
    confidence: 0.8,
    indicators: [
      {
        key: 'open_communication',
        label: 'Open communication',
        value: 12,
        subScore: 0.2,
        confidence: 0.9,
        evidence: 'No buyer reply in 12 days, usually 3',
      },
      {
        key: 'next_step',
        label: 'Next step',
        value: null,
        subScore: 0.5,
        confidence: 0,
        evidence: 'No next step recorded',
      },
    ],
    contributions: [-0.243, 0],
    reasons: ['No buyer reply in 12 days, usually 3'],
    trend: null,
    modelVersion: 'prior-1',
  };
}

describe('admin API (fastify.inject, real Redis)', () => {
  const suite = adminSuite();
  let fx: AdminFixture;

  const create = (id: string, secret?: string) =>
    fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody(id, secret) });

  describe('auth', () => {
    const protectedRoutes: [string, string][] = [
      ['GET', '/tenants'],
      ['POST', '/tenants'],
      ['GET', '/tenants/acme'],
      ['PATCH', '/tenants/acme'],
      ['DELETE', '/tenants/acme'],
      ['GET', '/tenants/acme/schedule'],
      ['PUT', '/tenants/acme/schedule'],
      ['POST', '/tenants/acme/runs'],
      ['GET', '/tenants/acme/runs/acme.run1'],
      ['GET', '/tenants/acme/status'],
      ['GET', '/tenants/acme/deals/d1/explain'],
      ['GET', '/tenants/acme/model/report'],
      ['GET', '/tenants/acme/elements'],
      ['GET', '/tenants/acme/changes'],
      ['GET', '/tenants/acme/digest/deliveries'],
      ['GET', '/tenants/acme/deals'],
      ['GET', '/report/acme/deals.csv'],
      ['GET', '/report/acme/data.json'],
      ['POST', '/tenants/acme/train'],
      ['GET', '/openapi.json'],
      ['GET', '/docs'],
      ['GET', '/metrics'],
      ['GET', '/queues'],
      ['GET', '/queues/api/queues'],
      ['GET', '/no-such-route'],
    ];

    it('answers 401 UNAUTHORIZED on every route without a valid token', async () => {
      // Many wrong tokens from one address: lift the failed-auth limit to see every 401.
      fx = await suite.fixture({ deps: { authFailureLimit: { limit: 1_000, windowMs: 60_000 } } });
      for (const [method, url] of protectedRoutes) {
        for (const headers of [
          {},
          { authorization: 'Bearer wrong-token-0123456789abcdefgh' },
          { authorization: `Basic ${Buffer.from('admin:x').toString('base64')}` },
          { authorization: `Bearer ${OTHER_TOKEN.slice(0, -1)}` },
        ]) {
          const res = await fx.app.inject({ method: method as 'GET', url, headers });
          expect(res.statusCode, `${method} ${url}`).toBe(401);
          expect(res.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
          expect(res.headers['www-authenticate']).toBe('Bearer');
        }
      }
    });

    it('accepts any configured token, and keeps /healthz and /readyz open', async () => {
      fx = await suite.fixture();
      expect((await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth })).statusCode).toBe(200);
      const other = await fx.app.inject({
        method: 'GET',
        url: '/tenants',
        headers: { authorization: `Bearer ${OTHER_TOKEN}` },
      });
      expect(other.statusCode).toBe(200);
      expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ redis: true });
    });

    it('does not take the token from the query string of API routes', async () => {
      fx = await suite.fixture();
      const res = await fx.app.inject({ method: 'GET', url: `/tenants?token=${OTHER_TOKEN}` });
      expect(res.statusCode).toBe(401);
    });

    it('/readyz answers 503 when PING never comes back', async () => {
      fx = await suite.fixture({
        deps: { ping: () => new Promise<boolean>(() => {}), readyTimeoutMs: 50 },
      });
      const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ redis: false });
    });

    it('/readyz answers 503 when Redis does not answer', async () => {
      fx = await suite.fixture({ deps: { ping: async () => Promise.reject(new Error('down')) } });
      const res = await fx.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ status: 'unavailable', redis: false });
    });
  });

  describe('tenants', () => {
    it('creates, lists and gets tenants without ever returning credentials', async () => {
      fx = await suite.fixture({ fileTenants });
      const secret = 'pat-acme-VERY-secret-42';
      const created = await create('acme', secret);
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({
        id: 'acme',
        source: 'api',
        readOnly: false,
        connection: { crm: 'hubspot', auth: { type: 'private_app', fieldsSet: ['accessToken'] } },
      });

      const list = await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth });
      const tenants = list.json().tenants as { id: string; source: string; readOnly: boolean }[];
      expect(tenants.map((t) => [t.id, t.source, t.readOnly])).toEqual([
        ['acme', 'api', false],
        ['from-file', 'file', true],
      ]);
      const one = await fx.app.inject({ method: 'GET', url: '/tenants/acme', headers: auth });
      expect(one.json().timezone).toBe('Europe/Brussels');

      for (const body of [created.body, list.body, one.body]) {
        expect(body).not.toContain(secret);
        expect(body).not.toContain(FILE_SECRET);
      }
      // At rest: encrypted, not readable in Redis; decrypted for the runtime only.
      expect(await fx.registry.rawRecord('acme')).not.toContain(secret);
      const stored = await fx.registry.get('acme');
      expect(stored?.connection.auth).toEqual({ type: 'private_app', accessToken: secret });
      // The runtime got the merged list: file tenant and API tenant, with credentials.
      const last = fx.applied.at(-1)!;
      expect(last.map((t) => t.id).sort()).toEqual(['acme', 'from-file']);
      expect(fx.logs()).not.toContain(secret);
    });

    it('rejects a bad tenant with one 400 naming every bad field, and no values', async () => {
      fx = await suite.fixture();
      const res = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: {
          id: 'UPPER case',
          connection: {
            crm: 'hubspot',
            basePath: 'not a url',
            auth: { type: 'private_app', accessToken: '' },
          },
          timezone: 'Nowhere/Land',
          schedule: { nightly: 'every night', incrementalEveryMinutes: -5 },
        },
      });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      const paths = (body.error.fields as { path: string; message: string }[]).map((f) => f.path);
      expect(paths).toEqual(
        expect.arrayContaining([
          'id',
          'name',
          'connection.basePath',
          'connection.auth.accessToken',
          'timezone',
          'schedule.nightly',
          'schedule.incrementalEveryMinutes',
        ]),
      );
      expect(res.body).not.toContain('every night');
      expect(fx.applied).toHaveLength(0);
      expect(await fx.registry.list()).toEqual([]);
    });

    it('answers malformed JSON with 400 BAD_REQUEST and a too-large body with 413', async () => {
      fx = await suite.fixture();
      const bad = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: { ...auth, 'content-type': 'application/json' },
        payload: '{"id": "acme",',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('BAD_REQUEST');
      const big = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: { ...hubspotBody('big'), name: 'x'.repeat(20_000) },
      });
      expect(big.statusCode).toBe(413);
      expect(big.json().error.code).toBe('BODY_TOO_LARGE');
      const text = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: { ...auth, 'content-type': 'text/plain' },
        payload: 'hello',
      });
      expect(text.statusCode).toBe(415);
      expect(text.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('refuses duplicates and the ids of file tenants', async () => {
      fx = await suite.fixture({ fileTenants });
      expect((await create('acme')).statusCode).toBe(201);
      const again = await create('acme');
      expect(again.statusCode).toBe(409);
      expect(again.json().error.code).toBe('TENANT_EXISTS');
      const shadow = await create('from-file');
      expect(shadow.statusCode).toBe(409);
      expect(shadow.json().error.code).toBe('TENANT_EXISTS');
    });

    it('refuses to store credentials without an encryption key, and still lists file tenants', async () => {
      fx = await suite.fixture({ fileTenants, withKey: false });
      const res = await create('acme');
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('ENCRYPTION_KEY_MISSING');
      expect(res.json().error.message).toContain('PH_ENCRYPTION_KEY');
      const list = await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth });
      expect(list.json().tenants.map((t: { id: string }) => t.id)).toEqual(['from-file']);
      expect(fx.applied).toHaveLength(0);
    });

    it('patches fields, keeping credentials when connection comes without auth (same host)', async () => {
      fx = await suite.fixture({ fileTenants });
      await create('acme', 'pat-keep-me-123');
      const res = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { name: 'Acme Corp', connection: { pipelines: ['default'] } },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        name: 'Acme Corp',
        connection: { basePath: 'http://127.0.0.1:9/hubspot', pipelines: ['default'] },
      });
      const stored = await fx.registry.get('acme');
      expect(stored?.connection.auth).toEqual({ type: 'private_app', accessToken: 'pat-keep-me-123' });
      expect(fx.applied.at(-1)?.find((t) => t.id === 'acme')?.name).toBe('Acme Corp');

      const rotated = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { connection: { auth: { type: 'private_app', accessToken: 'pat-rotated-456' } } },
      });
      expect(rotated.statusCode).toBe(200);
      expect(rotated.body).not.toContain('pat-rotated-456');
      expect((await fx.registry.get('acme'))?.connection.auth).toMatchObject({
        accessToken: 'pat-rotated-456',
      });

      const bad = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { id: 'renamed', timezone: 'Atlantis/Deep' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.fields.map((f: { path: string }) => f.path)).toContain('(root)');
      const badZone = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { timezone: 'Atlantis/Deep' },
      });
      expect(badZone.json().error.fields).toEqual([
        { path: 'timezone', message: expect.stringContaining('IANA') },
      ]);

      const readOnly = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/from-file',
        headers: auth,
        payload: { name: 'x' },
      });
      expect(readOnly.statusCode).toBe(409);
      expect(readOnly.json().error.code).toBe('TENANT_READ_ONLY');
      const missing = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/nobody',
        headers: auth,
        payload: { name: 'x' },
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('TENANT_NOT_FOUND');
    });

    it('deletes a tenant (schedules follow the applied list); purge=true also removes its state', async () => {
      fx = await suite.fixture({ fileTenants });
      await create('acme');
      await create('globex');
      await fx.store('acme').sync.setCursor('c-acme');
      await fx.store('globex').sync.setCursor('c-globex');

      const keep = await fx.app.inject({ method: 'DELETE', url: '/tenants/acme', headers: auth });
      expect(keep.statusCode).toBe(200);
      expect(keep.json()).toEqual({ deleted: 'acme', purged: false, purgedKeys: 0 });
      expect(await fx.store('acme').sync.getCursor()).toBe('c-acme');
      expect(
        fx.applied
          .at(-1)
          ?.map((t) => t.id)
          .sort(),
      ).toEqual(['from-file', 'globex']);

      const purge = await fx.app.inject({
        method: 'DELETE',
        url: '/tenants/globex?purge=true',
        headers: auth,
      });
      expect(purge.json()).toMatchObject({ deleted: 'globex', purged: true });
      expect(purge.json().purgedKeys).toBeGreaterThan(0);
      expect(await fx.store('globex').sync.getCursor()).toBeNull();
      expect(await fx.store('acme').sync.getCursor()).toBe('c-acme');

      expect(
        (await fx.app.inject({ method: 'DELETE', url: '/tenants/acme', headers: auth })).statusCode,
      ).toBe(404);
      const file = await fx.app.inject({ method: 'DELETE', url: '/tenants/from-file', headers: auth });
      expect(file.statusCode).toBe(409);
      const badQuery = await fx.app.inject({
        method: 'DELETE',
        url: '/tenants/globex?purge=yes',
        headers: auth,
      });
      expect(badQuery.statusCode).toBe(400);
      expect(badQuery.json().error.fields[0].path).toBe('purge');
    });
  });

  describe('schedules', () => {
    it('gets and replaces a schedule, showing five next runs and a description', async () => {
      fx = await suite.fixture({
        fileTenants,
        deps: { now: () => Date.parse('2026-01-05T12:00:00Z') },
      });
      await create('acme');
      const before = await fx.app.inject({ method: 'GET', url: '/tenants/acme/schedule', headers: auth });
      expect(before.json()).toMatchObject({ nightly: '0 2 * * *', timezone: 'Europe/Brussels' });
      expect(before.json().nextRuns[0]).toBe('2026-01-06T01:00:00.000Z');

      const put = await fx.app.inject({
        method: 'PUT',
        url: '/tenants/acme/schedule',
        headers: auth,
        payload: { nightly: '30 4 * * 1-5', timezone: 'America/New_York', incrementalEveryMinutes: 30 },
      });
      expect(put.statusCode).toBe(200);
      const view = put.json();
      expect(view.nextRuns).toHaveLength(5);
      expect(view.nextRuns[0]).toBe('2026-01-06T09:30:00.000Z');
      expect(view.description).toContain('04:30');
      expect(view.description).toContain('America/New_York');
      expect(view.incrementalDescription).toContain('30 minutes');
      const applied = fx.applied.at(-1)?.find((t) => t.id === 'acme');
      expect(applied?.timezone).toBe('America/New_York');
      expect(applied?.schedule).toEqual({ nightly: '30 4 * * 1-5', incrementalEveryMinutes: 30 });
      // Credentials survive a schedule change.
      expect((await fx.registry.get('acme'))?.connection.auth).toMatchObject({ type: 'private_app' });

      const fileView = await fx.app.inject({
        method: 'GET',
        url: '/tenants/from-file/schedule',
        headers: auth,
      });
      expect(fileView.json().timezone).toBe('UTC');
    });

    it('validates cron, time zone and interval together', async () => {
      fx = await suite.fixture({ fileTenants });
      await create('acme');
      const res = await fx.app.inject({
        method: 'PUT',
        url: '/tenants/acme/schedule',
        headers: auth,
        payload: { nightly: '99 * * *', timezone: 'Moon/Base', incrementalEveryMinutes: 2000 },
      });
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .error.fields.map((f: { path: string }) => f.path)
          .sort(),
      ).toEqual(['incrementalEveryMinutes', 'nightly', 'timezone']);
      const file = await fx.app.inject({
        method: 'PUT',
        url: '/tenants/from-file/schedule',
        headers: auth,
        payload: { nightly: '0 1 * * *', timezone: 'UTC', incrementalEveryMinutes: 0 },
      });
      expect(file.statusCode).toBe(409);
      const missing = await fx.app.inject({ method: 'GET', url: '/tenants/nobody/schedule', headers: auth });
      expect(missing.statusCode).toBe(404);
    });
  });

  describe('runs, status, explain and model', () => {
    it('starts a run (202), refuses a second while it runs (409 with its runId), and shows it', async () => {
      fx = await suite.fixture();
      await create('acme');
      const first = await fx.app.inject({ method: 'POST', url: '/tenants/acme/runs', headers: auth });
      expect(first.statusCode).toBe(202);
      const runId = first.json().runId as string;
      expect(runId).toMatch(/^acme\./);
      const second = await fx.app.inject({
        method: 'POST',
        url: '/tenants/acme/runs',
        headers: auth,
        payload: { fullResync: true },
      });
      expect(second.statusCode).toBe(409);
      expect(second.json().error).toMatchObject({ code: 'RUN_IN_PROGRESS', runId });

      await fx.store('acme').runs.recordStep(runId, 'sync', { deals: 3, durationMs: 120, apiCalls: 7 });
      const status = await fx.app.inject({ method: 'GET', url: '/tenants/acme/status', headers: auth });
      expect(status.json().running).toEqual({
        runId,
        status: 'running',
        steps: { sync: { deals: 3, durationMs: 120, apiCalls: 7 } },
      });
      const one = await fx.app.inject({ method: 'GET', url: `/tenants/acme/runs/${runId}`, headers: auth });
      expect(one.json()).toMatchObject({ runId, status: 'running' });

      const bad = await fx.app.inject({
        method: 'POST',
        url: '/tenants/acme/runs',
        headers: auth,
        payload: { fullResync: 'yes' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.fields[0].path).toBe('fullResync');
      const none = await fx.app.inject({ method: 'POST', url: '/tenants/nobody/runs', headers: auth });
      expect(none.statusCode).toBe(404);
    });

    it('status shows last runs with step timings, API usage, errors and quarantined records', async () => {
      fx = await suite.fixture({
        deps: {
          apiUsage: (id) =>
            id === 'acme' ? { calls: 40, rateLimited: 2, daily: { used: 900, max: 1000 } } : null,
        },
      });
      await create('acme');
      const store = fx.store('acme');
      await store.runs.recordRun({
        runId: 'acme.r1',
        tenantId: 'acme',
        trigger: 'nightly',
        status: 'failed',
        asOf: '2026-11-20T02:00:00.000Z',
        finishedAt: '2026-11-20T02:01:00.000Z',
        steps: { sync: { durationMs: 800, apiCalls: 30, rateLimited: 2 } },
        apiCalls: 30,
        rateLimited: 2,
        error: { step: 'score', code: 'INTERNAL', message: 'failed with Bearer abcdefghijk123' },
      });
      await store.runs.recordRun({
        runId: 'acme.r2',
        tenantId: 'acme',
        trigger: 'manual',
        status: 'completed',
        asOf: '2026-11-21T02:00:00.000Z',
        finishedAt: '2026-11-21T02:01:00.000Z',
        steps: { sync: { durationMs: 500, apiCalls: 10 }, score: { durationMs: 90 } },
        apiCalls: 10,
        rateLimited: 0,
      });
      await store.sync.savePage({
        deals: [],
        activities: [],
        contacts: [],
        accounts: [],
        deletedDealIds: [],
        cursor: 'c1',
        quarantined: [
          {
            objectType: 'deal',
            recordId: 'd-bad',
            reason: 'amount: expected number',
            raw: { amount: 'lots', note: 'raw-crm-payload' },
            at: '2026-11-21T02:00:10.000Z',
          },
        ],
      });
      const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/status?limit=5', headers: auth });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.running).toBeNull();
      expect(body.runs.map((r: { runId: string }) => r.runId)).toEqual(['acme.r2', 'acme.r1']);
      expect(body.runs[0].steps).toEqual({
        sync: { durationMs: 500, apiCalls: 10 },
        score: { durationMs: 90 },
      });
      expect(body.runs[1].error).toMatchObject({ step: 'score', code: 'INTERNAL' });
      expect(res.body).not.toContain('abcdefghijk123');
      expect(body.apiUsage).toEqual({
        calls: 40,
        rateLimited: 2,
        dailyUsed: 900,
        dailyMax: 1000,
        dailyLeft: 100,
      });
      expect(body.quarantine).toEqual({
        count: 1,
        latest: [
          {
            objectType: 'deal',
            recordId: 'd-bad',
            reason: 'amount: expected number',
            at: '2026-11-21T02:00:10.000Z',
          },
        ],
      });
      expect(res.body).not.toContain('raw-crm-payload');
      const finished = await fx.app.inject({
        method: 'GET',
        url: '/tenants/acme/runs/acme.r1',
        headers: auth,
      });
      expect(finished.json()).toMatchObject({ runId: 'acme.r1', status: 'failed' });
      const unknown = await fx.app.inject({
        method: 'GET',
        url: '/tenants/acme/runs/acme.zzz',
        headers: auth,
      });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('RUN_NOT_FOUND');
      const badLimit = await fx.app.inject({
        method: 'GET',
        url: '/tenants/acme/status?limit=0',
        headers: auth,
      });
      expect(badLimit.statusCode).toBe(400);
    });

    it('explains a deal with every indicator and its evidence', async () => {
      fx = await suite.fixture();
      await create('acme');
      const actions = [
        { key: 'buyer_reply', lift: 12.3 },
        { key: 'fresh_next_step', lift: 4 },
      ] as const;
      await fx.store('acme').results.saveResults([{ ...result('d1', 35), actions: [...actions] }]);
      const res = await fx.app.inject({
        method: 'GET',
        url: '/tenants/acme/deals/d1/explain',
        headers: auth,
      });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        dealId: 'd1',
        score: 35,
        band: 'at_risk',
        reasons: [expect.stringContaining('12 days')],
      });
      // What would raise it (issue 18): the stored actions, labelled, in points of health score
      // (no fitted model on this result).
      expect(body.actions).toEqual([
        { key: 'buyer_reply', action: 'Get a reply from the buyer', lift: 12.3, unit: 'health score points' },
        {
          key: 'fresh_next_step',
          action: 'Agree and record a fresh next step',
          lift: 4,
          unit: 'health score points',
        },
      ]);
      // Drivers from the contributions stored with the result, both directions.
      expect(body.drivers.negative[0].key).toBe('open_communication');
      for (const d of body.drivers.negative) expect(d.contribution).toBeLessThan(0);
      for (const d of body.drivers.positive) expect(d.contribution).toBeGreaterThan(0);
      expect(body.indicators.map((i: { key: string; evidence: string }) => [i.key, i.evidence])).toEqual([
        ['open_communication', 'No buyer reply in 12 days, usually 3'],
        ['next_step', 'No next step recorded'],
      ]);
      const missing = await fx.app.inject({
        method: 'GET',
        url: '/tenants/acme/deals/nope/explain',
        headers: auth,
      });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('DEAL_NOT_FOUND');
    });

    it('returns the model quality report and queues training', async () => {
      fx = await suite.fixture();
      await create('acme');
      const none = await fx.app.inject({ method: 'GET', url: '/tenants/acme/model/report', headers: auth });
      expect(none.statusCode).toBe(404);
      expect(none.json().error.code).toBe('REPORT_NOT_FOUND');
      await fx.store('acme').documents.setJson('trainingReport', { auc: 0.71, brier: 0.18, deals: 420 });
      const report = await fx.app.inject({ method: 'GET', url: '/tenants/acme/model/report', headers: auth });
      // Live accuracy rides along (null before a score step has judged the model).
      expect(report.json()).toEqual({ auc: 0.71, brier: 0.18, deals: 420, live: null });
      const train = await fx.app.inject({ method: 'POST', url: '/tenants/acme/train', headers: auth });
      expect(train.statusCode).toBe(202);
      expect(train.json()).toMatchObject({ jobId: 'train-acme-1', status: 'queued' });
    });

    it('serves the seven elements across owners as the score step stored them, with owner names', async () => {
      fx = await suite.fixture();
      await create('acme');
      const none = await fx.app.inject({ method: 'GET', url: '/tenants/acme/elements', headers: auth });
      expect(none.statusCode).toBe(404);
      expect(none.json().error.code).toBe('REPORT_NOT_FOUND');
      const store = fx.store('acme');
      await store.sync.saveMetadata({
        pipelines: [],
        targets: [],
        owners: [{ id: 'o1', name: 'Ann Lee' }] as never,
      });
      await store.documents.setJson('teamElements', {
        asOf: '2026-11-20T00:00:00.000Z',
        owners: [
          { ownerId: 'o1', openDeals: 2, notes: [] },
          { ownerId: 'o9', openDeals: 1, notes: [] },
          { ownerId: null, openDeals: 1, notes: [] },
        ],
        team: { ownerId: null, team: true, openDeals: 4, notes: [] },
      });
      const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/elements', headers: auth });
      expect(res.statusCode).toBe(200);
      // Known owners by name, unknown ones by id, deals without an owner as null.
      expect(res.json().owners.map((o: { owner: string | null }) => o.owner)).toEqual([
        'Ann Lee',
        'o9',
        null,
      ]);
      expect(res.json().team.openDeals).toBe(4);
    });

    it("never serves one tenant's data through another tenant's routes", async () => {
      fx = await suite.fixture();
      await create('acme');
      await create('globex');
      const acme = fx.store('acme');
      await acme.results.saveResults([result('d1', 35)]);
      await acme.documents.setJson('trainingReport', { auc: 0.9 });
      await acme.runs.recordRun({ runId: 'acme.r1', status: 'completed', steps: {} });
      const run = await fx.app.inject({ method: 'POST', url: '/tenants/acme/runs', headers: auth });
      const runId = run.json().runId as string;

      const explain = await fx.app.inject({
        method: 'GET',
        url: '/tenants/globex/deals/d1/explain',
        headers: auth,
      });
      expect(explain.statusCode).toBe(404);
      const report = await fx.app.inject({
        method: 'GET',
        url: '/tenants/globex/model/report',
        headers: auth,
      });
      expect(report.statusCode).toBe(404);
      const status = await fx.app.inject({ method: 'GET', url: '/tenants/globex/status', headers: auth });
      expect(status.json()).toMatchObject({
        tenantId: 'globex',
        runs: [],
        running: null,
        quarantine: { count: 0 },
      });
      for (const id of ['acme.r1', runId]) {
        const other = await fx.app.inject({
          method: 'GET',
          url: `/tenants/globex/runs/${id}`,
          headers: auth,
        });
        expect(other.statusCode).toBe(404);
      }
      // globex is not blocked by acme's running cycle.
      expect(
        (await fx.app.inject({ method: 'POST', url: '/tenants/globex/runs', headers: auth })).statusCode,
      ).toBe(202);
      // And acme's own routes do see acme's data.
      expect(
        (await fx.app.inject({ method: 'GET', url: '/tenants/acme/deals/d1/explain', headers: auth }))
          .statusCode,
      ).toBe(200);
    });
  });

  describe('errors, docs and logs', () => {
    it('answers an unexpected failure with 500 INTERNAL, and neither the answer nor the log holds secrets', async () => {
      fx = await suite.fixture({
        deps: {
          startTraining: async () => {
            throw new Error('queue exploded: refresh_token=rt-leaky-secret-999');
          },
        },
      });
      const secret = 'pat-acme-log-secret-77';
      await create('acme', secret);
      const res = await fx.app.inject({ method: 'POST', url: '/tenants/acme/train', headers: auth });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
      expect(res.body).not.toContain('rt-leaky-secret-999');
      const logs = fx.logs();
      expect(logs).toContain('admin request failed');
      expect(logs).toContain('queue exploded');
      for (const s of ['rt-leaky-secret-999', secret, 'admin-token-0123456789abcdefghij'])
        expect(logs).not.toContain(s);
    });

    it('serves an OpenAPI document generated from the schemas, and the docs page', async () => {
      fx = await suite.fixture();
      const res = await fx.app.inject({ method: 'GET', url: '/openapi.json', headers: auth });
      expect(res.statusCode).toBe(200);
      const doc = res.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/tenants',
          '/tenants/{tenantId}/schedule',
          '/tenants/{tenantId}/deals/{dealId}/explain',
          '/metrics',
          '/report/{tenantId}',
        ]),
      );
      expect(doc.components.schemas.TenantCreate.properties.id.pattern).toBe('^[a-z0-9][a-z0-9-]{0,62}$');
      expect(doc.components.schemas.Schedule.required.sort()).toEqual([
        'incrementalEveryMinutes',
        'nightly',
        'timezone',
      ]);
      const docs = await fx.app.inject({ method: 'GET', url: '/docs/', headers: auth });
      expect(docs.statusCode).toBe(200);
      expect(docs.headers['content-type']).toContain('text/html');
      const swaggerJson = await fx.app.inject({ method: 'GET', url: '/docs/json', headers: auth });
      expect(swaggerJson.json().paths['/tenants']).toBeDefined();
    });
  });
});
