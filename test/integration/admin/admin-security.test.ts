import { describe, expect, it } from 'vitest';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { isAppError } from '../../../src/shared/app-error.ts';
import { type AdminFixture, adminSuite, auth } from './admin-fixture.ts';

/** A HubSpot tenant on the production host, as an admin would create it. */
function productionBody(id: string, secret: string): Record<string, unknown> {
  return {
    id,
    name: `Tenant ${id}`,
    connection: {
      crm: 'hubspot',
      basePath: 'https://api.hubapi.com',
      auth: { type: 'private_app', accessToken: secret },
    },
    schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
  };
}

function configProblems(content: unknown): string[] {
  try {
    parseTenants(content);
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFIG_INVALID') {
      return (err.details as { problems: string[] }).problems;
    }
    throw err;
  }
  return [];
}

const fileTenant = (extra: Record<string, unknown>, connection: Record<string, unknown> = {}) => ({
  tenants: [
    {
      id: 'acme',
      name: 'Acme',
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'pat-x' }, ...connection },
      ...extra,
    },
  ],
});

describe('admin security (issue 17: each attack as its exact request)', () => {
  const suite = adminSuite();
  let fx: AdminFixture;

  describe('item 1: credentials cannot be sent to another host', () => {
    it('PATCH with only a new basePath does not keep the stored token (credentials required again)', async () => {
      fx = await suite.fixture();
      const created = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: productionBody('acme', 'pat-na1-production-secret'),
      });
      expect(created.statusCode).toBe(201);
      // The attack: point the tenant at a listener of ours and keep the stored token.
      const attack = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { connection: { basePath: 'http://127.0.0.1:9/steal', developmentTarget: true } },
      });
      expect(attack.statusCode).toBe(400);
      expect(attack.json().error.code).toBe('CREDENTIALS_REQUIRED');
      const stored = await fx.registry.get('acme');
      expect(stored?.connection.crm === 'hubspot' && stored.connection.basePath).toBe(
        'https://api.hubapi.com',
      );

      // Same host, other connection fields: the credentials are kept.
      const pipelines = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: { connection: { pipelines: ['default'] } },
      });
      expect(pipelines.statusCode).toBe(200);
      expect((await fx.registry.get('acme'))?.connection.auth).toEqual({
        type: 'private_app',
        accessToken: 'pat-na1-production-secret',
      });
      // A new host with new credentials is a legitimate move (EU data centre).
      const moved = await fx.app.inject({
        method: 'PATCH',
        url: '/tenants/acme',
        headers: auth,
        payload: {
          connection: {
            basePath: 'https://api-eu1.hubapi.com',
            auth: { type: 'private_app', accessToken: 'pat-eu1-new-secret' },
          },
        },
      });
      expect(moved.statusCode).toBe(200);
    });

    it.each([
      ['file URL', 'file:///etc/passwd', false],
      ['plain http to the real host', 'http://api.hubapi.com', false],
      ['an internal address', 'https://169.254.169.254/latest', false],
      ['a look-alike host', 'https://api.hubapi.com.evil.example', false],
      ['user info hiding the host', 'https://api.hubapi.com@evil.example', false],
      ['another port', 'https://api.hubapi.com:8443', false],
      ['loopback without the development mark', 'http://127.0.0.1:9/hs', false],
      ['a development target off loopback', 'http://10.0.0.5:8080', true],
      ['a development target on a public host', 'https://evil.example', true],
    ])('refuses a basePath with %s', async (_what, basePath, developmentTarget) => {
      fx = await suite.fixture();
      const res = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: {
          ...productionBody('acme', 'pat-x'),
          connection: {
            crm: 'hubspot',
            basePath,
            ...(developmentTarget ? { developmentTarget: true } : {}),
            auth: { type: 'private_app', accessToken: 'pat-x' },
          },
        },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields.map((f: { path: string }) => f.path)).toContain('connection.basePath');
    });

    it('checks Salesforce login hosts against login, test and My Domain hosts', async () => {
      fx = await suite.fixture();
      const body = (id: string, loginUrl: string) => ({
        id,
        name: id,
        connection: {
          crm: 'salesforce',
          loginUrl,
          auth: { type: 'client_credentials', clientId: 'c', clientSecret: 's' },
        },
        schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
      });
      const allowed = [
        'https://login.salesforce.com',
        'https://test.salesforce.com',
        'https://acme.my.salesforce.com',
        'https://acme--uat.sandbox.my.salesforce.com',
      ];
      for (const [i, url] of allowed.entries()) {
        const res = await fx.app.inject({
          method: 'POST',
          url: '/tenants',
          headers: auth,
          payload: body(`sf${i}`, url),
        });
        expect(res.statusCode, url).toBe(201);
      }
      for (const url of [
        'http://login.salesforce.com',
        'https://login.salesforce.com.evil.example',
        'https://evil.example',
      ]) {
        const res = await fx.app.inject({
          method: 'POST',
          url: '/tenants',
          headers: auth,
          payload: body('bad', url),
        });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.fields[0].path).toBe('connection.loginUrl');
      }
    });

    it('applies the same host rules to the tenants file', () => {
      expect(configProblems(fileTenant({}, { basePath: 'http://127.0.0.1:9/hs' }))[0]).toMatch(
        /^tenants\[0\]\.connection\.basePath: must be https/,
      );
      expect(
        configProblems(fileTenant({}, { basePath: 'http://127.0.0.1:9/hs', developmentTarget: true })),
      ).toEqual([]);
    });
  });

  describe('item 3: the queue dashboard is read-only', () => {
    it('refuses to pause a queue or add a job through the dashboard, even with a valid token', async () => {
      fx = await suite.fixture();
      const pause = await fx.app.inject({
        method: 'PUT',
        url: '/queues/api/queues/cycle/pause',
        headers: auth,
      });
      expect(pause.statusCode).toBe(403);
      expect(pause.json().error.code).toBe('FORBIDDEN');
      const add = await fx.app.inject({
        method: 'POST',
        url: '/queues/api/queues/cycle/add',
        headers: auth,
        payload: { name: 'cycle', data: { tenantId: 'acme' } },
      });
      expect(add.statusCode).toBe(403);
      expect(await fx.queues[0]!.isPaused()).toBe(false);
      expect(await fx.queues[0]!.count()).toBe(0);
      // Item 8: the page loads nothing from outside this server (it linked Google Fonts).
      const page = await fx.app.inject({ method: 'GET', url: '/queues', headers: auth });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<html');
      expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\//i);
      const list = await fx.app.inject({ method: 'GET', url: '/queues/api/queues', headers: auth });
      expect(list.statusCode).toBe(200);
      expect((list.json().queues as { readOnlyMode: boolean }[]).every((q) => q.readOnlyMode)).toBe(true);
    });
  });

  describe('item 7: strict configuration', () => {
    it.each([
      ['basepath', {}, { basepath: 'https://api.hubapi.com' }, 'tenants[0].connection', 'basePath'],
      ['timeZone', { timeZone: 'Europe/Brussels' }, {}, 'tenants[0]', 'timezone'],
      ['shedule', { shedule: { nightly: '0 3 * * *' } }, {}, 'tenants[0]', 'schedule'],
    ])('the tenants file refuses the unknown key %s with a hint', (key, extra, connection, where, hint) => {
      const problems = configProblems(fileTenant(extra, connection));
      expect(problems).toEqual([`${where}: unknown key "${key}" (did you mean "${hint}"?)`]);
    });

    it('accepts weights only for known indicators and configured qualification fields', () => {
      expect(configProblems(fileTenant({ scoring: { weights: { joint_planing: 2.5 } } }))).toEqual([
        expect.stringMatching(
          /^tenants\[0\]\.scoring\.weights\.joint_planing: unknown indicator "joint_planing" \(did you mean "joint_planning"\?\)/,
        ),
      ]);
      expect(configProblems(fileTenant({ scoring: { weights: { 'field:budget': 1 } } }))).toHaveLength(1);
      expect(
        configProblems(
          fileTenant({
            scoring: {
              weights: { 'field:budget': 1, joint_planning: 2.5 },
              qualificationFields: [{ field: 'budget', label: 'Budget' }],
            },
          }),
        ),
      ).toEqual([]);
    });

    it('API bodies name the unknown key with a hint', async () => {
      fx = await suite.fixture();
      const res = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: { ...productionBody('acme', 'pat-x'), timeZone: 'Europe/Brussels' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.fields).toEqual([
        { path: '(root)', message: 'unknown key "timeZone" (did you mean "timezone"?)' },
      ]);
      const schedule = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: productionBody('acme', 'pat-x'),
      });
      expect(schedule.statusCode).toBe(201);
      const put = await fx.app.inject({
        method: 'PUT',
        url: '/tenants/acme/schedule',
        headers: auth,
        payload: { nightly: '0 3 * * *', timezone: 'UTC', incrementalEveryMinute: 5 },
      });
      expect(put.statusCode).toBe(400);
      expect(JSON.stringify(put.json().error.fields)).toContain('did you mean \\"incrementalEveryMinutes\\"');
    });

    it('validates tenant ids in URLs like tenant ids in bodies', async () => {
      fx = await suite.fixture();
      for (const url of ['/tenants/ACME', '/tenants/acme..x/status', '/report/Acme']) {
        const res = await fx.app.inject({ method: 'GET', url, headers: auth });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.code).toBe('VALIDATION_FAILED');
      }
    });
  });

  describe('item 8: pause and resume', () => {
    it('a paused tenant has no schedules and refuses run-now until resumed', async () => {
      fx = await suite.fixture();
      await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: productionBody('acme', 'pat-x'),
      });
      const paused = await fx.app.inject({ method: 'POST', url: '/tenants/acme/pause', headers: auth });
      expect(paused.statusCode).toBe(200);
      expect(fx.applied.at(-1)?.map((t) => t.id)).toEqual([]);
      expect(
        (await fx.app.inject({ method: 'GET', url: '/tenants/acme', headers: auth })).json().paused,
      ).toBe(true);
      const run = await fx.app.inject({ method: 'POST', url: '/tenants/acme/runs', headers: auth });
      expect(run.statusCode).toBe(409);
      expect(run.json().error.code).toBe('TENANT_PAUSED');
      expect(
        (await fx.app.inject({ method: 'POST', url: '/tenants/acme/resume', headers: auth })).statusCode,
      ).toBe(200);
      expect(fx.applied.at(-1)?.map((t) => t.id)).toEqual(['acme']);
      expect(
        (await fx.app.inject({ method: 'POST', url: '/tenants/acme/runs', headers: auth })).statusCode,
      ).toBe(202);
    });
  });

  describe('item 8: run history', () => {
    it('lists runs with step durations and counts, and the error redacted', async () => {
      fx = await suite.fixture();
      await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: productionBody('acme', 'pat-x'),
      });
      await fx.store('acme').runs.recordRun({
        runId: 'acme.1',
        status: 'failed',
        trigger: 'manual',
        finishedAt: '2026-12-01T02:00:00.000Z',
        steps: { sync: { durationMs: 1200, deals: 40 } },
        error: {
          step: 'score',
          code: 'CRM_REJECTED',
          message: 'HTTP 400: you sent Authorization: Bearer pat-echoed-123',
        },
      });
      const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/runs?limit=5', headers: auth });
      expect(res.statusCode).toBe(200);
      expect(res.json().runs).toEqual([
        expect.objectContaining({
          runId: 'acme.1',
          status: 'failed',
          steps: { sync: { durationMs: 1200, deals: 40 } },
          error: {
            step: 'score',
            code: 'CRM_REJECTED',
            message: 'HTTP 400: you sent Authorization: Bearer [REDACTED]',
          },
        }),
      ]);
      expect(res.body).not.toContain('pat-echoed-123');
    });
  });

  describe('item 8: Prometheus conventions', () => {
    it('has no doubled process_ prefix and a last-success timestamp per tenant', async () => {
      fx = await suite.fixture({ deps: { processMetrics: true } });
      await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: productionBody('acme', 'pat-x'),
      });
      await fx.store('acme').runs.recordRun({
        runId: 'acme.1',
        status: 'completed',
        finishedAt: '2026-12-01T02:00:00.000Z',
        steps: {},
      });
      await fx.store('acme').runs.recordRun({
        runId: 'acme.2',
        status: 'failed',
        finishedAt: '2026-12-02T02:00:00.000Z',
        steps: {},
      });
      const text = (await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      expect(text).toContain('ph_process_cpu_user_seconds_total');
      expect(text).not.toContain('ph_process_process_');
      expect(text).toContain(
        `ph_last_success_timestamp_seconds{tenant="acme"} ${Date.parse('2026-12-01T02:00:00.000Z') / 1000}`,
      );
      // Counters and a duration histogram, monotonic across the 50-run window and restarts.
      await fx.store('acme').runs.recordRun({
        runId: 'acme.3',
        status: 'completed',
        finishedAt: '2026-12-03T02:00:00.000Z',
        apiCalls: 7,
        steps: { sync: { durationMs: 20_000 }, score: { durationMs: 5_000 } },
      });
      const again = (await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      expect(again).toContain('# TYPE ph_runs_total counter');
      expect(again).toContain('ph_runs_total{tenant="acme",status="completed"} 2');
      expect(again).toContain('ph_runs_total{tenant="acme",status="failed"} 1');
      expect(again).toContain('ph_api_calls_total{tenant="acme"} 7');
      expect(again).toContain('# TYPE ph_run_duration_seconds histogram');
      expect(again).toContain('ph_run_duration_seconds_bucket{tenant="acme",le="10"} 2');
      expect(again).toContain('ph_run_duration_seconds_bucket{tenant="acme",le="30"} 3');
      expect(again).toContain('ph_run_duration_seconds_sum{tenant="acme"} 25');
      expect(again).toContain('ph_run_duration_seconds_count{tenant="acme"} 3');
      // A second scrape counts nothing twice.
      const third = (await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
      expect(third).toContain('ph_runs_total{tenant="acme",status="completed"} 2');
    });
  });
});
