// GET /tenants/:id/forecast (issue 18 item 1): the forecast the score step stores, served behind
// the admin bearer token. The numbers must be the forecast module's: a generated world is stored in
// a real Redis, the score step's forecast step computes from the store (replaying past quarters
// from the stored records), and the route's answer is compared with the module run in memory on
// the same world.

import { describe, expect, it } from 'vitest';
import { computeAndStoreForecast } from '../../../jobs/forecast-step.ts';
import { type AdminFixture, adminSuite, auth, hubspotBody } from './admin-fixture.ts';
import { worldForecast, worldInputs } from '../../../bench/forecast-world.ts';

const NOW = '2026-11-15T00:00:00Z';
const TZ = 'Europe/Brussels'; // hubspotBody's time zone

describe('GET /tenants/:id/forecast', () => {
  const suite = adminSuite();
  let fx: AdminFixture;

  async function tenantWithWorld(): Promise<void> {
    const created = await fx.app.inject({
      method: 'POST',
      url: '/tenants',
      headers: auth,
      payload: hubspotBody('acme'),
    });
    expect(created.statusCode).toBe(201);
    const inputs = worldInputs({ seed: 5, deals: 500, now: NOW });
    const store = fx.store('acme');
    await store.sync.savePage({
      deals: inputs.records.map((r) => r.deal),
      activities: [...new Map(inputs.records.flatMap((r) => r.activities.map((a) => [a.id, a]))).values()],
      contacts: [
        ...new Map(inputs.records.flatMap((r) => (r.contacts ?? []).map((c) => [c.id, c]))).values(),
      ],
      accounts: [
        ...new Map(inputs.records.flatMap((r) => (r.account ? [[r.account.id, r.account]] : []))).values(),
      ],
      deletedDealIds: [],
      quarantined: [],
      cursor: 'c1',
    });
    await computeAndStoreForecast({
      store,
      tenant: { timezone: TZ, targets: [] },
      asOf: inputs.now,
      ctx: inputs.ctx,
      history: new Map(inputs.history.map((h) => [h.id, h])),
      open: inputs.open,
      owners: inputs.owners,
      targets: inputs.targets,
      pipelines: inputs.pipelines,
    });
  }

  it('requires the admin bearer token', async () => {
    fx = await suite.fixture();
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789abcdefgh' }]) {
      const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/forecast', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
  });

  it('answers FORECAST_NOT_FOUND before the first score step, TENANT_NOT_FOUND for an unknown tenant', async () => {
    fx = await suite.fixture();
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
    const none = await fx.app.inject({ method: 'GET', url: '/tenants/acme/forecast', headers: auth });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('FORECAST_NOT_FOUND');
    const unknown = await fx.app.inject({ method: 'GET', url: '/tenants/nobody/forecast', headers: auth });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('TENANT_NOT_FOUND');
  });

  it("serves the forecast module's numbers for the current and next quarter and the backtest", {
    timeout: 120_000,
  }, async () => {
    fx = await suite.fixture();
    await tenantWithWorld();
    const res = await fx.app.inject({ method: 'GET', url: '/tenants/acme/forecast', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const expected = worldForecast({ seed: 5, deals: 500, now: NOW, timezone: TZ }).doc;
    expect(body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(body.periods.map((p: { period: { label: string } }) => p.period.label)).toEqual([
      '2026-Q4',
      '2027-Q1',
    ]);
    const total = body.periods[0].rows.at(-1);
    expect(total.p10).toBeLessThanOrEqual(total.p50);
    expect(total.p50).toBeLessThanOrEqual(total.p90);
    expect(body.backtest.evaluated).toBeGreaterThan(0);
    expect(body).not.toHaveProperty('backtestKey');
  });

  it('is listed in the OpenAPI document', async () => {
    fx = await suite.fixture();
    const doc = (await fx.app.inject({ method: 'GET', url: '/openapi.json', headers: auth })).json();
    expect(doc.paths['/tenants/{tenantId}/forecast'].get.responses).toHaveProperty('404');
  });
});
