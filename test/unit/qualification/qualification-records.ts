// Closed deals with qualification fields and an outcome, no activities (what a CRM export gives).

import type { Deal, FieldValue } from '../../../src/domain/index.ts';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';
import type { DealRecord } from '../../../src/scoring/deal-input.ts';
import { PIPELINE } from '../scoring/fixtures.ts';

const DAY = 86_400_000;
export const BASE = Date.parse('2025-01-01T09:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

export function closedDeal(
  id: string,
  closedAt: number,
  won: boolean,
  fields: Record<string, FieldValue>,
  lengthDays = 60,
): DealRecord {
  const created = closedAt - lengthDays * DAY;
  const deal: Deal = {
    id,
    name: id,
    pipelineId: 'sales',
    stageId: won ? 'won' : 'lost',
    isClosed: true,
    isWon: won,
    amount: 10_000,
    currency: 'EUR',
    closeDate: iso(closedAt).slice(0, 10),
    createdAt: iso(created),
    updatedAt: iso(closedAt),
    closedAt: iso(closedAt),
    ownerId: 'owner-1',
    accountId: null,
    nextStep: null,
    nextStepUpdatedAt: null,
    contacts: [],
    stageHistory: [
      { stageId: 'qualify', enteredAt: iso(created) },
      { stageId: won ? 'won' : 'lost', enteredAt: iso(closedAt) },
    ],
    closeDateChanges: [],
    amountChanges: [],
    fields,
  };
  return { deal, activities: [], contacts: [], account: null, pipeline: PIPELINE };
}

/**
 * `n` closed deals, one every 12 hours. Budget allocated (yes/no) and competitor present drive the
 * outcome: P(won) = 0.15 + 0.5 budget + 0.25 (no competitor); the region is noise.
 */
export function qualifiedDeals(n: number, seed = 5): DealRecord[] {
  const rand = mulberry32(seed);
  const regions = ['EMEA', 'NA', 'APAC'];
  return Array.from({ length: n }, (_, i) => {
    const budget = rand() < 0.5;
    const competitor = rand() < 0.4;
    const won = rand() < 0.15 + (budget ? 0.5 : 0) + (competitor ? 0 : 0.25);
    return closedDeal(`q-${i}`, BASE + 90 * DAY + i * 12 * 3_600_000, won, {
      budget_allocated: budget ? 'Yes' : 'No',
      competitor: competitor ? 'Present' : 'None',
      region: regions[Math.floor(rand() * 3)]!,
    });
  });
}

export const QUALIFICATION_FIELDS = [
  { field: 'budget_allocated', label: 'Budget allocated', kind: 'boolean' },
  { field: 'competitor', label: 'Competitor', kind: 'category' },
  { field: 'region', label: 'Region', kind: 'category' },
] as const;
