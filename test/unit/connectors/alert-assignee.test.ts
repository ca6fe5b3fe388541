import { describe, expect, it } from 'vitest';
import { chooseAlertAssignee } from '../../../connectors/shared/alert-assignee.ts';
import type { Owner } from '../../../src/domain/index.ts';

const owner = (id: string, active: boolean | undefined, managerId: string | null = null): Owner => ({
  id,
  name: `Rep ${id}`,
  email: null,
  team: null,
  ...(active === undefined ? {} : { active }),
  managerId,
});

function owners(...list: Owner[]): Map<string, Owner> {
  return new Map(list.map((o) => [o.id, o]));
}

describe('chooseAlertAssignee: who gets the task when the deal owner has left', () => {
  it('keeps an active owner, and an owner the CRM did not list (no evidence to reassign)', () => {
    const map = owners(owner('a', true), owner('b', undefined));
    expect(chooseAlertAssignee('a', map, 'f')).toEqual({ ownerId: 'a', reassignedBecause: null });
    expect(chooseAlertAssignee('b', map, 'f')).toEqual({ ownerId: 'b', reassignedBecause: null });
    expect(chooseAlertAssignee('unknown', map, 'f')).toEqual({ ownerId: 'unknown', reassignedBecause: null });
  });

  it('gives an inactive owner’s alert to their active manager first', () => {
    const map = owners(owner('m', true), owner('x', false, 'm'), owner('f', true));
    const choice = chooseAlertAssignee('x', map, 'f');
    expect(choice.ownerId).toBe('m');
    expect(choice.reassignedBecause).toContain('manager');
  });

  it('falls back to the tenant fallback owner when the manager is inactive or unknown', () => {
    const map = owners(
      owner('m', false),
      owner('x', false, 'm'),
      owner('y', false, 'gone'),
      owner('f', true),
    );
    expect(chooseAlertAssignee('x', map, 'f').ownerId).toBe('f');
    expect(chooseAlertAssignee('y', map, 'f').ownerId).toBe('f');
    expect(chooseAlertAssignee('y', map, 'f').reassignedBecause).toContain('fallback');
  });

  it('assigns nobody when there is no active fallback, and says why', () => {
    const map = owners(owner('x', false), owner('f', false));
    const none = chooseAlertAssignee('x', map, undefined);
    expect(none.ownerId).toBeNull();
    expect(none.reassignedBecause).toContain('fallbackOwnerId');
    const inactiveFallback = chooseAlertAssignee('x', map, 'f');
    expect(inactiveFallback.ownerId).toBeNull();
    expect(inactiveFallback.reassignedBecause).toContain('inactive too');
  });

  it('a deal without owner goes to the fallback owner when it is active', () => {
    const map = owners(owner('f', true), owner('g', false));
    expect(chooseAlertAssignee(null, map, 'f')).toEqual({ ownerId: 'f', reassignedBecause: null });
    expect(chooseAlertAssignee(null, map, 'g')).toEqual({ ownerId: null, reassignedBecause: null });
    expect(chooseAlertAssignee(null, map, undefined)).toEqual({ ownerId: null, reassignedBecause: null });
  });
});
