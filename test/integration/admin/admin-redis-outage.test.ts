import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { resolveRedis } from '../../../src/store/redis-connection.ts';
import { adminFixture, adminSuite, auth, hubspotBody } from './admin-fixture.ts';

/** Issue 17 item 6: requests hung during a Redis outage, and a "run now" sent then fired later. */
describe('Redis outage and idempotent run-now', () => {
  const suite = adminSuite();

  it('a retried run-now with the same Idempotency-Key gets the same run, not a second one', async () => {
    const fx = await suite.fixture();
    await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
    const send = (key?: string) =>
      fx.app.inject({
        method: 'POST',
        url: '/tenants/acme/runs',
        headers: { ...auth, ...(key === undefined ? {} : { 'idempotency-key': key }) },
      });
    const first = await send('retry-7f3a');
    expect(first.statusCode).toBe(202);
    const again = await send('retry-7f3a');
    expect(again.statusCode).toBe(202);
    expect(again.json()).toMatchObject({ runId: first.json().runId, replayed: true });
    // Without the key (or with another one) it is a new request, refused while the run holds the lock.
    expect((await send()).statusCode).toBe(409);
    expect((await send('another-key')).statusCode).toBe(409);
    const bad = await send('spaces are not allowed');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields[0].path).toBe('idempotency-key');
  });

  it('answers 503 REDIS_UNAVAILABLE at once while Redis is down (probes stay open)', async () => {
    const redis = await resolveRedis(undefined);
    const fx = await adminFixture(redis);
    try {
      await fx.app.inject({ method: 'POST', url: '/tenants', headers: auth, payload: hubspotBody('acme') });
      const closed = once(fx.client, 'close');
      await redis.close(); // stops the throwaway redis-server: an outage
      await closed;
      const answer = await Promise.race([
        fx.app.inject({ method: 'POST', url: '/tenants/acme/runs', headers: auth }),
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 20_000)),
      ]);
      expect(answer).not.toBe('hung');
      if (answer === 'hung') return;
      expect(answer.statusCode).toBe(503);
      expect(answer.json().error.code).toBe('REDIS_UNAVAILABLE');
      expect(answer.headers['retry-after']).toBe('5');
      const list = await fx.app.inject({ method: 'GET', url: '/tenants', headers: auth });
      expect(list.statusCode).toBe(503);
      expect((await fx.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      fx.client.disconnect();
      await fx.app.close();
    }
  });
});
