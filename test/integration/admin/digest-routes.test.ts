// GET /tenants/:id/changes and GET /tenants/:id/digest/deliveries (docs/DIGEST.md): what the score
// step and the digest step stored, served behind the admin token, never the webhook URL.

import { describe, expect, it } from 'vitest';
import { type AdminFixture, adminSuite, auth, hubspotBody } from './admin-fixture.ts';

describe('what-changed and digest delivery routes', () => {
  const suite = adminSuite();
  let fx: AdminFixture;

  it('404 before a score step stored what changed, then the stored document; the delivery log newest first', async () => {
    fx = await suite.fixture();
    const created = await fx.app.inject({
      method: 'POST',
      url: '/tenants',
      headers: auth,
      payload: hubspotBody('acme'),
    });
    expect(created.statusCode).toBe(201);
    const before = await fx.app.inject({ method: 'GET', url: '/tenants/acme/changes', headers: auth });
    expect(before.statusCode).toBe(404);
    expect(before.json().error.code).toBe('REPORT_NOT_FOUND');

    const store = fx.store('acme');
    const doc = {
      asOf: '2026-11-16T09:00:00.000Z',
      since: '2026-11-09T09:00:00.000Z',
      period: { label: '2026-Q4' },
      groups: [],
    };
    await store.documents.setJson('whatChanged', doc);
    const after = await fx.app.inject({ method: 'GET', url: '/tenants/acme/changes', headers: auth });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(doc);

    const digests = store.digests;
    expect(await digests.claim('acme.2026-W47.team', 'w1', 30_000, 5)).toEqual({ claimed: true, attempt: 1 });
    await digests.finish('acme.2026-W47.team', 'w1', 'retry', 2_000);
    const base = { deliveryId: 'acme.2026-W47.team', week: '2026-W47', recipient: 'team' };
    await digests.log({
      ...base,
      at: '2026-11-16T09:00:01.000Z',
      attempt: 1,
      status: 503,
      outcome: 'retry',
      error: 'HTTP 503',
      retryInMs: 2_000,
    });
    await digests.log({
      ...base,
      at: '2026-11-16T09:00:03.000Z',
      attempt: 2,
      status: 200,
      outcome: 'delivered',
      error: null,
      retryInMs: null,
    });
    const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/digest/deliveries', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      attempts: { attempt: number }[];
      deliveries: Record<string, { state: string }>;
    };
    expect(body.attempts.map((a) => a.attempt)).toEqual([2, 1]);
    expect(body.deliveries['acme.2026-W47.team']).toMatchObject({ state: 'retry', attempts: 1 });

    const unknown = await fx.app.inject({
      method: 'GET',
      url: '/tenants/nobody/digest/deliveries',
      headers: auth,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('TENANT_NOT_FOUND');
  });
});
