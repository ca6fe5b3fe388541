import { describe, expect, it } from 'vitest';
import type { AlertSummary } from '../../../jobs/alert.job.ts';
import { useCrmRuntime } from './crm-runtime.ts';

/**
 * The per-owner daily cap (docs/PIPELINE.md, alerts): an owner gets at most `dailyCapPerOwner` new
 * alert tasks a day, whatever the number of deals that warrant one; the rest are counted as
 * suppressed and raised on a later day while their condition holds.
 */
describe('the owners daily alert cap in a cycle', () => {
  const env = useCrmRuntime('hubspot', 'capped', {
    deals: 120,
    seed: 5,
    tenant: { alerts: { enabled: true, dailyCapPerOwner: 2 } },
  });

  it('raises at most the cap per owner and counts every other candidate', { timeout: 180_000 }, async () => {
    const run = await env.runtime.runCycle({ tenantId: 'capped', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    const alert = run.steps.alert as unknown as AlertSummary;
    const perOwner = new Map<string, number>();
    for (const w of env.target.taskCreates()) {
      const owner = String(w.values.hubspot_owner_id);
      perOwner.set(owner, (perOwner.get(owner) ?? 0) + 1);
    }
    expect(perOwner.size).toBeGreaterThan(0);
    for (const n of perOwner.values()) expect(n).toBeLessThanOrEqual(2);
    expect(alert.raised).toBe(env.target.taskCreates().length);
    expect(alert.suppressedByCap).toBeGreaterThan(0);
    // Each candidate is raised, over the cap, already open, or has no active owner to take it.
    const accounted = (a: AlertSummary) =>
      a.raised + a.suppressedByCap + a.alreadyOpen + a.unassigned + a.failed;
    expect(accounted(alert)).toBe(alert.candidates);

    // The next run the same day: the owners are at their cap, nothing new, the rest still counted.
    const again = await env.runtime.runCycle({ tenantId: 'capped', trigger: 'manual', fullResync: false });
    const second = again.steps.alert as unknown as AlertSummary;
    expect(second.raised).toBe(0);
    expect(env.target.taskCreates().length).toBe(alert.raised);
    expect(accounted(second)).toBe(second.candidates);
  });
});
