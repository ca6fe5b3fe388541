import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandboxHandle } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { apiError } from './hubspot-api-error.ts';
import { startSdkSandbox } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;
let client: Client;

beforeAll(async () => {
  // Enough deals for more than 3 owners (owner paging) while staying quick.
  ({ sandbox, client } = await startSdkSandbox(13, 1300));
});

afterAll(async () => {
  await sandbox.close();
});

describe('HubSpot sandbox: properties, pipelines, owners, goals', () => {
  it('creates a property group and properties, 409 on duplicates, then accepts writes to them', async () => {
    const group = await client.crm.properties.groupsApi.create('deals', {
      name: 'pipeline_health',
      label: 'Pipeline health',
    });
    expect(group.name).toBe('pipeline_health');
    const dupGroup = await apiError(
      client.crm.properties.groupsApi.create('deals', { name: 'pipeline_health', label: 'x' }),
    );
    expect(dupGroup.code).toBe(409);
    const created = await client.crm.properties.coreApi.create('deals', {
      name: 'ph_score',
      label: 'Health score',
      type: 'number' as never,
      fieldType: 'number' as never,
      groupName: 'pipeline_health',
    });
    expect(created.name).toBe('ph_score');
    await client.crm.properties.coreApi.create('deals', {
      name: 'ph_band',
      label: 'Health band',
      type: 'enumeration' as never,
      fieldType: 'select' as never,
      groupName: 'pipeline_health',
      options: [
        { label: 'Healthy', value: 'healthy', hidden: false, displayOrder: 0 },
        { label: 'At risk', value: 'at_risk', hidden: false, displayOrder: 1 },
      ],
    });
    const duplicate = await apiError(
      client.crm.properties.coreApi.create('deals', {
        name: 'ph_score',
        label: 'Again',
        type: 'number' as never,
        fieldType: 'number' as never,
        groupName: 'pipeline_health',
      }),
    );
    expect(duplicate.code).toBe(409);
    expect(duplicate.body.category).toBe('OBJECT_ALREADY_EXISTS');
    const read = await client.crm.properties.coreApi.getByName('deals', 'ph_score');
    expect(read.groupName).toBe('pipeline_health');
    const all = await client.crm.properties.coreApi.getAll('deals');
    expect(all.results.map((p) => p.name)).toEqual(
      expect.arrayContaining(['dealname', 'dealstage', 'ph_score', 'budget_allocated']),
    );
    expect((await apiError(client.crm.properties.coreApi.getByName('deals', 'nope'))).code).toBe(404);

    const written = await client.crm.deals.batchApi.update({
      inputs: [{ id: '30000000001', properties: { ph_score: '72', ph_band: 'healthy' } }],
    });
    expect(written.results[0]?.properties.ph_score).toBe('72');
    const badOption = await client.crm.deals.batchApi.update({
      inputs: [{ id: '30000000002', properties: { ph_band: 'purple' } }],
    });
    expect('numErrors' in badOption && badOption.numErrors).toBe(1);
  });

  it('serves deal pipelines with stage metadata as HubSpot does', async () => {
    const pipelines = await client.crm.pipelines.pipelinesApi.getAll('deals');
    expect(pipelines.results.map((p) => p.id)).toEqual(['default', expect.any(String)]);
    const won = pipelines.results[0]!.stages.find((s) => s.id === 'closedwon')!;
    expect(won.metadata).toEqual({ isClosed: 'true', probability: '1' });
    const open = pipelines.results[0]!.stages.find((s) => s.id === 'qualifiedtobuy')!;
    expect(open.metadata).toEqual({ isClosed: 'false', probability: '0.4' });
  });

  it('pages owners and serves goal targets', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await client.crm.owners.ownersApi.getPage(undefined, after, 2);
      seen.push(...page.results.map((o) => o.id));
      after = page.paging?.next?.after;
      if (!after) break;
    }
    // Deactivated users are listed only with archived=true (owners API reference: "archived" query
    // parameter), so the default listing pages through the active owners alone.
    expect(seen).toHaveLength(sandbox.world.owners.filter((o) => o.active !== false).length);
    expect(sandbox.world.owners.length).toBeGreaterThan(3);
    const owner = await client.crm.owners.ownersApi.getById(Number(seen[0]));
    expect(owner.email).toBe(sandbox.world.owners[0]!.email);
    expect(owner.teams?.[0]?.name).toBe(sandbox.world.owners[0]!.team);
    const goals = await client.crm.objects.goals.basicApi.getPage(100, undefined, [
      'hs_target_amount',
      'hs_assignee_user_id',
      'hs_start_datetime',
    ]);
    expect(goals.results.length).toBeGreaterThan(0);
    expect(goals.results[0]?.properties.hs_target_amount).toBe(String(sandbox.world.targets[0]!.amount));
  });
});

