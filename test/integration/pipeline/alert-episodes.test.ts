import { Client } from '@hubspot/api-client';
import { Connection } from 'jsforce';
import { describe, expect, it } from 'vitest';
import type { CrmKind } from '../../../src/domain/index.ts';
import type { CrmUnderTest } from './crm-fixture.ts';
import { useCrmRuntime } from './crm-runtime.ts';

/** What a rep does in the CRM UI, through each CRM's own API. */
interface RepActions {
  setCloseDate(dealId: string, isoDate: string): Promise<void>;
  /** The rep marks the task completed. */
  finishTask(taskId: string): Promise<void>;
}

function repActions(target: CrmUnderTest): RepActions {
  if (target.crm === 'hubspot') {
    const client = new Client({
      accessToken: target.sandbox.accessToken,
      basePath: target.sandbox.baseUrl,
      numberOfApiCallRetries: 0,
    });
    return {
      async setCloseDate(dealId, isoDate) {
        await client.crm.deals.basicApi.update(dealId, {
          properties: { closedate: `${isoDate}T00:00:00.000Z` },
        });
      },
      async finishTask(taskId) {
        await client.crm.objects.tasks.basicApi.update(taskId, {
          properties: { hs_task_status: 'COMPLETED' },
        });
      },
    };
  }
  const admin = new Connection({
    instanceUrl: target.sandbox.baseUrl,
    accessToken: target.sandbox.accessToken,
    version: '62.0',
  });
  return {
    async setCloseDate(dealId, isoDate) {
      await admin.sobject('Opportunity').update({ Id: dealId, CloseDate: isoDate });
    },
    async finishTask(taskId) {
      await admin.sobject('Task').update({ Id: taskId, Status: 'Completed' });
    },
  };
}

/**
 * Issue 14 item 5: alerts have episodes. An alert whose condition clears and later returns is
 * raised again as a new task (the rep's completed task of the earlier episode is not re-linked); within one episode a completed task is not raised again.
 */
describe.each<CrmKind>(['hubspot', 'salesforce'])('alert episodes (%s)', (crm) => {
  const env = useCrmRuntime(crm, 'episodes', {
    deals: 120,
    seed: 5,
    tenant: { alerts: { enabled: true, dailyCapPerOwner: 100_000 } },
  });

  it('raises a returning alert again and a completed one of the same episode never', {
    timeout: 300_000,
  }, async () => {
    const store = env.runtime.deps.store('episodes');
    const rep = repActions(env.target);
    const cycle = async () => {
      const run = await env.runtime.runCycle({ tenantId: 'episodes', trigger: 'manual', fullResync: true });
      expect(run.error).toBeUndefined();
      return run;
    };
    const tasksFor = (dealId: string) =>
      env.target
        .taskCreates()
        .filter((w) => env.target.alertKeyOf(w).includes(`:${dealId}:close_date_passed`))
        .map((w) => ({ key: env.target.alertKeyOf(w), taskId: w.recordId }));

    await cycle();
    const open = await store.alerts.openAlerts();
    const key = [...open.keys()].find((k) => k.endsWith(':close_date_passed'));
    if (key === undefined) throw new Error('the world has no deal with a passed close date');
    const dealId = key.split(':')[1]!;
    const [first] = tasksFor(dealId);
    expect(first).toBeDefined();
    expect(tasksFor(dealId)).toHaveLength(1);

    // The rep finishes the task and fixes the close date: the condition clears.
    await rep.finishTask(first!.taskId);
    await rep.setCloseDate(dealId, '2099-06-30');
    const cleared = await cycle();
    expect((cleared.steps.alert as { cleared: number }).cleared).toBeGreaterThanOrEqual(1);
    expect(tasksFor(dealId)).toHaveLength(1);

    // The close date slips into the past again: a new episode, a new task.
    await rep.setCloseDate(dealId, '2020-01-15');
    await cycle();
    const tasks = tasksFor(dealId);
    expect(tasks).toHaveLength(2);
    expect(tasks[1]!.taskId).not.toBe(first!.taskId);

    // Within this episode the rep completes the task while the condition persists: not raised again.
    await rep.finishTask(tasks[1]!.taskId);
    await cycle();
    expect(tasksFor(dealId)).toHaveLength(2);

    // Issue 14 item 9: the task body says its suggested action once.
    for (const w of env.target.taskCreates()) {
      const body = String(w.values.hs_task_body ?? w.values.Description);
      expect(body.match(/Suggested action:/g)).toHaveLength(1);
    }
  });
});
