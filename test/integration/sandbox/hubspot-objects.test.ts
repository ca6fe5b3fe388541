import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandboxHandle } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { apiError } from './hubspot-api-error.ts';
import { startSdkSandbox } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;
let client: Client;

beforeAll(async () => {
  ({ sandbox, client } = await startSdkSandbox(42, 260));
});

afterAll(async () => {
  await sandbox.close();
});

describe('HubSpot sandbox: CRM v3 objects through the official SDK', () => {
  it('pages every deal with after/limit up to 100 and a next link', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await client.crm.deals.basicApi.getPage(100, after, ['dealname', 'dealstage', 'pipeline']);
      expect(page.results.length).toBeLessThanOrEqual(100);
      ids.push(...page.results.map((r) => r.id));
      after = page.paging?.next?.after;
      if (after) expect(page.paging?.next?.link).toContain(`after=${after}`);
      pages++;
    } while (after && pages < 10);
    expect(ids).toHaveLength(260);
    expect(new Set(ids).size).toBe(260);
    expect(pages).toBe(3);
    // A larger limit is capped at 100 per page.
    const capped = await client.crm.deals.basicApi.getPage(500);
    expect(capped.results).toHaveLength(100);
  });

  it('serves deal properties, stage history, qualification fields and associations', async () => {
    const deal = sandbox.world.deals.find((d) => d.stageHistory.length >= 3 && d.messy === null)!;
    const id = String(30_000_000_000 + deal.n);
    const record = await client.crm.deals.basicApi.getById(
      id,
      [
        'dealname',
        'dealstage',
        'amount',
        'closedate',
        'hs_is_closed',
        'budget_allocated',
        'decision_process',
        `hs_date_entered_${deal.stageHistory[0]!.stageKey}`,
      ],
      ['dealstage', 'closedate', 'amount'],
      ['contacts', 'companies', 'emails'],
    );
    expect(record.properties.dealname).toBe(deal.name);
    expect(record.properties.dealstage).toBe(deal.stageKey);
    expect(record.properties.budget_allocated).toBe(String(deal.qualification.budget_allocated));
    expect(record.properties[`hs_date_entered_${deal.stageHistory[0]!.stageKey}`]).toBe(
      deal.stageHistory[0]!.enteredAt,
    );
    const stages = record.propertiesWithHistory?.dealstage ?? [];
    expect(stages.map((v) => v.value)).toEqual(deal.stageHistory.map((s) => s.stageKey).reverse());
    expect(record.propertiesWithHistory?.closedate?.length).toBe(deal.closeDateHistory.length);
    const contacts = record.associations?.contacts?.results.map((r) => r.id) ?? [];
    expect(contacts.sort()).toEqual(deal.contacts.map((c) => String(10_000_000_000 + c.contactN)).sort());
    expect(record.associations?.companies?.results[0]?.id).toBe(String(20_000_000_000 + deal.companyN!));
  });

  it('renders engagements with HubSpot property names', async () => {
    const call = sandbox.world.activities.find((a) => a.type === 'call' && a.callStatus === 'COMPLETED')!;
    const rec = await client.crm.objects.calls.basicApi.getById(String(50_000_000_000 + call.n), [
      'hs_call_direction',
      'hs_call_status',
      'hs_call_duration',
      'hs_timestamp',
      'hubspot_owner_id',
    ]);
    expect(rec.properties.hs_call_status).toBe('COMPLETED');
    expect(rec.properties.hs_call_duration).toBe(String(call.durationSeconds! * 1000));
    expect(rec.properties.hs_timestamp).toBe(call.occurredAt);
    const meeting = sandbox.world.activities.find((a) => a.type === 'meeting' && a.contactNs.length >= 2)!;
    const m = await client.crm.objects.meetings.basicApi.getById(
      String(60_000_000_000 + meeting.n),
      ['hs_meeting_outcome', 'hs_meeting_start_time'],
      undefined,
      ['contacts', 'deals'],
    );
    expect(m.properties.hs_meeting_outcome).toBe(meeting.meetingOutcome);
    expect(m.associations?.contacts?.results).toHaveLength(meeting.contactNs.length);
    const email = sandbox.world.activities.find((a) => a.type === 'email' && a.direction === 'inbound')!;
    const e = await client.crm.objects.emails.basicApi.getById(String(40_000_000_000 + email.n), [
      'hs_email_direction',
    ]);
    expect(e.properties.hs_email_direction).toBe('INCOMING_EMAIL');
  });

  it('answers 404 with HubSpot error body for an unknown id', async () => {
    const { code, body } = await apiError(client.crm.deals.basicApi.getById('30099999999'));
    expect(code).toBe(404);
    expect(body.category).toBe('OBJECT_NOT_FOUND');
    expect(typeof body.correlationId).toBe('string');
  });

  it('batch reads up to 100 inputs; 101 is a 400; missing ids are a 207', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => String(30_000_000_001 + i));
    const ok = await client.crm.deals.batchApi.read({
      inputs: ids.map((id) => ({ id })),
      properties: ['amount'],
      propertiesWithHistory: [],
    });
    expect(ok.results).toHaveLength(100);
    const tooMany = await apiError(
      client.crm.deals.batchApi.read({
        inputs: [...ids, '30000000101'].map((id) => ({ id })),
        properties: [],
        propertiesWithHistory: [],
      }),
    );
    expect(tooMany.code).toBe(400);
    expect(tooMany.body.category).toBe('VALIDATION_ERROR');
    const partial = await client.crm.deals.batchApi.read({
      inputs: [{ id: ids[0]! }, { id: '30099999999' }],
      properties: [],
      propertiesWithHistory: [],
    });
    expect(partial.results).toHaveLength(1);
    expect('numErrors' in partial && partial.numErrors).toBe(1);
  });

  it('persists batch updates, moves hs_lastmodifieddate and records the writes', async () => {
    sandbox.inspect.reset();
    const ids = ['30000000010', '30000000011'];
    const before = await client.crm.deals.basicApi.getById(ids[0]!, ['hs_lastmodifieddate']);
    const result = await client.crm.deals.batchApi.update({
      inputs: ids.map((id, i) => ({
        id,
        properties: { hs_next_step: `Call back ${i}`, amount: String(1000 + i) },
      })),
    });
    expect(result.results).toHaveLength(2);
    const after = await client.crm.deals.basicApi.getById(
      ids[0]!,
      ['hs_next_step', 'amount', 'hs_lastmodifieddate'],
      ['amount'],
    );
    expect(after.properties.hs_next_step).toBe('Call back 0');
    expect(after.properties.amount).toBe('1000');
    expect(after.propertiesWithHistory?.amount?.[0]?.value).toBe('1000');
    expect(Date.parse(after.properties.hs_lastmodifieddate!)).toBeGreaterThan(
      Date.parse(before.properties.hs_lastmodifieddate!),
    );
    const since = Date.parse(after.properties.hs_lastmodifieddate!) - 1;
    const changed = await client.crm.deals.searchApi.doSearch({
      filterGroups: [
        {
          filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE' as never, value: String(since) }],
        },
      ],
      sorts: ['hs_lastmodifieddate'],
      properties: ['hs_next_step'],
      limit: 100,
      after: '0',
    });
    expect(changed.results.map((r) => r.id).sort()).toEqual(ids);
    const writes = sandbox.inspect.writes();
    expect(writes.map((w) => [w.recordId, w.operation, w.values.hs_next_step])).toEqual([
      ['30000000010', 'update', 'Call back 0'],
      ['30000000011', 'update', 'Call back 1'],
    ]);
    expect(sandbox.inspect.callsByEndpoint()['POST /crm/v3/objects/deals/batch/update']).toBe(1);
  });

  it('fails a write of an unknown property with PROPERTY_DOESNT_EXIST, and bad values per record with 207', async () => {
    const unknown = await apiError(
      client.crm.deals.batchApi.update({ inputs: [{ id: '30000000012', properties: { ph_score: '50' } }] }),
    );
    expect(unknown.code).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('PROPERTY_DOESNT_EXIST');
    const mixed = await client.crm.deals.batchApi.update({
      inputs: [
        { id: '30000000012', properties: { amount: 'not a number' } },
        { id: '30000000013', properties: { amount: '5' } },
      ],
    });
    expect('numErrors' in mixed && mixed.numErrors).toBe(1);
    expect(mixed.results.map((r) => r.id)).toEqual(['30000000013']);
    sandbox.faults.failRecords = { '30000000014': 'Injected failure' };
    const injected = await client.crm.deals.batchApi.update({
      inputs: [
        { id: '30000000014', properties: { hs_next_step: 'x' } },
        { id: '30000000015', properties: { hs_next_step: 'y' } },
      ],
    });
    sandbox.faults.failRecords = {};
    expect('errors' in injected && injected.errors?.[0]?.message).toBe('Injected failure');
    expect(injected.results.map((r) => r.id)).toEqual(['30000000015']);
  });

  it('creates tasks associated to a deal, upserts, and archives', async () => {
    const created = await client.crm.objects.tasks.batchApi.create({
      inputs: [
        {
          properties: {
            hs_timestamp: '2026-12-01T09:00:00Z',
            hs_task_subject: 'Buyer silent',
            hs_task_status: 'NOT_STARTED',
          },
          associations: [
            {
              to: { id: '30000000020' },
              types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 216 }],
            },
          ],
        },
      ],
    });
    const taskId = created.results[0]!.id;
    const task = await client.crm.objects.tasks.basicApi.getById(taskId, ['hs_task_subject'], undefined, [
      'deals',
    ]);
    expect(task.properties.hs_task_subject).toBe('Buyer silent');
    expect(task.associations?.deals?.results[0]?.id).toBe('30000000020');
    const fromDeal = await client.crm.associations.v4.batchApi.getPage('deals', 'tasks', {
      inputs: [{ id: '30000000020' }],
    });
    expect(fromDeal.results[0]?.to.map((t) => String(t.toObjectId))).toContain(taskId);
    const missing = await client.crm.objects.tasks.batchApi.create({
      inputs: [{ properties: { hs_task_subject: 'no timestamp' }, associations: [] }],
    });
    expect('numErrors' in missing && missing.numErrors).toBe(1);

    const upserted = await client.crm.deals.batchApi.upsert({
      inputs: [{ id: '30000000021', properties: { hs_next_step: 'upserted' } }],
    });
    expect(upserted.results[0]?._new).toBe(false);
    await client.crm.deals.basicApi.archive('30000000022');
    await apiError(client.crm.deals.basicApi.getById('30000000022'));
    const archived = await client.crm.deals.basicApi.getById(
      '30000000022',
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archived.archived).toBe(true);
    const archivedPage = await client.crm.deals.basicApi.getPage(
      10,
      undefined,
      undefined,
      undefined,
      undefined,
      true,
    );
    expect(archivedPage.results.map((r) => r.id)).toEqual(['30000000022']);
    const single = await client.crm.deals.basicApi.update('30000000023', {
      properties: { dealstage: 'closedwon' },
    });
    expect(single.properties.dealstage).toBe('closedwon');
    const after = await client.crm.deals.basicApi.getById('30000000023', [
      'hs_is_closed_won',
      'hs_date_entered_closedwon',
    ]);
    expect(after.properties.hs_is_closed_won).toBe('true');
    expect(after.properties.hs_date_entered_closedwon).not.toBeNull();
  });
});
