import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminService } from '../../../src/cli/commands/admin.command.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';

import { adminCaller, type Json, startTestAdminService } from './admin-service-fixture.ts';

const TOKEN = 'e2e-admin-token-0123456789abcdef';

describe('admin API end to end (real HTTP on 127.0.0.1, real Runtime, HubSpot sandbox)', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let service: AdminService;
  const bodies: string[] = [];

  const api = adminCaller(() => service.url, TOKEN);
  async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
    const answer = await api(method, path, body, token);
    bodies.push(answer.text);
    return answer;
  }

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 5, deals: 40 });
    service = await startTestAdminService({ redis, tokens: [TOKEN], concurrency: 2 });
  });

  afterAll(async () => {
    await service?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('creates a tenant, schedules it, runs it now, reads its status and explanations, deletes it', async () => {
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('GET', '/tenants', undefined, null)).status).toBe(401);
    expect((await call('GET', '/healthz', undefined, null)).status).toBe(200);
    expect((await call('GET', '/readyz', undefined, null)).json).toMatchObject({ redis: true });

    const created = await call('POST', '/tenants', {
      id: 'e2e',
      name: 'End to end',
      timezone: 'Europe/Brussels',
      // No interval at first: BullMQ fires an `every` scheduler at once, and this test starts the run itself.
      schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
      connection: {
        crm: 'hubspot',
        basePath: sandbox.baseUrl,
        developmentTarget: true,
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
      },
    });
    expect(created.status).toBe(201);
    expect(service.runtime.tenantList().map((t) => t.id)).toEqual(['e2e']);

    const schedule = await call('PUT', '/tenants/e2e/schedule', {
      nightly: '15 1 * * *',
      timezone: 'Europe/Brussels',
      incrementalEveryMinutes: 0,
    });
    expect(schedule.status).toBe(200);
    expect(schedule.json?.nextRuns).toHaveLength(5);
    const schedulers = await service.runtime.schedules.list();
    expect(schedulers.find((s) => s.id === 'nightly-e2e')).toMatchObject({
      pattern: '15 1 * * *',
      tz: 'Europe/Brussels',
    });
    expect(schedulers.some((s) => s.id === 'incremental-e2e')).toBe(false);

    const started = await call('POST', '/tenants/e2e/runs', {});
    expect(started.status).toBe(202);
    const runId = started.json?.runId as string;

    let run: Json | null = null;
    for (let i = 0; i < 240 && run?.status !== 'completed' && run?.status !== 'failed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      run = (await call('GET', `/tenants/e2e/runs/${runId}`)).json;
    }
    expect(run?.status).toBe('completed');

    const status = await call('GET', '/tenants/e2e/status');
    expect(status.status).toBe(200);
    const last = status.json?.runs[0];
    expect(last).toMatchObject({ runId, status: 'completed', trigger: 'manual', error: null });
    expect(last.apiCalls).toBeGreaterThan(0);
    expect(typeof last.steps.sync.durationMs).toBe('number');
    expect(typeof last.steps.score.durationMs).toBe('number');
    expect(status.json?.deals).toBeGreaterThan(0);
    expect(status.json?.apiUsage.calls).toBeGreaterThan(0);
    expect(status.json?.running).toBeNull();

    let dealId: string | undefined;
    for await (const chunk of service.runtime.deps.store('e2e').results.iterateResults()) {
      dealId = chunk[0]?.dealId;
      break;
    }
    expect(dealId).toBeDefined();
    const explained = await call('GET', `/tenants/e2e/deals/${dealId}/explain`);
    expect(explained.status).toBe(200);
    expect(explained.json?.indicators.length).toBeGreaterThan(5);
    for (const indicator of explained.json?.indicators ?? [])
      expect(indicator.evidence).toEqual(expect.any(String));

    const deleted = await call('DELETE', '/tenants/e2e?purge=true');
    expect(deleted.json).toMatchObject({ deleted: 'e2e', purged: true });
    expect(service.runtime.tenantList()).toEqual([]);
    expect((await service.runtime.schedules.list()).filter((s) => s.id.endsWith('-e2e'))).toEqual([]);
    expect(await service.runtime.deps.store('e2e').deals.dealCount()).toBe(0);
    expect((await call('GET', '/tenants/e2e/status')).status).toBe(404);

    for (const body of bodies) expect(body).not.toContain(sandbox.accessToken);
  });
});
