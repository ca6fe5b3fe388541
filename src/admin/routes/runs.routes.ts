import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { redactSecrets } from '../../shared/redact.ts';
import type { TenantStateStore } from '../../store/tenant-state.store.ts';
import { AdminHttpError } from '../admin-error.ts';
import {
  DealParamsSchema,
  RunBodySchema,
  RunParamsSchema,
  StatusQuerySchema,
  TenantParamsSchema,
} from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { validate } from '../validate-body.ts';
import { type HealthResult, REP_ACTION_LABELS } from '../../domain/index.ts';

interface Driver {
  key: string;
  label: string;
  contribution: number;
  evidence: string;
}

/**
 * What pulls the deal's score down (most negative first; the reasons are the first three) and what
 * lifts it, from the contributions stored with the result (the model it was scored with).
 */
function driversOf(result: HealthResult): { negative: Driver[]; positive: Driver[] } {
  const all = result.indicators.map((i, j) => ({
    key: i.key,
    label: i.label,
    contribution: result.contributions?.[j] ?? 0,
    evidence: i.evidence,
  }));
  return {
    negative: all.filter((d) => d.contribution < 0).sort((x, y) => x.contribution - y.contribution),
    positive: all.filter((d) => d.contribution > 0).sort((x, y) => y.contribution - x.contribution),
  };
}

/** `Idempotency-Key` of a run-now request: 1-200 characters, letters, digits and `._:-`. */
const IdempotencyHeaderSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1-200 letters, digits or ._:-')
    .optional(),
});

/** Latest quarantined records shown by the status route. */
const QUARANTINE_SHOWN = 20;

/** A stored run summary as shown: step timings, API calls, 429s, error; nothing secret. */
function runView(run: Record<string, unknown>): Record<string, unknown> {
  const steps = (run.steps ?? {}) as Record<string, Record<string, unknown>>;
  return redactSecrets({
    runId: run.runId,
    trigger: run.trigger,
    status: run.status,
    asOf: run.asOf,
    finishedAt: run.finishedAt,
    apiCalls: run.apiCalls,
    rateLimited: run.rateLimited,
    error: run.error ?? null,
    steps: Object.fromEntries(Object.entries(steps).map(([name, s]) => [name, s])),
  }) as Record<string, unknown>;
}

async function runningView(store: TenantStateStore): Promise<Record<string, unknown> | null> {
  const runId = await store.runs.cycleLockHolder();
  if (runId === null) return null;
  return { runId, status: 'running', steps: redactSecrets(await store.runs.runSteps(runId)) };
}

