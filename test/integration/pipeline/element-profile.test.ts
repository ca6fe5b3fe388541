import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import type { HealthResult } from '../../../src/domain/index.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import {
  hubspotConnectors,
  hubspotTenant,
  NO_SCHEDULE,
  newRuntime,
  salesforceAdminConnector,
  salesforceTenant,
} from './harness.ts';

/**
 * Issue 18 item 2: per deal, the element profile is written to the CRM. The mapping is the one
 * documented in docs/CONNECTORS.md ("Element profile"), restated here as the oracle:
 * an element whose indicator is missing or judged on confidence < 0.3 is `unknown`; otherwise
 * sub-score < 0.4 is `weak` (the team view's rule), >= 0.6 `strong`, else `ok`.
 */
const ELEMENTS: [indicator: string, hubspot: string, salesforce: string][] = [
  ['open_communication', 'ph_open_communication', 'PH_Open_Communication__c'],
  ['access', 'ph_frequent_access', 'PH_Frequent_Access__c'],
  ['knowledge_sharing', 'ph_knowledge_sharing', 'PH_Knowledge_Sharing__c'],
  ['joint_planning', 'ph_joint_planning', 'PH_Joint_Planning__c'],
  ['industry_understanding', 'ph_industry_understanding', 'PH_Industry_Understanding__c'],
  ['satisfaction', 'ph_satisfaction', 'PH_Satisfaction__c'],
  ['trust', 'ph_trust', 'PH_Trust__c'],
];

function expectedLevel(result: HealthResult, key: string): string {
  const ind = result.indicators.find((i) => i.key === key);
  if (ind === undefined || ind.confidence < 0.3) return 'unknown';
  if (ind.subScore < 0.4) return 'weak';
  return ind.subScore >= 0.6 ? 'strong' : 'ok';
}

/** What the CRM holds per record: every landed write folded in order. */
function crmValues(sandbox: SandboxHandle, objectType: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const w of sandbox.inspect.writes()) {
    if (w.objectType !== objectType || w.operation !== 'update') continue;
    out.set(w.recordId, { ...(out.get(w.recordId) ?? {}), ...w.values });
  }
  return out;
}

async function results(runtime: Runtime, tenantId: string): Promise<HealthResult[]> {
  const all: HealthResult[] = [];
  for await (const chunk of runtime.deps.store(tenantId).results.iterateResults()) all.push(...chunk);
  return all;
}

function checkProfiles(
  stored: HealthResult[],
  crm: Map<string, Record<string, unknown>>,
  column: 1 | 2,
  idOf: (dealId: string) => string = (id) => id,
): Set<string> {
  const seen = new Set<string>();
  for (const r of stored) {
    const values = crm.get(idOf(r.dealId));
    expect(values, `deal ${r.dealId} was written`).toBeDefined();
    for (const element of ELEMENTS) {
      const level = expectedLevel(r, element[0]);
      seen.add(level);
      expect(values?.[element[column]], `${element[column]} on ${r.dealId}`).toBe(level);
    }
  }
  return seen;
}

