import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertKey, changedHealthFields, type HealthFieldValues } from '../../../src/domain/index.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { AlertTask, CrmConnector } from '../../../connectors/crm-connector.ts';
import { connectorFor, makeWorld, merged, pullAll, startSandbox, WORLD_NOW } from './salesforce-fixture.ts';

const PH_FIELDS = [
  'PH_Score__c',
  'PH_Band__c',
  'PH_Win_Probability__c',
  'PH_Reasons__c',
  'PH_Trend__c',
  'PH_Scored_At__c',
  'PH_Model_Version__c',
];

function health(score: number, scoredAt = WORLD_NOW): HealthFieldValues {
  return {
    score,
    band: score >= 70 ? 'healthy' : score >= 40 ? 'watch' : 'at_risk',
    winProbability: null,
    reasons: `No buyer reply in ${score % 17} days, usually 3\nOnly 1 buyer contact engaged in 30 days`,
    trend: 'steady',
    scoredAt,
    modelVersion: 'prior-v1',
  };
}

function compositeCalls(sandbox: SalesforceSandboxHandle, method: 'PATCH' | 'POST'): number {
  return sandbox.inspect.callsByEndpoint()[`${method} /services/data/vXX.X/composite/sobjects`] ?? 0;
}

describe('Salesforce connector: schema, health writes and alert tasks', () => {
  let sandbox: SalesforceSandboxHandle;
  let dealIds: string[];

  beforeAll(async () => {
    const world = makeWorld(40, 21, 0);
    sandbox = await startSandbox(world);
    dealIds = world.deals.map((d) => sandbox.idOf('deal', d.n));
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('refuses writes before the permission set is assigned, with the admin hint; works after', async () => {
    const connector = connectorFor(sandbox);
    const first = await connector.bootstrapSchema();
    expect(first.created).toContain('Opportunity.PH_Score__c');
    // Task custom fields are created on Activity (Object Reference: Task; Tooling API CustomField),
    // their field permissions on Task and Event.
    expect(first.created).toContain('Activity.PH_Alert_Key__c');
    expect(first.created).toContain('FieldPermissions Task.PH_Alert_Key__c');
    expect(first.created).toContain('FieldPermissions Event.PH_Alert_Key__c');
    expect(first.created).toContain('PermissionSet Pipeline_Health');

    const write = [{ dealId: dealIds[0] as string, values: changedHealthFields(undefined, health(55)) }];
    const refused = await connector.writeHealth(write).then(
      () => null,
      (err: unknown) => err,
    );
    // A hidden field is a missing one to the caller (the write-back bootstraps once and retries);
    // the CRM's own classification, with the one-time step, travels as the cause.
    expect(refused).toMatchObject({ code: 'CRM_SCHEMA_MISSING', cause: { code: 'CRM_PERMISSION' } });
    expect((refused as Error).message).toContain('Pipeline_Health');
    expect((refused as Error).message).toContain('integration user');

    // A second bootstrap finds everything; this one also assigns the set to the integration user.
    const second = await connectorFor(sandbox, { assignPermissionSet: true }).bootstrapSchema();
    // The existence check finds the Activity field (TableEnumOrId 'Activity').
    expect(second.existing).toEqual(expect.arrayContaining(first.created));
    expect(second.created).toEqual([`PermissionSetAssignment ${sandbox.apiUserId}`]);

    const outcome = await connectorFor(sandbox).writeHealth(write);
    expect(outcome).toEqual({ written: [dealIds[0]], failed: [] });
  });

  it('writes only PH_ fields, and a second pass with unchanged values writes nothing', async () => {
    const connector = connectorFor(sandbox);
    const targets = dealIds.slice(0, 25);
    const next = new Map(targets.map((id, i) => [id, health(20 + i)]));
    sandbox.inspect.reset();
    const first = await connector.writeHealth(
      targets.map((dealId) => ({
        dealId,
        values: changedHealthFields(undefined, next.get(dealId) as HealthFieldValues),
      })),
    );
    expect(first.failed).toEqual([]);
    expect(first.written.sort()).toEqual([...targets].sort());
    const writes = sandbox.inspect.writes().filter((w) => w.objectType === 'Opportunity');
    expect(writes).toHaveLength(25);
    for (const w of writes) expect(Object.keys(w.values).every((k) => PH_FIELDS.includes(k))).toBe(true);
    expect(compositeCalls(sandbox, 'PATCH')).toBe(1);

    // Next night: same scores, new scoredAt. What the CRM holds is read back and diffed.
    const inCrm = await connector.readHealth(targets);
    expect(inCrm.get(targets[3] as string)).toMatchObject({
      score: 23,
      band: 'at_risk',
      scoredAt: WORLD_NOW,
    });
    sandbox.inspect.reset();
    const second = targets
      .map((dealId) => ({
        dealId,
        values: changedHealthFields(
          inCrm.get(dealId),
          health(next.get(dealId)?.score ?? 0, '2026-11-21T02:00:00.000Z'),
        ),
      }))
      .filter((w) => Object.keys(w.values).length > 0);
    expect(second).toEqual([]);
    const again = await connector.writeHealth(second);
    expect(again).toEqual({ written: [], failed: [] });
    expect(compositeCalls(sandbox, 'PATCH')).toBe(0);
    expect(sandbox.inspect.writes()).toEqual([]);
  });

  it('returns per-record failures with Salesforce’s reason and retries a dropped call', async () => {
    const connector = connectorFor(sandbox);
    const [bad, ...good] = dealIds.slice(30, 34) as [string, ...string[]];
    await connector.readHealth([bad]); // session first, so the drop below hits the PATCH
    sandbox.faults.failRecords = { [bad]: 'Close Date cannot be in the past for open opportunities' };
    sandbox.faults.dropNext = 1;
    sandbox.inspect.reset();
    try {
      const outcome = await connector.writeHealth(
        [bad, ...good].map((dealId) => ({ dealId, values: { score: 12 } })),
      );
      expect(outcome.written.sort()).toEqual([...good].sort());
      expect(outcome.failed).toEqual([
        {
          dealId: bad,
          code: 'CRM_REJECTED',
          message:
            'FIELD_CUSTOM_VALIDATION_EXCEPTION: Close Date cannot be in the past for open opportunities',
          retryable: false,
        },
      ]);
      // The dropped PATCH was sent again (same values: safe); the failed record was not retried.
      expect(compositeCalls(sandbox, 'PATCH')).toBe(2);
    } finally {
      sandbox.faults.failRecords = {};
      sandbox.faults.dropNext = 0;
    }
  });

  it('alert tasks are created once: a second connector instance finds them by alert key', async () => {
    const alerts: AlertTask[] = dealIds.slice(0, 3).map((dealId, i) => {
      const alert = {
        tenantId: 'acme',
        dealId,
        kind: i === 0 ? ('buyer_silent' as const) : ('close_date_passed' as const),
        ownerId: null,
        reason: 'No buyer reply in 12 days, usually 3',
        suggestedAction: 'Call the champion this week',
        raisedAt: WORLD_NOW,
      };
      return {
        alert,
        key: alertKey(alert),
        subject: 'Pipeline health: buyer silent',
        body: '',
        dueAt: '2026-11-23T00:00:00.000Z',
      };
    });
    sandbox.faults.failRecords = { [dealIds[2] as string]: 'Tasks are locked for this opportunity' };
    sandbox.inspect.reset();
    let first: Awaited<ReturnType<CrmConnector['createAlertTasks']>>;
    try {
      first = await connectorFor(sandbox).createAlertTasks([...alerts, alerts[0] as AlertTask]);
    } finally {
      sandbox.faults.failRecords = {};
    }
    expect(first.created.map((c) => c.key).sort()).toEqual([alerts[0]?.key, alerts[1]?.key].sort());
    expect(first.failed).toEqual([
      expect.objectContaining({ key: alerts[2]?.key, code: 'CRM_REJECTED', retryable: false }),
    ]);
    const tasks = sandbox.inspect.writes().filter((w) => w.objectType === 'Task');
    expect(tasks).toHaveLength(2);
    const firstTask = tasks.find((t) => t.values.PH_Alert_Key__c === alerts[0]?.key);
    expect(firstTask?.values).toMatchObject({
      WhatId: dealIds[0],
      Status: 'Not Started',
      ActivityDate: '2026-11-23',
      Description: expect.stringContaining('Call the champion this week'),
    });
    expect(typeof firstTask?.values.OwnerId).toBe('string');

    const second = await connectorFor(sandbox).createAlertTasks(alerts);
    expect(second.existing.sort((a, b) => a.key.localeCompare(b.key))).toEqual(
      [...first.created].sort((a, b) => a.key.localeCompare(b.key)),
    );
    expect(second.created.map((c) => c.key)).toEqual([alerts[2]?.key]);
    expect(sandbox.inspect.writes().filter((w) => w.objectType === 'Task')).toHaveLength(3);

    // Our own alert tasks never come back as the rep's activities.
    const pulled = merged((await pullAll(connectorFor(sandbox), null)).pages);
    const ours = new Set([...first.created, ...second.created].map((c) => c.taskId));
    expect(pulled.activities.filter((a) => ours.has(a.id))).toEqual([]);
  });
});