/** Run now, tenant status, one run, and the explanation of one deal's score. */
export function registerRunRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.post('/tenants/:tenantId/runs', async (request, reply) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const body = validate(RunBodySchema, request.body ?? {});
    await catalog.require(tenantId);
    if (await catalog.isPaused(tenantId)) {
      throw new AdminHttpError('TENANT_PAUSED', `Tenant "${tenantId}" is paused; resume it first`);
    }
    const view = (runId: string, replayed: boolean) => ({
      runId,
      status: 'queued',
      statusUrl: `/tenants/${tenantId}/runs/${encodeURIComponent(runId)}`,
      ...(replayed ? { replayed: true } : {}),
    });
    // A retried request with the same Idempotency-Key gets the run the first one started.
    const { 'idempotency-key': key } = validate(IdempotencyHeaderSchema, request.headers, 'headers');
    const keys = key === undefined ? undefined : deps.idempotency;
    if (keys && key !== undefined) {
      const claim = await keys.claim(tenantId, key);
      if (!claim.claimed) {
        if (claim.runId !== null) return reply.status(202).send(view(claim.runId, true));
        throw new AdminHttpError('RUN_IN_PROGRESS', `A request with this Idempotency-Key is in progress`, {
          extra: { runId: null },
        });
      }
    }
    let outcome: Awaited<ReturnType<typeof deps.startRun>>;
    try {
      outcome = await deps.startRun({ tenantId, fullResync: body.fullResync });
    } catch (err) {
      if (keys && key !== undefined) await keys.release(tenantId, key);
      throw err;
    }
    if (!outcome.started) {
      if (keys && key !== undefined) await keys.release(tenantId, key);
      throw new AdminHttpError('RUN_IN_PROGRESS', `A cycle is already running for "${tenantId}"`, {
        extra: { runId: outcome.runId },
      });
    }
    if (keys && key !== undefined) await keys.complete(tenantId, key, outcome.runId);
    return reply.status(202).send(view(outcome.runId, false));
  });

  app.get('/tenants/:tenantId/status', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { limit } = validate(StatusQuerySchema, request.query ?? {}, 'query');
    await catalog.require(tenantId);
    const store = deps.store(tenantId);
    const [runs, running, quarantineCount, quarantined, deals] = await Promise.all([
      store.runs.recent(limit),
      runningView(store),
      store.sync.quarantineCount(),
      store.sync.quarantined(QUARANTINE_SHOWN),
      store.deals.dealCount(),
    ]);
    const usage = deps.apiUsage?.(tenantId) ?? null;
    return {
      tenantId,
      deals,
      running,
      runs: runs.map(runView),
      apiUsage: usage && {
        calls: usage.calls,
        rateLimited: usage.rateLimited,
        dailyUsed: usage.daily.used,
        dailyMax: usage.daily.max,
        dailyLeft:
          usage.daily.used !== null && usage.daily.max !== null
            ? Math.max(0, usage.daily.max - usage.daily.used)
            : null,
      },
      quarantine: {
        count: quarantineCount,
        // The raw record is left out: it is CRM data, and the reason says what was wrong.
        latest: quarantined.map((q) => ({
          objectType: q.objectType,
          recordId: q.recordId,
          reason: q.reason,
          at: q.at,
        })),
      },
    };
  });

  // Run history: each run's status, steps (duration and counts), API calls and redacted error.
  app.get('/tenants/:tenantId/runs', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { limit } = validate(StatusQuerySchema, request.query ?? {}, 'query');
    await catalog.require(tenantId);
    return { tenantId, runs: (await deps.store(tenantId).runs.recent(limit)).map(runView) };
  });

  app.get('/tenants/:tenantId/runs/:runId', async (request) => {
    const { tenantId, runId } = validate(RunParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const store = deps.store(tenantId);
    const finished = (await store.runs.recent(50)).find((r) => r.runId === runId);
    if (finished) return runView(finished);
    const running = await runningView(store);
    if (running && running.runId === runId) return running;
    // Queued or running without the lock view (another process): its steps so far, if any.
    const steps = await store.runs.runSteps(runId);
    if (Object.keys(steps).length > 0) return { runId, status: 'running', steps: redactSecrets(steps) };
    throw new AdminHttpError('RUN_NOT_FOUND', `No run "${runId}" for tenant "${tenantId}"`);
  });

  app.get('/tenants/:tenantId/deals/:dealId/explain', async (request) => {
    const { tenantId, dealId } = validate(DealParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const result = await deps.store(tenantId).results.getResult(dealId);
    if (!result) {
      throw new AdminHttpError('DEAL_NOT_FOUND', `No scored deal "${dealId}" for tenant "${tenantId}"`);
    }
    return {
      dealId: result.dealId,
      asOf: result.asOf,
      score: result.score,
      band: result.band,
      winProbability: result.winProbability,
      confidence: result.confidence,
      trend: result.trend,
      reasons: result.reasons,
      modelVersion: result.modelVersion,
      // What pulls the score down and what lifts it, in the model the deal was scored with.
      drivers: driversOf(result),
      // What would raise this deal: the rep's actions with the model's estimated lift, best first.
      actions: (result.actions ?? []).map((a) => ({
        key: a.key,
        action: REP_ACTION_LABELS[a.key],
        lift: a.lift,
        unit: result.winProbability === null ? 'health score points' : 'win probability points',
      })),
      indicators: result.indicators.map((i) => ({
        key: i.key,
        label: i.label,
        value: i.value,
        subScore: i.subScore,
        confidence: i.confidence,
        evidence: i.evidence,
      })),
    };
  });
}
