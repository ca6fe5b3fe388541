// The rows of a forecast: one per owner, one per team (Owner.team; owners without one, or every
// owner of a CRM without teams, go to "(no team)") and the total, with their targets for the period
// by the same rule as the pipeline-health rollup: an owner's target for the exact period, a team's
// is the sum of its owners', the total is the tenant-wide target (ownerId null), else the sum.

import type { Owner, Target } from '../../domain/index.ts';
import type { ForecastPeriod } from './quarter-period.ts';

const NO_TEAM = '(no team)';
const NO_OWNER = '(no owner)';

export interface ForecastGroup {
  level: 'owner' | 'team' | 'total';
  /** Owner id, team name, or "*" for the total. */
  key: string;
  target: number | null;
}

export interface ForecastGroups {
  groups: ForecastGroup[];
  /** The indices of the groups a deal of this owner counts in (owner, team, total). */
  groupsOf: (ownerId: string | null) => readonly number[];
}

export function forecastGroups(
  ownerIds: Iterable<string | null>,
  owners: readonly Owner[],
  targets: readonly Target[],
  period: Pick<ForecastPeriod, 'start' | 'end'>,
): ForecastGroups {
  const teamOf = new Map(owners.map((o) => [o.id, o.team ?? NO_TEAM]));
  const ownerTarget = new Map<string, number>();
  let totalTarget: number | null = null;
  for (const t of targets) {
    if (t.periodStart !== period.start || t.periodEnd !== period.end) continue;
    if (t.ownerId == null) totalTarget = (totalTarget ?? 0) + t.amount;
    else ownerTarget.set(t.ownerId, (ownerTarget.get(t.ownerId) ?? 0) + t.amount);
  }
  if (totalTarget == null && ownerTarget.size > 0)
    totalTarget = [...ownerTarget.values()].reduce((a, b) => a + b, 0);
  const ownerKeys = new Set<string>();
  for (const id of ownerIds) ownerKeys.add(id ?? NO_OWNER);
  for (const id of ownerTarget.keys()) ownerKeys.add(id);
  const sortedOwners = [...ownerKeys].sort();
  const team = (key: string) => (key === NO_OWNER ? NO_TEAM : (teamOf.get(key) ?? NO_TEAM));
  const teams = [...new Set(sortedOwners.map(team))].sort();
  const teamTarget = new Map<string, number>();
  for (const [id, amount] of ownerTarget) teamTarget.set(team(id), (teamTarget.get(team(id)) ?? 0) + amount);

  const groups: ForecastGroup[] = [
    ...sortedOwners.map((key) => ({ level: 'owner' as const, key, target: ownerTarget.get(key) ?? null })),
    ...teams.map((key) => ({ level: 'team' as const, key, target: teamTarget.get(key) ?? null })),
    { level: 'total', key: '*', target: totalTarget },
  ];
  const ownerIndex = new Map(sortedOwners.map((k, i) => [k, i]));
  const teamIndex = new Map(teams.map((k, i) => [k, sortedOwners.length + i]));
  const totalIndex = groups.length - 1;
  const memo = new Map<string, readonly number[]>();
  return {
    groups,
    groupsOf: (ownerId) => {
      const key = ownerId ?? NO_OWNER;
      let idx = memo.get(key);
      if (idx === undefined) {
        const o = ownerIndex.get(key);
        const t = teamIndex.get(team(key));
        // Owners not announced up front count in the total only.
        idx = [...(o === undefined ? [] : [o]), ...(t === undefined ? [] : [t]), totalIndex];
        memo.set(key, idx);
      }
      return idx;
    },
  };
}
