import { describe, expect, it } from 'vitest';
import type { AccessToken } from '../../../src/config/admin-tokens.ts';
import { type AdminFixture, adminSuite, auth, hubspotBody, TOKEN } from './admin-fixture.ts';

const token = (name: string, role: AccessToken['role'], tenantId?: string): AccessToken => ({
  name,
  role,
  token: `${name}-Zq8wX2mN7vR4tY6uP1sK3dL9hG5jC0bE`,
  ...(tenantId === undefined ? {} : { tenantId }),
});
const OPERATOR = token('ops', 'operator');
const READER = token('reader', 'read-only');
const METRICS = token('prom', 'metrics');
const ACME = token('acme-view', 'tenant', 'acme');
const bearer = (t: AccessToken) => ({ authorization: `Bearer ${t.token}` });

/** Issue 17 item 4: one all-powerful token kind, no audit, no failed-auth limit, tokens in URLs. */
describe('scoped tokens, audit, failed-auth limit, sessions and report links', () => {
  const suite = adminSuite();
  let fx: AdminFixture;
  let clock = Date.parse('2026-12-01T09:00:00Z');

  async function scoped(): Promise<AdminFixture> {
    clock = Date.parse('2026-12-01T09:00:00Z');
    fx = await suite.fixture({
      deps: { tokens: [TOKEN, OPERATOR, READER, METRICS, ACME], now: () => clock },
    });
    for (const id of ['acme', 'globex']) {
      const res = await fx.app.inject({
        method: 'POST',
        url: '/tenants',
        headers: auth,
        payload: hubspotBody(id),
      });
      expect(res.statusCode).toBe(201);
    }
    return fx;
  }

  it('gives each scope only its routes', async () => {
    await scoped();
    const cases: [AccessToken, string, string, number][] = [
      [READER, 'GET', '/tenants', 200],
      [READER, 'GET', '/metrics', 200],
      [READER, 'POST', '/tenants/acme/runs', 403],
      [READER, 'DELETE', '/tenants/acme', 403],
      [READER, 'GET', '/audit', 403],
      [OPERATOR, 'POST', '/tenants/acme/runs', 202],
      [OPERATOR, 'PATCH', '/tenants/acme', 403],
      [OPERATOR, 'POST', '/tenants', 403],
      [METRICS, 'GET', '/metrics', 200],
      [METRICS, 'GET', '/tenants', 403],
      [METRICS, 'GET', '/tenants/acme/status', 403],
      [ACME, 'GET', '/tenants/acme', 200],
      [ACME, 'GET', '/tenants/acme/status', 200],
      [ACME, 'GET', '/report/acme/data.json', 200],
      [ACME, 'GET', '/tenants/globex', 403],
      [ACME, 'GET', '/report/globex', 403],
      [ACME, 'GET', '/tenants', 403],
      [ACME, 'GET', '/metrics', 403],
      [ACME, 'POST', '/tenants/acme/runs', 403],
    ];
    for (const [who, method, url, status] of cases) {
      const res = await fx.app.inject({
        method: method as 'GET',
        url,
        headers: bearer(who),
        ...(method === 'PATCH'
          ? { payload: { name: 'x' } }
          : method === 'POST' && url === '/tenants'
            ? { payload: hubspotBody('new') }
            : {}),
      });
      expect(res.statusCode, `${who.name} ${method} ${url}`).toBe(status);
      if (status === 403) expect(res.json().error.code).toBe('FORBIDDEN');
    }
  });

  it('records every change with token name, action, target, time and client address', async () => {
    await scoped();
    await fx.app.inject({
      method: 'PATCH',
      url: '/tenants/acme',
      headers: auth,
      payload: { name: 'Acme 2' },
    });
    await fx.app.inject({ method: 'POST', url: '/tenants/globex/runs', headers: bearer(OPERATOR) });
    await fx.app.inject({ method: 'DELETE', url: '/tenants/acme', headers: bearer(READER) });
    const res = await fx.app.inject({ method: 'GET', url: '/audit?limit=10', headers: auth });
    expect(res.statusCode).toBe(200);
    const entries = res.json().entries as Record<string, unknown>[];
    expect(entries.slice(0, 3)).toEqual([
      {
        at: '2026-12-01T09:00:00.000Z',
        token: 'reader',
        action: 'DELETE /tenants/:tenantId',
        target: 'acme',
        status: 403,
        client: '127.0.0.1',
      },
      {
        at: '2026-12-01T09:00:00.000Z',
        token: 'ops',
        action: 'POST /tenants/:tenantId/runs',
        target: 'globex',
        status: 202,
        client: '127.0.0.1',
      },
      {
        at: '2026-12-01T09:00:00.000Z',
        token: 'token-1',
        action: 'PATCH /tenants/:tenantId',
        target: 'acme',
        status: 200,
        client: '127.0.0.1',
      },
    ]);
    expect(entries.filter((e) => e.action === 'POST /tenants').map((e) => e.target)).toEqual([
      'globex',
      'acme',
    ]);
  });

  it('limits failed authentications per client address (429 with Retry-After, even for a good token)', async () => {
    fx = await suite.fixture({ deps: { now: () => clock } });
    for (let i = 0; i < 10; i++) {
      const res = await fx.app.inject({
        method: 'GET',
        url: '/tenants',
        headers: { authorization: `Bearer guess-${i}-0123456789abcdefghij` },
      });
      expect(res.statusCode).toBe(401);
    }
    const blocked = await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('TOO_MANY_REQUESTS');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not blocked; the probes stay open.
    const other = await fx.app.inject({
      method: 'GET',
      url: '/tenants',
      headers: auth,
      remoteAddress: '127.0.0.2',
    });
    expect(other.statusCode).toBe(200);
    expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    clock += 5 * 60_000 + 1_000;
    expect((await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth })).statusCode).toBe(200);
  });

  it('sends Referrer-Policy and the usual security headers on every HTML page', async () => {
    fx = await suite.fixture();
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
    for (const url of ['/docs/', '/queues', '/report/acme']) {
      const res = await fx.app.inject({ method: 'GET', url, headers: auth });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toContain('text/html');
      expect(res.headers['referrer-policy'], url).toBe('no-referrer');
      expect(res.headers['x-content-type-options'], url).toBe('nosniff');
      expect(res.headers['x-frame-options'], url).toBe('DENY');
      expect(String(res.headers['content-security-policy']), url).toContain("frame-ancestors 'none'");
    }
  });

  it('session cookies carry their issue time, expire after 8 hours and can be logged out', async () => {
    await scoped();
    const open = await fx.app.inject({ method: 'GET', url: `/docs?token=${READER.token}` });
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe('/docs');
    const cookie = String(open.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toMatch(new RegExp(`^ph_admin_session=reader\\.${Math.floor(clock / 1000)}\\.`));
    expect(cookie).not.toContain(READER.token);
    expect((await fx.app.inject({ method: 'GET', url: '/queues', headers: { cookie } })).statusCode).toBe(
      200,
    );
    // A cookie with a forged issue time fails its MAC.
    const forged = cookie.replace(/\.(\d+)\./, (_m, t: string) => `.${Number(t) + 3600}.`);
    expect(
      (await fx.app.inject({ method: 'GET', url: '/queues', headers: { cookie: forged } })).statusCode,
    ).toBe(401);
    clock += 8 * 3600_000 + 1_000;
    expect((await fx.app.inject({ method: 'GET', url: '/queues', headers: { cookie } })).statusCode).toBe(
      401,
    );

    const again = await fx.app.inject({ method: 'GET', url: `/queues?token=${TOKEN}` });
    const fresh = String(again.headers['set-cookie']).split(';')[0]!;
    expect(
      (await fx.app.inject({ method: 'GET', url: '/queues', headers: { cookie: fresh } })).statusCode,
    ).toBe(200);
    const out = await fx.app.inject({ method: 'POST', url: '/logout', headers: { cookie: fresh } });
    expect(out.statusCode).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect(
      (await fx.app.inject({ method: 'GET', url: '/queues', headers: { cookie: fresh } })).statusCode,
    ).toBe(401);
    const audit = (await fx.app.inject({ method: 'GET', url: '/audit', headers: auth })).json().entries;
    expect(audit.slice(0, 2).map((e: { action: string; token: string }) => `${e.token} ${e.action}`)).toEqual(
      ['token-1 session.logout', 'token-1 session.open'],
    );
  });

  it('report links are short-lived signed per-tenant view tokens, never the admin token', async () => {
    await scoped();
    const link = await fx.app.inject({
      method: 'POST',
      url: '/tenants/acme/report-links',
      headers: bearer(ACME),
      payload: { minutes: 30 },
    });
    expect(link.statusCode).toBe(201);
    const { url, expiresAt } = link.json();
    expect(expiresAt).toBe('2026-12-01T09:30:00.000Z');
    expect(url).toMatch(/^\/report\/acme\?view=[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(url).not.toContain(ACME.token);
    const open = await fx.app.inject({ method: 'GET', url });
    expect(open.statusCode).toBe(303);
    expect(open.headers.location).toBe('/report/acme');
    const cookie = String(open.headers['set-cookie']).split(';')[0]!;
    expect(String(open.headers['set-cookie'])).toContain('Path=/report');
    for (const page of ['/report/acme', '/report/acme/data.json', '/report/assets/chart.umd.min.js']) {
      expect((await fx.app.inject({ method: 'GET', url: page, headers: { cookie } })).statusCode, page).toBe(
        200,
      );
    }
    // The link opens that tenant's report only: not another tenant, not the API.
    expect(
      (await fx.app.inject({ method: 'GET', url: '/report/globex', headers: { cookie } })).statusCode,
    ).toBe(403);
    expect((await fx.app.inject({ method: 'GET', url: url.replace('/acme?', '/globex?') })).statusCode).toBe(
      401,
    );
    expect(
      (await fx.app.inject({ method: 'GET', url: '/tenants/acme', headers: { cookie } })).statusCode,
    ).toBe(401);
    clock += 31 * 60_000;
    expect(
      (await fx.app.inject({ method: 'GET', url: '/report/acme', headers: { cookie } })).statusCode,
    ).toBe(401);
    expect((await fx.app.inject({ method: 'GET', url })).statusCode).toBe(401);
  });

  it('behind a trusted TLS proxy: Secure cookies and the forwarded client address', async () => {
    fx = await suite.fixture({ deps: { trustProxy: ['127.0.0.1'], now: () => clock } });
    const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };
    const open = await fx.app.inject({ method: 'GET', url: `/queues?token=${TOKEN}`, headers: viaProxy });
    expect(open.statusCode).toBe(303);
    expect(String(open.headers['set-cookie'])).toMatch(/; Secure$/);
    const plain = await fx.app.inject({ method: 'GET', url: `/queues?token=${TOKEN}` });
    expect(String(plain.headers['set-cookie'])).not.toContain('Secure');
    // The failed-auth limit and the audit log see the client, not the proxy.
    for (let i = 0; i < 10; i++) {
      await fx.app.inject({
        method: 'GET',
        url: '/tenants',
        headers: { ...viaProxy, authorization: `Bearer wrong-${i}-0123456789abcdefghij` },
      });
    }
    expect(
      (await fx.app.inject({ method: 'GET', url: '/tenants', headers: { ...viaProxy, ...auth } })).statusCode,
    ).toBe(429);
    expect((await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth })).statusCode).toBe(200);
    const audit = (await fx.app.inject({ method: 'GET', url: '/audit', headers: auth })).json().entries;
    const opened = audit.filter((e: { action: string }) => e.action === 'session.open');
    expect(opened.map((e: { client: string }) => e.client)).toEqual(['127.0.0.1', '203.0.113.7']);
  });
});
