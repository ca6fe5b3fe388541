import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import {
  startHubSpotSandbox,
  type HubSpotSandboxHandle,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';

describe('a full HubSpot cycle through the real queues', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 11, deals: 80 });
    const tenants = parseTenants({
      tenants: [
        {
          id: 'acme',
          name: 'Acme',
          connection: {
            crm: 'hubspot',
            basePath: sandbox.baseUrl,
            developmentTarget: true,
            auth: { type: 'private_app', accessToken: sandbox.accessToken },
          },
        },
      ],
    });
    runtime = new Runtime({
      redis,
      prefix: `t${randomUUID().slice(0, 8)}`,
      logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      tenants,
      concurrency: 2,
    });
    await runtime.pool?.waitUntilReady();
  });

  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('syncs, scores, writes changed fields and raises alert tasks; a second run writes nothing', async () => {
    const first = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('completed');
    const sync = first.steps.sync as { deals: number; quarantined: number };
    const score = first.steps.score as { scored: number; bands: Record<string, number> };
    const write = first.steps['write-back'] as { written: number; changed: number };
    const alert = first.steps.alert as { raised: number };
    expect(sync.deals).toBeGreaterThan(50);
    expect(score.scored).toBeGreaterThan(0);
    expect(write.written).toBe(score.scored);
    expect(first.apiCalls).toBeGreaterThan(0);

    const writes = sandbox.inspect.writes();
    const dealUpdates = writes.filter((w) => w.objectType === 'deals' && w.operation === 'update');
    expect(new Set(dealUpdates.map((w) => w.recordId)).size).toBe(score.scored);
    for (const w of dealUpdates) {
      // Only the tool's own properties are ever written.
      expect(Object.keys(w.values).every((k) => k.startsWith('ph_'))).toBe(true);
    }
    const tasks = writes.filter((w) => w.objectType === 'tasks' && w.operation === 'create');
    expect(tasks.length).toBe(alert.raised);
    // What would raise a deal (issue 18 item 4) reaches the rep: stored results carry the
    // estimated lifts, and at least one alert task suggests an action with its lift.
    let withActions = 0;
    for await (const chunk of runtime.deps.store('acme').results.iterateResults()) {
      withActions += chunk.filter((r) => (r.actions?.length ?? 0) > 0).length;
    }
    expect(withActions).toBeGreaterThan(0);
    expect(
      tasks.some((t) =>
        /Suggested action: .+ \(estimated \+\d+(\.\d)? points of /.test(String(t.values.hs_task_body)),
      ),
    ).toBe(true);

    // The team view of the seven elements (issue 18 item 2) counts the stored results: recounted
    // here from each stored result and its deal's owner (weak: sub-score < 0.4 on confidence >= 0.3).
    const store = runtime.deps.store('acme');
    const view = await store.documents.getJson<{
      team: { openDeals: number; elements: Record<string, { weak: number }> };
      owners: { ownerId: string | null; openDeals: number; elements: Record<string, { weak: number }> }[];
    }>('teamElements');
    const weakOn = new Map<string, number>();
    const perOwner = new Map<string | null, number>();
    let open = 0;
    for await (const chunk of store.results.iterateResults()) {
      const deals = await store.deals.getDeals(chunk.map((r) => r.dealId));
      for (const r of chunk) {
        open += 1;
        const owner = deals.get(r.dealId)?.ownerId ?? null;
        perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
        for (const i of r.indicators) {
          if (i.confidence >= 0.3 && i.subScore < 0.4) weakOn.set(i.key, (weakOn.get(i.key) ?? 0) + 1);
        }
      }
    }
    expect(view?.team.openDeals).toBe(open);
    expect(open).toBe(score.scored);
    expect(view?.team.elements.joint_planning?.weak).toBe(weakOn.get('joint_planning') ?? 0);
    expect(view?.team.elements.open_communication?.weak).toBe(weakOn.get('open_communication') ?? 0);
    expect(new Map(view?.owners.map((o) => [o.ownerId, o.openDeals]))).toEqual(perOwner);

    sandbox.inspect.reset();
    const second = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(second.status).toBe('completed');
    expect((second.steps['write-back'] as { written: number }).written).toBe(0);
    expect((second.steps.alert as { raised: number }).raised).toBe(0);
    expect(sandbox.inspect.writes()).toEqual([]);
  });
});
