// Deactivated owners in the HubSpot sandbox. Sources:
// - Owners API guide (https://developers.hubspot.com/docs/api-reference/latest/crm/owners/guide):
//   GET /crm/v3/owners lists the current owners; `archived=true` returns only archived
//   (deactivated) owners; `id` is what records and activities are assigned to.
// - Changelog "Upcoming: Owner IDs and the Engagements API"
//   (https://developers.hubspot.com/changelog/upcoming-owner-ids-and-the-engagements-api): owner
//   fields of engagements must hold owner ids from the Owners API; "any requests with invalid owner
//   IDs will return a validation error".
// The docs do not say in so many words what happens to a task assigned to a deactivated owner; the
// sandbox refuses it like any other owner not among the current owners (docs/SANDBOX.md).
import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { OWNER_ID_OFFSET } from '../../../src/sandbox/hubspot/hubspot-object-types.ts';
import type { HubSpotSandboxHandle } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { apiError } from './hubspot-api-error.ts';
import { startSdkSandbox, WORLD_NOW } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;
let client: Client;

beforeAll(async () => {
  // Small worlds have three owners, none of them gone: deactivate the third (it owns deals).
  const world = generateWorld({ seed: 61, deals: 120, now: WORLD_NOW });
  world.owners[2]!.active = false;
  ({ sandbox, client } = await startSdkSandbox(61, 120, { world }));
});

afterAll(async () => {
  await sandbox.close();
});

const ownerId = (n: number) => String(OWNER_ID_OFFSET + n);

async function allOwners(archived: boolean): Promise<{ id: string; archived: boolean }[]> {
  const out: { id: string; archived: boolean }[] = [];
  let after: string | undefined;
  do {
    const page = await client.crm.owners.ownersApi.getPage(undefined, after, 3, archived);
    out.push(...page.results.map((o) => ({ id: o.id, archived: o.archived })));
    after = page.paging?.next?.after;
  } while (after !== undefined);
  return out;
}

describe('HubSpot sandbox: deactivated owners (owners API archived=true)', () => {
  it('lists only active owners by default and only the deactivated ones with archived=true', async () => {
    const inactive = sandbox.world.owners.filter((o) => o.active === false);
    const active = sandbox.world.owners.filter((o) => o.active !== false);
    expect(inactive.length).toBeGreaterThan(0);
    const listed = await allOwners(false);
    expect(listed.map((o) => o.id).sort()).toEqual(active.map((o) => ownerId(o.n)).sort());
    expect(listed.every((o) => !o.archived)).toBe(true);
    const archived = await allOwners(true);
    expect(archived.map((o) => o.id).sort()).toEqual(inactive.map((o) => ownerId(o.n)).sort());
    expect(archived.every((o) => o.archived)).toBe(true);
  });

  it('serves a deactivated owner by id only with archived=true', async () => {
    const gone = sandbox.world.owners.find((o) => o.active === false)!;
    expect((await apiError(client.crm.owners.ownersApi.getById(Number(ownerId(gone.n))))).code).toBe(404);
    const owner = await client.crm.owners.ownersApi.getById(Number(ownerId(gone.n)), 'id', true);
    expect(owner.archived).toBe(true);
    expect(owner.email).toBe(gone.email);
  });

  it('keeps deals owned by deactivated owners readable with their owner id', async () => {
    const gone = new Set(sandbox.world.owners.filter((o) => o.active === false).map((o) => ownerId(o.n)));
    const deals = await client.crm.deals.basicApi.getPage(100, undefined, ['hubspot_owner_id']);
    expect(deals.results.some((d) => gone.has(d.properties.hubspot_owner_id ?? ''))).toBe(true);
  });

  it('refuses a task assigned to a deactivated owner (that record only in a batch) and accepts an active one', async () => {
    const gone = sandbox.world.owners.find((o) => o.active === false)!;
    const here = sandbox.world.owners.find((o) => o.active !== false)!;
    const task = (owner: string, subject: string) => ({
      properties: {
        hs_task_subject: subject,
        hs_timestamp: '2026-11-28T09:00:00.000Z',
        hubspot_owner_id: owner,
      },
      associations: [],
    });
    const single = await apiError(
      client.crm.objects.tasks.basicApi.create(task(ownerId(gone.n), 'a') as never),
    );
    expect(single.code).toBe(400);
    expect(single.body.category).toBe('VALIDATION_ERROR');
    const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/tasks/batch/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [task(ownerId(gone.n), 'b'), task(ownerId(here.n), 'c')] }),
    });
    expect(res.status).toBe(207);
    const body = (await res.json()) as { results: unknown[]; numErrors: number };
    expect(body.results).toHaveLength(1);
    expect(body.numErrors).toBe(1);
  });
});
