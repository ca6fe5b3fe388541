import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingReport } from '../../../jobs/train.job.ts';
import { evaluateTenant, renderEvaluation } from '../../../src/cli/commands/evaluate.command.ts';
import { renderTrainingReport } from '../../../src/cli/commands/train.command.ts';
import { Runtime } from '../../../src/cli/runtime.ts';
import { type Tenant, TenantSchema } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { QUALIFICATION_FIELDS, qualifiedDeals } from '../../unit/qualification/qualification-records.ts';
import { PIPELINE } from '../../unit/scoring/fixtures.ts';

// Closed deals only (qualification fields and an outcome, no activities), stored as a sync would:
// `train` fits a model that uses the fields, `evaluate` cross-validates it.
describe('train and evaluate on closed deals with qualification fields', () => {
  let redis: RedisEndpoint;
  let runtime: Runtime;
  let store: TenantStateStore;
  let tenant: Tenant;
  const prefix = `q${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    tenant = TenantSchema.parse({
      id: 'acme',
      name: 'Acme',
      connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'unused' } },
      scoring: { qualificationFields: QUALIFICATION_FIELDS },
    });
    runtime = new Runtime({
      redis,
      prefix,
      logger: createLogger({ level: 'silent', destination: process.stderr as never }),
      tenants: [tenant],
      concurrency: 1,
      now: () => Date.parse('2026-01-01T00:00:00Z'),
    });
    store = runtime.deps.store(tenant.id);
    await store.sync.saveMetadata({ pipelines: [PIPELINE], owners: [], targets: [] });
    await store.sync.savePage({
      deals: qualifiedDeals(300, 21).map((r) => r.deal),
      activities: [],
      contacts: [],
      accounts: [],
      deletedDealIds: [],
      quarantined: [],
      cursor: 'c1',
    });
  }, 60_000);

  afterAll(async () => {
    await runtime?.close();
    await redis?.close();
  });

  it('train fits on the fields and reports each field learned effect', async () => {
    const report = (await runtime.runTraining(tenant.id, { timeoutMs: 60_000 })) as TrainingReport;
    // Fitted and reported whether or not it beats the prior enough to be adopted (issue 15).
    expect(report.adoption.code).not.toBe('too_few_deals');
    expect(report.adoption.reason.length).toBeGreaterThan(0);
    expect(report.counts.won + report.counts.lost).toBe(300);
    expect(report.coefficients!['field:budget_allocated']!).toBeGreaterThan(0);
    const budget = report.qualificationFields.find((f) => f.field === 'budget_allocated')!;
    expect(budget.levels.find((l) => l.level === 'Yes')!.winRate!).toBeGreaterThan(
      budget.levels.find((l) => l.level === 'No')!.winRate!,
    );
    const stored = await store.documents.getJson<TrainingReport>('trainingReport');
    expect(stored?.modelVersion).toBe(report.modelVersion);
    // Issue 15 item 4: the stored report (what the model report API returns) names the learner,
    // why, and both candidates' cross-validated AUC and Brier.
    expect(['logistic', 'trees']).toContain(stored!.selection!.family);
    expect(stored!.selection!.reason.length).toBeGreaterThan(10);
    for (const c of [stored!.selection!.candidates.logistic, stored!.selection!.candidates.trees!]) {
      expect(c.auc.mean).toBeGreaterThan(0);
      expect(c.brier.mean).toBeGreaterThan(0);
    }
    expect(renderTrainingReport(report)).toContain(`learner: ${report.selection!.reason}`);
    const text = renderTrainingReport(report);
    expect(text).toContain('Budget allocated (budget_allocated, boolean');
    expect(text).toMatch(/Yes\s+won\s+\d+% of \d+ closed deals/);
  }, 90_000);

  it('evaluate cross-validates deterministically', async () => {
    const a = await evaluateTenant(store, tenant, { folds: 5, repeats: 2, seed: 3 });
    // A second reader (as the CLI opens its own connection) sees the same data and result.
    const client = redis.createClient();
    const b = await evaluateTenant(new TenantStateStore(client, prefix, tenant.id), tenant, {
      folds: 5,
      repeats: 2,
      seed: 3,
    });
    client.disconnect();
    expect(a.status).toBe('evaluated');
    expect(b).toEqual(a);
    expect(a.auc!.mean).toBeGreaterThan(0.6);
    expect(a.indicators.map((i) => i.key)).toContain('field:competitor');
    expect(renderEvaluation(a)).toMatch(/AUC\s+0\.\d{3} ± 0\.\d{3}/);
  }, 60_000);
});
