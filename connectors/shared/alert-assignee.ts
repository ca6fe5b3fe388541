import type { Owner } from '../../src/domain/index.ts';

/** Who receives an alert task, and why when it is not the deal owner. */
export interface AssigneeChoice {
  /** The user the task is assigned to; null when no active user can take it (the alert is not created). */
  ownerId: string | null;
  /** Set when the deal owner could not take the task: the reason, in plain words. */
  reassignedBecause: string | null;
}

/**
 * Real CRMs keep deals owned by people who left, and refuse new tasks assigned to them (Salesforce:
 * INACTIVE_OWNER_OR_USER; HubSpot: archived owners). The task goes to the owner's active manager where
 * the CRM records one, else to the tenant's fallback owner (`alerts.fallbackOwnerId`), else nowhere.
 * An owner the CRM did not list is taken as active: we only reassign on evidence.
 */
export function chooseAlertAssignee(
  dealOwnerId: string | null,
  owners: ReadonlyMap<string, Owner>,
  fallbackOwnerId: string | undefined,
): AssigneeChoice {
  if (dealOwnerId === null)
    return { ownerId: activeOrNull(fallbackOwnerId, owners), reassignedBecause: null };
  const owner = owners.get(dealOwnerId);
  if (owner === undefined || owner.active !== false) return { ownerId: dealOwnerId, reassignedBecause: null };
  const manager = owner.managerId ? owners.get(owner.managerId) : undefined;
  if (manager !== undefined && manager.active !== false) {
    return {
      ownerId: manager.id,
      reassignedBecause: `deal owner ${owner.name} is inactive; assigned to their manager`,
    };
  }
  const fallback = activeOrNull(fallbackOwnerId, owners);
  if (fallback !== null) {
    return {
      ownerId: fallback,
      reassignedBecause: `deal owner ${owner.name} is inactive; assigned to the fallback owner`,
    };
  }
  return {
    ownerId: null,
    reassignedBecause:
      fallbackOwnerId === undefined
        ? `deal owner ${owner.name} is inactive and no active manager or alerts.fallbackOwnerId is set`
        : `deal owner ${owner.name} is inactive and fallback owner ${fallbackOwnerId} is inactive too`,
  };
}

function activeOrNull(id: string | undefined, owners: ReadonlyMap<string, Owner>): string | null {
  if (id === undefined) return null;
  return owners.get(id)?.active === false ? null : id;
}
