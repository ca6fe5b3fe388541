import { describe, expect, it } from 'vitest';
import { type AdminFixture, adminSuite, auth, hubspotBody, TOKEN } from './admin-fixture.ts';

/** The value of one sample line of the Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('admin metrics, queue dashboard and browser sessions', () => {
  const suite = adminSuite();
  let fx: AdminFixture;

  it('exports runs, durations, API calls, 429s, quarantine and queue depth at /metrics', async () => {
    fx = await suite.fixture();
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('globex') });
    const store = fx.store('acme');
    await store.runs.recordRun({
      runId: 'acme.r1',
      status: 'failed',
      finishedAt: '2026-11-20T02:01:00.000Z',
      steps: { sync: { durationMs: 1000 } },
      apiCalls: 12,
      rateLimited: 3,
    });
    await store.runs.recordRun({
      runId: 'acme.r2',
      status: 'completed',
      finishedAt: '2026-11-21T02:01:00.000Z',
      steps: { sync: { durationMs: 1500 }, score: { durationMs: 500 } },
      apiCalls: 8,
      rateLimited: 0,
    });
    await store.sync.savePage({
      deals: [],
      activities: [],
      contacts: [],
      accounts: [],
      deletedDealIds: [],
      cursor: 'c',
      quarantined: [
        { objectType: 'deal', recordId: '1', reason: 'r', raw: null, at: '2026-11-21T02:00:00.000Z' },
        { objectType: 'deal', recordId: '2', reason: 'r', raw: null, at: '2026-11-21T02:00:00.000Z' },
      ],
    });
    await fx.app.inject({ method: 'POST', url: '/tenants/globex/runs', headers: auth });
    const cycle = fx.queues.find((q) => q.name === 'cycle')!;
    await cycle.add('sync', { tenantId: 'acme' });
    await cycle.add('sync', { tenantId: 'globex' }, { delay: 60_000 });

    expect((await fx.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const res = await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(sample(text, 'ph_runs{tenant="acme",status="completed"}')).toBe(1);
    expect(sample(text, 'ph_runs{tenant="acme",status="failed"}')).toBe(1);
    expect(sample(text, 'ph_last_run_duration_seconds{tenant="acme"}')).toBe(2);
    expect(sample(text, 'ph_last_run_finished_timestamp_seconds{tenant="acme",status="completed"}')).toBe(
      Date.parse('2026-11-21T02:01:00.000Z') / 1000,
    );
    expect(sample(text, 'ph_api_calls{tenant="acme"}')).toBe(20);
    expect(sample(text, 'ph_rate_limited{tenant="acme"}')).toBe(3);
    expect(sample(text, 'ph_quarantined_records{tenant="acme"}')).toBe(2);
    expect(sample(text, 'ph_quarantined_records{tenant="globex"}')).toBe(0);
    expect(sample(text, 'ph_cycle_running{tenant="globex"}')).toBe(1);
    expect(sample(text, 'ph_cycle_running{tenant="acme"}')).toBe(0);
    expect(sample(text, 'ph_queue_jobs{queue="cycle",state="waiting"}')).toBe(1);
    expect(sample(text, 'ph_queue_jobs{queue="cycle",state="delayed"}')).toBe(1);
    expect(sample(text, 'ph_queue_jobs{queue="train",state="waiting"}')).toBe(0);

    // A deleted tenant disappears from the next scrape (gauges are rebuilt each time).
    await fx.app.inject({ method: 'DELETE', url: '/tenants/acme', headers: auth });
    const after = (await fx.app.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
    expect(after).not.toContain('tenant="acme"');
  });

  it('serves the queue dashboard behind the same auth', async () => {
    fx = await suite.fixture();
    expect((await fx.app.inject({ method: 'GET', url: '/queues' })).statusCode).toBe(401);
    expect((await fx.app.inject({ method: 'GET', url: '/queues/api/queues' })).statusCode).toBe(401);
    const page = await fx.app.inject({ method: 'GET', url: '/queues', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const api = await fx.app.inject({ method: 'GET', url: '/queues/api/queues', headers: auth });
    expect(api.statusCode).toBe(200);
    const names = (api.json().queues as { name: string }[]).map((q) => q.name).sort();
    expect(names).toEqual(['cycle', 'schedule', 'train']);
  });

  it('opens a browser session from ?token= on a browser page; the cookie is not the token and not an API key', async () => {
    fx = await suite.fixture();
    const wrong = await fx.app.inject({ method: 'GET', url: '/queues?token=not-the-token-000000000000000' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    // The token is exchanged for a cookie by a redirect that drops it from the address bar.
    const open = await fx.app.inject({ method: 'GET', url: `/queues?token=${TOKEN}&x=1` });
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe('/queues?x=1');
    const setCookie = String(open.headers['set-cookie']);
    expect(setCookie).toMatch(/^ph_admin_session=[^;]+; HttpOnly; SameSite=Strict; Path=\//);
    expect(setCookie).not.toContain(TOKEN);
    const cookie = setCookie.split(';')[0]!;
    const xhr = await fx.app.inject({ method: 'GET', url: '/queues/api/queues', headers: { cookie } });
    expect(xhr.statusCode).toBe(200);
    // The session opens browser pages only, never the JSON API.
    expect((await fx.app.inject({ method: 'GET', url: '/tenants', headers: { cookie } })).statusCode).toBe(
      401,
    );
    expect((await fx.app.inject({ method: 'GET', url: '/metrics', headers: { cookie } })).statusCode).toBe(
      401,
    );
    const forged = await fx.app.inject({
      method: 'GET',
      url: '/queues/api/queues',
      headers: { cookie: `ph_admin_session=${TOKEN}` },
    });
    expect(forged.statusCode).toBe(401);
    // A new server (new session key) does not accept the old cookie.
    const other = await suite.fixture();
    expect((await other.app.inject({ method: 'GET', url: '/queues', headers: { cookie } })).statusCode).toBe(
      401,
    );
  });

  it('serves the report page, its data and chart.js behind auth, with a strict CSP', async () => {
    fx = await suite.fixture();
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
    for (const url of ['/report/acme', '/report/acme/data.json', '/report/assets/chart.umd.min.js']) {
      expect((await fx.app.inject({ method: 'GET', url })).statusCode, url).toBe(401);
    }
    const page = await fx.app.inject({ method: 'GET', url: '/report/acme', headers: auth });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const nonce = /script-src 'self' 'nonce-([^']+)'/.exec(
      String(page.headers['content-security-policy']),
    )?.[1];
    expect(nonce).toBeDefined();
    expect(page.body).toContain(`<script nonce="${nonce}">`);
    const data = await fx.app.inject({ method: 'GET', url: '/report/acme/data.json', headers: auth });
    expect(data.json()).toMatchObject({ tenantId: 'acme', dealsScored: 0, atRisk: [], coverage: [] });
    const chart = await fx.app.inject({
      method: 'GET',
      url: '/report/assets/chart.umd.min.js',
      headers: auth,
    });
    expect(chart.statusCode).toBe(200);
    expect(chart.headers['content-type']).toContain('javascript');
    expect(chart.body).toContain('Chart');
    expect((await fx.app.inject({ method: 'GET', url: '/report/nobody', headers: auth })).statusCode).toBe(
      404,
    );
  });
});
