import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncPage } from '../../../connectors/crm-connector.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';
import { connectorFor, makeWorld, merged, pullAll, startSandbox } from './salesforce-fixture.ts';

/**
 * Salesforce datetimes have whole-second precision: the REST API renders them as
 * `2026-12-04T13:32:48.000+0000` (REST API Developer Guide, "Valid Date and DateTime Formats";
 * SOQL and SOSL Reference, "Date Formats and Date Literals": fractional seconds are not stored),
 * so a bulk update leaves many records with one SystemModstamp second. The connector's keyset
 * (SystemModstamp, Id) must then page and resume without losing or repeating a record.
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm
 */
const SECOND = '2026-11-19T13:32:48';
const DEALS = 600;

describe('Salesforce: many records in one SystemModstamp second', () => {
  let sandbox: SalesforceSandboxHandle;
  let world: SandboxWorld;

  beforeAll(async () => {
    world = makeWorld(DEALS, 9, 0);
    // One mass update: every opportunity saved within the same second (the world has milliseconds).
    world.deals = world.deals.map((d, i) => ({
      ...d,
      updatedAt: `${SECOND}.${String(i % 1000).padStart(3, '0')}Z`,
    }));
    sandbox = await startSandbox(world);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('the sandbox returns whole seconds, REST and Bulk CSV alike', async () => {
    const conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
    const rows = (
      await conn.query<{ SystemModstamp: string; CreatedDate: string }>(
        'SELECT SystemModstamp, CreatedDate FROM Opportunity',
        { autoFetch: true, maxFetch: 10_000 },
      )
    ).records;
    expect(rows).toHaveLength(DEALS);
    expect(new Set(rows.map((r) => r.SystemModstamp))).toEqual(new Set([`${SECOND}.000+0000`]));
    for (const r of rows) expect(r.CreatedDate).toMatch(/T\d{2}:\d{2}:\d{2}\.000\+0000$/);
    // A filter on the whole second finds them all (no hidden milliseconds).
    const exact = await conn.query(`SELECT Id FROM Opportunity WHERE SystemModstamp = ${SECOND}Z`);
    expect(exact.totalSize).toBe(DEALS);
    const created = (await conn
      .sobject('Task')
      .create({ Subject: 'now', WhatId: sandbox.idOf('deal', 1) })) as {
      id: string;
    };
    const task = (
      await conn.query<{ SystemModstamp: string }>(
        `SELECT SystemModstamp FROM Task WHERE Id = '${created.id}'`,
      )
    ).records[0];
    expect(task?.SystemModstamp).toMatch(/\.000\+0000$/);
    await conn.sobject('Task').destroy(created.id);

    const job = await conn.request<{ id: string }>({
      method: 'POST',
      url: '/services/data/v62.0/jobs/query',
      body: JSON.stringify({ operation: 'query', query: 'SELECT Id, SystemModstamp FROM Opportunity' }),
      headers: { 'content-type': 'application/json' },
    });
    await conn.request(`/services/data/v62.0/jobs/query/${job.id}`);
    await conn.request(`/services/data/v62.0/jobs/query/${job.id}`);
    const csv = await fetch(`${sandbox.baseUrl}/services/data/v62.0/jobs/query/${job.id}/results`, {
      headers: { authorization: `Bearer ${sandbox.accessToken}` },
    }).then((r) => r.text());
    const stamps = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1]);
    expect(stamps).toHaveLength(DEALS);
    expect(new Set(stamps)).toEqual(new Set([`"${SECOND}.000+0000"`]));
  });

  it('REST: an incremental pull pages through one second (200 per page) and resumes after a crash: nothing lost, nothing repeated', async () => {
    const since = JSON.stringify({ v: 1, state: 'done', nextSince: '2026-11-19T00:00:00.000Z' });
    const options = { bulk: false, pageSize: 200 } as const;
    const whole = merged((await pullAll(connectorFor(sandbox, options), since)).pages);
    expect(whole.deals).toHaveLength(DEALS);

    // Stop after the first page of opportunities, resume from its cursor with a fresh connector.
    const first: SyncPage[] = [];
    for await (const page of connectorFor(sandbox, options).pull(since)) {
      first.push(page);
      if (page.deals.length > 0) break;
    }
    const stopped = JSON.parse(first.at(-1)?.cursor ?? '{}') as { after?: { modstamp: string; id: string } };
    expect(stopped.after?.modstamp).toBe(`${SECOND}.000Z`);
    const resumed = merged(
      (await pullAll(connectorFor(sandbox, options), first.at(-1)?.cursor ?? null)).pages,
    );
    const ids = [...first.flatMap((p) => p.deals), ...resumed.deals].map((d) => d.id);
    expect(ids).toHaveLength(DEALS);
    expect(new Set(ids).size).toBe(DEALS);
  });

  it('Bulk: a full sync through 200-row results pages resumes after a crash: nothing lost, nothing repeated', async () => {
    const options = {
      bulkThreshold: 100,
      bulkChoice: 'always',
      bulkMaxRecords: 200,
      sleep: async () => {},
    } as const;
    const first: SyncPage[] = [];
    for await (const page of connectorFor(sandbox, options).pull(null)) {
      first.push(page);
      if (page.deals.length > 0) break;
    }
    const resumed = merged(
      (await pullAll(connectorFor(sandbox, options), first.at(-1)?.cursor ?? null)).pages,
    );
    const ids = [...first.flatMap((p) => p.deals), ...resumed.deals].map((d) => d.id);
    expect(ids).toHaveLength(DEALS);
    expect(new Set(ids).size).toBe(DEALS);
  });
});
