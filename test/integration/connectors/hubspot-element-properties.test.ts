// Issue 18 item 2: the element profile as one HubSpot deal property per survey element, so reps and
// admins can filter views and build reports on it. Property definitions follow the properties API
// reference: an enumeration is `type: enumeration` with a `fieldType` such as `select` and an
// `options` array of { label, value, displayOrder, hidden }
// (https://developers.hubspot.com/docs/api-reference/crm-properties-v3/batch/post-crm-v3-properties-objectType-batch-create;
// type/fieldType pairs: https://developers.hubspot.com/docs/api/crm/properties, "Property type and
// fieldType values"). A written value must be one of the options' values (the sandbox refuses others).
import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const NO_LIMITS = { tenSecondly: null, daily: null, searchPerSecond: null };
/** The documented property per element (docs/CONNECTORS.md, "Element profile"). */
const ELEMENT_PROPERTIES = [
  'ph_open_communication',
  'ph_frequent_access',
  'ph_knowledge_sharing',
  'ph_joint_planning',
  'ph_industry_understanding',
  'ph_satisfaction',
  'ph_trust',
];
const LEVELS = ['strong', 'ok', 'weak', 'unknown'];
/** The deal properties a tenant bootstrapped before issue 18 holds. */
const OLD_DEAL_PROPERTIES = [
  'ph_score',
  'ph_band',
  'ph_win_probability',
  'ph_reasons',
  'ph_trend',
  'ph_scored_at',
  'ph_model_version',
];

let sandbox: HubSpotSandboxHandle | null = null;
afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

function connectorFor(sb: HubSpotSandboxHandle): CrmConnector {
  return createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sb.accessToken },
      basePath: sb.baseUrl,
      developmentTarget: true,
    },
    logger: createLogger({ level: 'silent' }),
  });
}

async function api(sb: HubSpotSandboxHandle, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sb.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${sb.accessToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function calls(sb: HubSpotSandboxHandle): number {
  return Object.values(sb.inspect.callsByEndpoint()).reduce((a, b) => a + b, 0);
}

describe('HubSpot: the element profile properties', () => {
  it('a fresh portal: bootstrap creates one enumeration per element, in the same six calls as before', async () => {
    sandbox = await startHubSpotSandbox({ seed: 61, deals: 10, rateLimits: NO_LIMITS });
    sandbox.inspect.reset();
    const result = await connectorFor(sandbox).bootstrapSchema();
    for (const name of ELEMENT_PROPERTIES) expect(result.created).toContain(`deals.${name}`);
    // Two group creates (no batch endpoint for groups), then per object type one batch read and one
    // batch create (at most 100 inputs each; deals now need 14): the element properties ride in the
    // deals batch create, so the count does not grow.
    expect(calls(sandbox)).toBe(6);
    expect(sandbox.inspect.callsByEndpoint()['POST /crm/v3/properties/deals/batch/create']).toBe(1);

    for (const name of ELEMENT_PROPERTIES) {
      const { status, body } = await api(sandbox, 'GET', `/crm/v3/properties/deals/${name}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'pipeline_health' });
      const options = body.options as { value: string; label: string; hidden: boolean }[];
      expect(options.map((o) => o.value)).toEqual(LEVELS);
      expect(options.every((o) => o.hidden === false && o.label.length > 0)).toBe(true);
    }
  });

  it('a portal bootstrapped before the element profile: bootstrap adds only the seven, and they take values', async () => {
    sandbox = await startHubSpotSandbox({ seed: 62, deals: 10, rateLimits: NO_LIMITS });
    // What the earlier bootstrap left: both groups, the seven health properties, the alert key.
    for (const type of ['deals', 'tasks']) {
      expect(
        (
          await api(sandbox, 'POST', `/crm/v3/properties/${type}/groups`, {
            name: 'pipeline_health',
            label: 'Pipeline health',
          })
        ).status,
      ).toBe(201);
    }
    for (const name of OLD_DEAL_PROPERTIES) {
      const def = {
        name,
        label: name,
        groupName: 'pipeline_health',
        type: 'string',
        fieldType: 'text',
      };
      expect((await api(sandbox, 'POST', '/crm/v3/properties/deals', def)).status).toBe(201);
    }
    expect(
      (
        await api(sandbox, 'POST', '/crm/v3/properties/tasks', {
          name: 'ph_alert_key',
          label: 'key',
          groupName: 'pipeline_health',
          type: 'string',
          fieldType: 'text',
        })
      ).status,
    ).toBe(201);

    sandbox.inspect.reset();
    const connector = connectorFor(sandbox);
    const result = await connector.bootstrapSchema();
    expect([...result.created].sort()).toEqual(ELEMENT_PROPERTIES.map((n) => `deals.${n}`).sort());
    for (const name of OLD_DEAL_PROPERTIES) expect(result.existing).toContain(`deals.${name}`);
    // Two group creates answered 409, the deals read and the one create of the missing seven, the tasks read.
    expect(calls(sandbox)).toBe(5);

    const dealId = (await api(sandbox, 'GET', '/crm/v3/objects/deals?limit=1')).body.results as {
      id: string;
    }[];
    const id = dealId[0]!.id;
    const outcome = await connector.writeHealth([
      { dealId: id, values: { jointPlanning: 'weak', trust: 'strong', satisfaction: 'unknown' } },
    ]);
    expect(outcome.failed).toEqual([]);
    const read = await api(
      sandbox,
      'GET',
      `/crm/v3/objects/deals/${id}?properties=ph_joint_planning,ph_trust,ph_satisfaction`,
    );
    expect(read.body.properties).toMatchObject({
      ph_joint_planning: 'weak',
      ph_trust: 'strong',
      ph_satisfaction: 'unknown',
    });
    expect((await connector.readHealth([id])).get(id)).toMatchObject({
      jointPlanning: 'weak',
      trust: 'strong',
      satisfaction: 'unknown',
    });
  });
});
