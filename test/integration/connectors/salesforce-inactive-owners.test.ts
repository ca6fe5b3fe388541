import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertTask } from '../../../connectors/crm-connector.ts';
import { alertKey } from '../../../src/domain/index.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';
import { connectorFor, makeWorld, startSandbox, WORLD_NOW } from './salesforce-fixture.ts';

/**
 * Deals owned by people who left: the sandbox refuses a Task assigned to an inactive User
 * (INACTIVE_OWNER_OR_USER, SOAP API guide StatusCode), so the connector assigns the alert to the
 * owner's active manager (User.ManagerId), else the tenant's fallback owner, else nobody, and
 * reports it; the batch never fails for it.
 */
describe('Salesforce connector: alerts of deals whose owner is inactive', () => {
  let sandbox: SalesforceSandboxHandle;
  let world: SandboxWorld;
  const userOf = (n: number) => sandbox.idOf('owner', n);

  beforeAll(async () => {
    world = makeWorld(40, 21, 0);
    // Owner 1 active (everyone's manager); owner 3 left (manager 1 active); owner 2 left and so did
    // their manager (owner 3).
    world.owners = world.owners.map((o) =>
      o.n === 2 ? { ...o, active: false, managerN: 3 } : o.n === 3 ? { ...o, active: false, managerN: 1 } : o,
    );
    sandbox = await startSandbox(world);
    await connectorFor(sandbox, { assignPermissionSet: true }).bootstrapSchema();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const alertFor = (
    ownerN: number,
    kind: 'buyer_silent' | 'stalled_in_stage' = 'buyer_silent',
  ): AlertTask => {
    const deal = world.deals.find((d) => d.ownerN === ownerN);
    if (deal === undefined) throw new Error(`no deal of owner ${ownerN}`);
    const alert = {
      tenantId: 'acme',
      dealId: sandbox.idOf('deal', deal.n),
      kind,
      ownerId: userOf(ownerN),
      reason: 'No buyer reply in 12 days',
      suggestedAction: 'Call the champion',
      raisedAt: WORLD_NOW,
    };
    return {
      alert,
      key: alertKey(alert),
      subject: 'Pipeline health',
      body: '',
      dueAt: '2026-11-23T00:00:00.000Z',
    };
  };

  it('fetchMetadata reads IsActive and ManagerId', async () => {
    const { owners } = await connectorFor(sandbox).fetchMetadata();
    expect(owners.find((o) => o.id === userOf(1))).toMatchObject({ active: true, managerId: null });
    expect(owners.find((o) => o.id === userOf(3))).toMatchObject({ active: false, managerId: userOf(1) });
    expect(owners.find((o) => o.id === userOf(2))).toMatchObject({ active: false, managerId: userOf(3) });
  });

  it('assigns to the manager, then the fallback owner; reports it; nothing fails', async () => {
    const alerts = [alertFor(1), alertFor(3), alertFor(2)];
    sandbox.inspect.reset();
    const outcome = await connectorFor(sandbox, { fallbackOwnerId: sandbox.apiUserId }).createAlertTasks(
      alerts,
    );
    expect(outcome.failed).toEqual([]);
    expect(outcome.created).toHaveLength(3);
    const ownerOfTask = (key: string | undefined) =>
      sandbox.inspect.writes().find((w) => w.objectType === 'Task' && w.values.PH_Alert_Key__c === key)
        ?.values.OwnerId;
    expect(ownerOfTask(alerts[0]?.key)).toBe(userOf(1));
    expect(ownerOfTask(alerts[1]?.key)).toBe(userOf(1));
    expect(ownerOfTask(alerts[2]?.key)).toBe(sandbox.apiUserId);
    expect(outcome.reassigned).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: alerts[1]?.key, fromOwnerId: userOf(3), toOwnerId: userOf(1) }),
        expect.objectContaining({
          key: alerts[2]?.key,
          fromOwnerId: userOf(2),
          toOwnerId: sandbox.apiUserId,
        }),
      ]),
    );
    expect(outcome.reassigned).toHaveLength(2);
  });

  it('without an active manager or fallback owner the alert is reported, not created, not failed', async () => {
    const alert = alertFor(2, 'stalled_in_stage');
    const outcome = await connectorFor(sandbox).createAlertTasks([alert, alertFor(1, 'stalled_in_stage')]);
    expect(outcome.failed).toEqual([]);
    expect(outcome.created.map((c) => c.key)).toEqual([alertFor(1, 'stalled_in_stage').key]);
    expect(outcome.reassigned).toEqual([
      expect.objectContaining({ key: alert.key, fromOwnerId: userOf(2), toOwnerId: null }),
    ]);
  });
});
