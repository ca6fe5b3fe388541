// Alert tasks for deals owned by deactivated HubSpot owners. HubSpot lists deactivated owners only
// with `archived=true` (owners API guide, https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide)
// and the sandbox refuses new tasks assigned to them (docs/SANDBOX.md, "Deactivated owners").
// HubSpot records no manager for an owner, so the task goes to the tenant's fallback owner.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertTask, CrmConnector } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { type Alert, alertKey } from '../../../src/domain/index.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { OWNER_ID_OFFSET } from '../../../src/sandbox/hubspot/hubspot-object-types.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger({ level: 'silent' });
let sandbox: HubSpotSandboxHandle | null = null;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

const ownerId = (n: number) => String(OWNER_ID_OFFSET + n);

/** A sandbox whose owner 3 has left (and owns deals), owner 2 active. */
async function start(): Promise<HubSpotSandboxHandle> {
  const world = generateWorld({ seed: 71, deals: 40, now: '2026-11-27T00:00:00.000Z' });
  world.owners[2]!.active = false;
  sandbox = await startHubSpotSandbox({
    world,
    rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
  });
  return sandbox;
}

function connector(sb: HubSpotSandboxHandle, fallbackOwnerId?: string): CrmConnector {
  return createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sb.accessToken },
      basePath: sb.baseUrl,
    },
    logger,
    ...(fallbackOwnerId === undefined ? {} : { fallbackOwnerId }),
  });
}

/** One alert for a deal of owner `n` (deal ids from the sandbox's own deals). */
async function alertFor(c: CrmConnector, n: number): Promise<AlertTask> {
  for await (const page of c.pull(null)) {
    const deal = page.deals.find((d) => d.ownerId === ownerId(n));
    if (deal === undefined) continue;
    const alert: Alert = {
      tenantId: 'acme',
      dealId: deal.id,
      kind: 'buyer_silent',
      ownerId: deal.ownerId,
      reason: 'No buyer reply in 19 days, usually 4',
      suggestedAction: 'Call the economic buyer',
      raisedAt: '2026-11-27T08:00:00.000Z',
    };
    return {
      alert,
      key: alertKey(alert),
      subject: 'Buyer silent',
      body: alert.reason,
      dueAt: '2026-11-28T09:00:00.000Z',
    };
  }
  throw new Error(`no deal owned by owner ${n}`);
}

describe('HubSpot connector: deactivated owners', () => {
  it('fetchMetadata lists deactivated owners as inactive', async () => {
    const sb = await start();
    const meta = await connector(sb).fetchMetadata();
    expect(meta.owners).toHaveLength(sb.world.owners.length);
    expect(meta.owners.find((o) => o.id === ownerId(3))?.active).toBe(false);
    expect(meta.owners.filter((o) => o.active === false)).toHaveLength(1);
  });

  it('assigns the task of a deactivated owner to the fallback owner and reports it; the rest as usual', async () => {
    const sb = await start();
    const c = connector(sb, ownerId(2));
    await c.bootstrapSchema();
    const gone = await alertFor(c, 3);
    const here = await alertFor(c, 1);
    const outcome = await c.createAlertTasks([gone, here]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.created.map((x) => x.key).sort()).toEqual([gone.key, here.key].sort());
    expect(outcome.reassigned).toEqual([
      {
        key: gone.key,
        fromOwnerId: ownerId(3),
        toOwnerId: ownerId(2),
        reason: expect.stringContaining('fallback'),
      },
    ]);
    const tasks = sb.inspect.writes().filter((w) => w.objectType === 'tasks');
    const owners = tasks.map((t) => t.values.hubspot_owner_id).sort();
    expect(owners).toEqual([ownerId(1), ownerId(2)]);
  });

  it('without a fallback owner, does not create that task, reports it, and fails nothing', async () => {
    const sb = await start();
    const c = connector(sb);
    await c.bootstrapSchema();
    const gone = await alertFor(c, 3);
    const here = await alertFor(c, 1);
    const outcome = await c.createAlertTasks([gone, here]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.created.map((x) => x.key)).toEqual([here.key]);
    expect(outcome.reassigned).toMatchObject([{ key: gone.key, fromOwnerId: ownerId(3), toOwnerId: null }]);
  });

  it('a deactivated fallback owner is no fallback', async () => {
    const sb = await start();
    const c = connector(sb, ownerId(3));
    await c.bootstrapSchema();
    const gone = await alertFor(c, 3);
    const outcome = await c.createAlertTasks([gone]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.created).toEqual([]);
    expect(outcome.reassigned).toMatchObject([{ key: gone.key, toOwnerId: null }]);
  });
});