describe('HubSpot sandbox: associations v4', () => {
  it('batch reads deal associations to every engagement type, with 1,000 inputs max', async () => {
    const deal = sandbox.world.deals.find((d) => d.messy === null && d.contacts.length >= 2)!;
    const dealId = String(30_000_000_000 + deal.n);
    const activities = sandbox.world.activities.filter((a) => a.dealN === deal.n);
    for (const [type, offset, typeId] of [
      ['emails', 40_000_000_000, 209],
      ['calls', 50_000_000_000, 205],
      ['meetings', 60_000_000_000, 211],
      ['notes', 70_000_000_000, 213],
      ['tasks', 80_000_000_000, 215],
    ] as const) {
      const expected = activities.filter((a) => `${a.type}s` === type).map((a) => offset + a.n);
      const res = await client.crm.associations.v4.batchApi.getPage('deals', type, {
        inputs: [{ id: dealId }],
      });
      const got = (res.results[0]?.to ?? []).map((t) => Number(t.toObjectId));
      expect(got.sort()).toEqual(expected.sort());
      if (expected.length > 0) expect(res.results[0]?.to[0]?.associationTypes[0]?.typeId).toBe(typeId);
    }
    const contacts = await client.crm.associations.v4.batchApi.getPage('deals', 'contacts', {
      inputs: [{ id: dealId }],
    });
    expect(contacts.results[0]?.to).toHaveLength(deal.contacts.length);
    const ids = Array.from({ length: 1001 }, (_, i) => ({ id: String(30_000_000_001 + i) }));
    const tooMany = await apiError(
      client.crm.associations.v4.batchApi.getPage('deals', 'contacts', { inputs: ids }),
    );
    expect(tooMany.code).toBe(400);
    const thousand = await client.crm.associations.v4.batchApi.getPage('deals', 'companies', {
      inputs: ids.slice(0, 1000),
    });
    expect(thousand.results.length).toBeGreaterThan(900);
  });

  it('reports inputs without associations as errors (207) and orphaned activities name a missing deal', async () => {
    const orphan = sandbox.world.activities.find((a) => a.messy === 'orphaned_association');
    expect(orphan).toBeDefined();
    const type = `${orphan!.type}s`;
    const offset = { emails: 40e9, calls: 50e9, meetings: 60e9, notes: 70e9, tasks: 80e9 }[type as 'emails']!;
    const res = await client.crm.associations.v4.batchApi.getPage(type, 'deals', {
      inputs: [{ id: String(offset + orphan!.n) }],
    });
    const dealId = String(res.results[0]?.to[0]?.toObjectId);
    expect((await apiError(client.crm.deals.basicApi.getById(dealId))).code).toBe(404);
    const none = await client.crm.associations.v4.batchApi.getPage('deals', 'contacts', {
      inputs: [{ id: '30099999999' }],
    });
    expect(none.results).toHaveLength(0);
    expect('numErrors' in none && none.numErrors).toBe(1);
  });

  it('creates associations with the SDK (default, labelled, batch) and reads them back both ways', async () => {
    const task = await client.crm.objects.tasks.basicApi.create({
      properties: { hs_timestamp: '2026-12-01T00:00:00Z', hs_task_subject: 'x' },
      associations: [],
    });
    await client.crm.associations.v4.basicApi.createDefault('tasks', task.id, 'deals', '30000000005');
    const fromDeal = await client.crm.associations.v4.basicApi.getPage('deals', '30000000005', 'tasks');
    expect(fromDeal.results.map((r) => String(r.toObjectId))).toContain(task.id);
    expect(fromDeal.results.find((r) => String(r.toObjectId) === task.id)?.associationTypes[0]?.typeId).toBe(
      215,
    );
    await client.crm.associations.v4.basicApi.create('tasks', task.id, 'contacts', '10000000001', [
      { associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 204 },
    ]);
    await client.crm.associations.v4.batchApi.create('tasks', 'deals', {
      inputs: [
        {
          _from: { id: task.id },
          to: { id: '30000000006' },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 216 }],
        },
      ],
    });
    const fromTask = await client.crm.associations.v4.batchApi.getPage('tasks', 'deals', {
      inputs: [{ id: task.id }],
    });
    expect(fromTask.results[0]?.to.map((t) => String(t.toObjectId)).sort()).toEqual([
      '30000000005',
      '30000000006',
    ]);
    const missing = await apiError(
      client.crm.associations.v4.basicApi.createDefault('tasks', task.id, 'deals', '30099999999'),
    );
    expect(missing.code).toBe(404);
  });
});