describe('the element profile written to the CRM', () => {
  let redis: RedisEndpoint;
  const runtimes: Runtime[] = [];
  const sandboxes: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    for (const s of sandboxes) await s.close();
    await redis?.close();
  });

  it('HubSpot: a tenant bootstrapped before gets the seven properties; every scored deal carries its profile; a second cycle writes nothing', async () => {
    const sandbox: HubSpotSandboxHandle = await startHubSpotSandbox({ seed: 71, deals: 60 });
    sandboxes.push(sandbox);
    // The portal as the earlier bootstrap left it, and the schema marker of that time.
    const headers = { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' };
    for (const type of ['deals', 'tasks']) {
      await fetch(`${sandbox.baseUrl}/crm/v3/properties/${type}/groups`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'pipeline_health', label: 'Pipeline health' }),
      });
    }
    const old: [string, string, string, string[]?][] = [
      ['ph_score', 'number', 'number'],
      ['ph_win_probability', 'number', 'number'],
      ['ph_band', 'enumeration', 'select', ['healthy', 'watch', 'at_risk']],
      ['ph_trend', 'enumeration', 'select', ['improving', 'steady', 'declining']],
      ['ph_reasons', 'string', 'textarea'],
      ['ph_scored_at', 'datetime', 'date'],
      ['ph_model_version', 'string', 'text'],
    ];
    for (const [name, type, fieldType, options] of old) {
      const res = await fetch(`${sandbox.baseUrl}/crm/v3/properties/deals`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          name,
          label: name,
          groupName: 'pipeline_health',
          type,
          fieldType,
          ...(options
            ? {
                options: options.map((value, i) => ({ label: value, value, displayOrder: i, hidden: false })),
              }
            : {}),
        }),
      });
      expect(res.status).toBe(201);
    }
    const alertKey = await fetch(`${sandbox.baseUrl}/crm/v3/properties/tasks`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'ph_alert_key',
        label: 'Pipeline health alert key',
        groupName: 'pipeline_health',
        type: 'string',
        fieldType: 'text',
      }),
    });
    expect(alertKey.status).toBe(201);
    const runtime = newRuntime(redis, [hubspotTenant('acme', sandbox, NO_SCHEDULE)], {
      connector: hubspotConnectors(),
    });
    runtimes.push(runtime);
    await runtime.pool?.waitUntilReady();
    await runtime.deps
      .store('acme')
      .documents.setJson('schema', 'v1:score,band,winProbability,reasons,trend,scoredAt,modelVersion');

    const first = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(first.error).toBeUndefined();
    expect(first.status).toBe('completed');
    const created = (first.steps.sync as { schemaCreated: string[] }).schemaCreated;
    expect(created.filter((c) => c.startsWith('deals.')).sort()).toEqual(
      ELEMENTS.map((e) => `deals.${e[1]}`).sort(),
    );
    const stored = await results(runtime, 'acme');
    expect(stored.length).toBe((first.steps.score as { scored: number }).scored);
    expect(stored.length).toBeGreaterThan(5);
    const levels = checkProfiles(stored, crmValues(sandbox, 'deals'), 1);
    // Not a constant: the world's deals differ on the elements.
    expect(levels.size).toBeGreaterThan(1);

    sandbox.inspect.reset();
    const second = await runtime.runCycle({ tenantId: 'acme', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(second.status).toBe('completed');
    expect((second.steps['write-back'] as { written: number }).written).toBe(0);
    expect(sandbox.inspect.writes().filter((w) => w.objectType === 'deals')).toEqual([]);
  }, 240_000);

  it('Salesforce: every scored opportunity carries its profile in the PH_ picklists; a second cycle writes nothing', async () => {
    const sandbox: SalesforceSandboxHandle = await startSalesforceSandbox({
      world: generateWorld({ seed: 73, deals: 60 }),
    });
    sandboxes.push(sandbox);
    const tenant = salesforceTenant('globex', sandbox, NO_SCHEDULE);
    const connector = salesforceAdminConnector(tenant);
    const runtime = newRuntime(redis, [tenant], { connector: () => connector });
    runtimes.push(runtime);
    await runtime.pool?.waitUntilReady();

    const first = await runtime.runCycle({ tenantId: 'globex', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(first.error).toBeUndefined();
    const stored = await results(runtime, 'globex');
    expect(stored.length).toBe((first.steps.score as { scored: number }).scored);
    expect(stored.length).toBeGreaterThan(5);
    const levels = checkProfiles(stored, crmValues(sandbox, 'Opportunity'), 2);
    expect(levels.size).toBeGreaterThan(1);

    sandbox.inspect.reset();
    const second = await runtime.runCycle({ tenantId: 'globex', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(second.status).toBe('completed');
    expect((second.steps['write-back'] as { written: number }).written).toBe(0);
    expect(sandbox.inspect.writes().filter((w) => w.objectType === 'Opportunity')).toEqual([]);
  }, 240_000);
});
