import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainingReport } from '../../../jobs/train.job.ts';
import { createSalesforceConnector } from '../../../connectors/salesforce/salesforce.connector.ts';
import { evaluateTenant } from '../../../src/cli/commands/evaluate.command.ts';
import { Runtime } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { importExportFile } from '../../../src/import/export-importer.ts';
import { readWorldFile, tenantFieldsFor, writeWorldFile } from '../../../src/import/world-file.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { resolveRedis } from '../../../src/store/redis-connection.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-import-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A Salesforce-style opportunity export, semicolon-separated with local dates and euro amounts:
// 240 closed deals (qualification fields and an outcome, no activities) and 6 open ones.
function exportText(): string {
  let seed = 17;
  const rand = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const lines = [
    'Opportunity Name;Stage;Amount;Close Date;Opportunity Owner;Won;Closed;Budget Allocated;Competitor',
  ];
  const date = (ms: number) => {
    const d = new Date(ms);
    return `${String(d.getUTCDate()).padStart(2, '0')}.${String(d.getUTCMonth() + 1).padStart(2, '0')}.${d.getUTCFullYear()}`;
  };
  for (let i = 0; i < 240; i++) {
    const budget = rand() < 0.5;
    const competitor = rand() < 0.4;
    const won = rand() < 0.1 + (budget ? 0.55 : 0) + (competitor ? 0 : 0.25);
    const close = Date.UTC(2025, 0, 1) + i * 1.5 * 86_400_000;
    lines.push(
      [
        `"Opp ${i}"`,
        won ? 'Closed Won' : 'Closed Lost',
        `"€ ${1000 + i},00"`,
        date(close),
        i % 2 ? 'Ann Lee' : 'Bob Roe',
        won ? 'true' : 'false',
        'true',
        budget ? 'Yes' : 'No',
        competitor ? 'Present' : 'None',
      ].join(';'),
    );
  }
  for (let i = 0; i < 6; i++) {
    lines.push(
      [
        `"Open ${i}"`,
        'Proposal',
        '5000',
        '30.06.2026',
        'Ann Lee',
        '',
        'false',
        i < 3 ? 'No' : 'Yes',
        i < 3 ? 'Present' : 'None',
      ].join(';'),
    );
  }
  return lines.join('\r\n');
}

describe('import a closed-deals export into the Salesforce sandbox, then sync, score, train, evaluate', () => {
  it('learns from the qualification fields and cites them in reasons', async () => {
    const csv = join(dir, 'opps.csv');
    writeFileSync(csv, exportText());
    const result = await importExportFile(csv, {
      mapping: (await import('../../../src/import/import-mapping.ts')).ImportMappingSchema.parse({
        columns: { outcome: 'Won' },
        won: ['true'],
        lost: ['false'],
        open: [''],
        ignore: ['Closed'],
        dateOrder: 'dmy',
      }),
    });
    expect(result.rejected).toEqual([]);
    expect(result.counts.open).toBe(6);
    const worldPath = join(dir, 'opps.world.json');
    await writeWorldFile(worldPath, {
      format: 'pipeline-health-world-v1',
      crm: 'salesforce',
      source: csv,
      ...tenantFieldsFor('salesforce', result.fields),
      world: result.world,
    });
    const file = await readWorldFile(worldPath);
    expect(file.qualificationFields.map((f) => f.field)).toEqual(['Budget_Allocated__c', 'Competitor__c']);

    const sandbox = await startSandbox({ crm: 'salesforce', world: file.world });
    const redis = await resolveRedis(undefined);
    const logger = createLogger({ level: 'silent', destination: process.stderr as never });
    const [tenant] = parseTenants({
      tenants: [
        {
          id: 'imported',
          name: 'Imported',
          connection: {
            crm: 'salesforce',
            loginUrl: sandbox.baseUrl,
            developmentTarget: true,
            auth: { type: 'refresh_token', ...sandbox.oauth },
            extraFields: file.extraFields,
          },
          scoring: {
            qualificationFields: file.qualificationFields,
            weights: { 'field:Budget_Allocated__c': 2, 'field:Competitor__c': 2 },
          },
        },
      ],
    });
    const connector = createSalesforceConnector({
      connection: tenant!.connection as never,
      logger,
      assignPermissionSet: true,
    });
    const runtime = new Runtime({
      redis,
      prefix: `i${randomUUID().slice(0, 8)}`,
      logger,
      tenants: [tenant!],
      concurrency: 2,
      connector: () => connector,
      now: () => Date.parse(file.world.now),
    });
    try {
      await runtime.pool?.waitUntilReady();
      const first = await runtime.runCycle(
        { tenantId: 'imported', trigger: 'manual' },
        { timeoutMs: 120_000 },
      );
      expect(first.status).toBe('completed');
      const store = runtime.deps.store('imported');
      const openIds: string[] = [];
      let withFields = 0;
      for await (const chunk of store.deals.iterateDeals()) {
        for (const d of chunk) {
          if (!d.deal.isClosed) openIds.push(d.deal.id);
          if (typeof d.deal.fields.Competitor__c === 'string') withFields++;
        }
      }
      expect(openIds).toHaveLength(6);
      expect(withFields).toBe(246);

      const report = (await runtime.runTraining('imported', { timeoutMs: 120_000 })) as TrainingReport;
      // Fitted (coefficients reported) whether or not it is adopted over the prior (issue 15).
      expect(report.adoption.code).not.toBe('too_few_deals');
      expect(report.coefficients!['field:Budget_Allocated__c']!).toBeGreaterThan(0);
      expect(report.qualificationFields.map((f) => f.label)).toEqual(['Budget Allocated', 'Competitor']);

      const evaluation = await evaluateTenant(store, tenant!, { folds: 5, repeats: 2, seed: 1 });
      expect(evaluation.status).toBe('evaluated');
      expect(evaluation.auc!.mean).toBeGreaterThan(0.6);

      // The next cycle scores the open deals with the fields: reasons cite them.
      const second = await runtime.runCycle(
        { tenantId: 'imported', trigger: 'manual' },
        { timeoutMs: 120_000 },
      );
      expect(second.status).toBe('completed');
      const results = [...(await store.results.getResults(openIds)).values()];
      expect(results).toHaveLength(6);
      const reasons = results.flatMap((r) => r.reasons);
      expect(reasons).toContainEqual(
        expect.stringMatching(/^Budget Allocated: No, won \d+% of \d+ closed deals/),
      );
      const competitor = results.flatMap((r) => r.indicators.filter((i) => i.key === 'field:Competitor__c'));
      expect(competitor.map((i) => i.evidence)).toContainEqual(
        expect.stringMatching(/^Competitor: Present, won \d+%/),
      );
      // Deals without budget and with a competitor score below those with budget and none.
      const byBudget = (v: string) =>
        results.filter((r) => r.indicators.some((i) => i.evidence.startsWith(`Budget Allocated: ${v}`)));
      expect(Math.max(...byBudget('No').map((r) => r.score))).toBeLessThan(
        Math.min(...byBudget('Yes').map((r) => r.score)),
      );
      expect(reasons.some((r) => r.startsWith('Close date passed'))).toBe(false);
      // One story per deal (issue 15): a probability exactly when a model was adopted.
      const adopted = report.adoption.adopted;
      expect(results.every((r) => (r.winProbability !== null) === adopted)).toBe(true);
    } finally {
      await runtime.close();
      await sandbox.close();
      await redis.close();
    }
  }, 240_000);
});
