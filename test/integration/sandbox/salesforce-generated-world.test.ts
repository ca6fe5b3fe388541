import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';

type Rec = Record<string, unknown> & { Id: string };

describe('Salesforce sandbox: serving a generated world (messy records included)', () => {
  let world: SandboxWorld;
  let sandbox: SalesforceSandboxHandle;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    world = generateWorld({ seed: 7, deals: 150, now: '2026-11-20T00:00:00.000Z', messyShare: 0.2 });
    sandbox = await startSalesforceSandbox({ world });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const all = async (soql: string) =>
    (await conn.query<Rec>(soql, { autoFetch: true, maxFetch: 1_000_000 })).records;

  it('serves one Opportunity per deal with the deal values', async () => {
    const opps = await all(
      'SELECT Id, Name, Amount, CloseDate, StageName, IsClosed, OwnerId FROM Opportunity ORDER BY Id',
    );
    expect(opps).toHaveLength(world.deals.length);
    for (const deal of world.deals) {
      const opp = opps.find((o) => o.Id === sandbox.idOf('deal', deal.n));
      expect(opp).toMatchObject({
        Name: deal.name,
        Amount: deal.amount,
        CloseDate: deal.closeDate,
        OwnerId: sandbox.idOf('owner', deal.ownerN!), // generated deals always have an owner
      });
    }
  });

  it('marks closed deals closed, and keeps unknown stages open with the raw stage name', async () => {
    const stages = new Map(world.pipelines.flatMap((p) => p.stages.map((s) => [s.key, s] as const)));
    const opps = await all('SELECT Id, StageName, IsClosed, IsWon FROM Opportunity');
    for (const deal of world.deals) {
      const opp = opps.find((o) => o.Id === sandbox.idOf('deal', deal.n));
      const stage = stages.get(deal.stageKey);
      expect(opp?.IsClosed).toBe(stage?.isClosed ?? false);
      expect(opp?.IsWon).toBe(stage?.isWon ?? false);
      expect(opp?.StageName).toBe(stage?.label ?? deal.stageKey);
    }
  });

  it('renders every activity as the Salesforce record its type maps to', async () => {
    const count = async (soql: string) => (await conn.query(soql)).totalSize;
    const byType = (type: string) => world.activities.filter((a) => a.type === type).length;
    expect(await count('SELECT COUNT() FROM EmailMessage')).toBe(byType('email'));
    expect(await count("SELECT COUNT() FROM Task WHERE TaskSubtype = 'Email'")).toBe(byType('email'));
    expect(await count("SELECT COUNT() FROM Task WHERE TaskSubtype = 'Call'")).toBe(byType('call'));
    expect(await count('SELECT COUNT() FROM Event')).toBe(byType('meeting'));
    expect(await count("SELECT COUNT() FROM Task WHERE TaskSubtype = 'Task'")).toBe(
      byType('note') + byType('task'),
    );
  });

  it('exposes the qualification fields as Opportunity custom fields in describe', async () => {
    const keys = new Set(world.deals.flatMap((d) => Object.keys(d.qualification)));
    const described = await conn.sobject('Opportunity').describe();
    const custom = described.fields.filter((f) => f.custom).map((f) => f.name);
    expect(custom.length).toBeGreaterThanOrEqual(keys.size);
    expect(custom.every((n) => n.endsWith('__c'))).toBe(true);
  });
});
