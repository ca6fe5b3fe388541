import { describe, expect, it } from 'vitest';
import { changedHealthFields, toHealthFieldValues, type HealthResult } from '../../../src/domain/index.ts';

const result: HealthResult = {
  dealId: '1',
  asOf: '2026-11-27T02:00:00.000Z',
  score: 63.4,
  band: 'watch',
  winProbability: 0.41234,
  confidence: 0.8,
  indicators: [],
  reasons: ['No buyer reply in 12 days, usually 3', 'Close date pushed 3 times'],
  trend: 'declining',
  modelVersion: 'prior-v1',
};

describe('health field values', () => {
  it('rounds scores and joins reasons', () => {
    const values = toHealthFieldValues(result);
    expect(values.score).toBe(63);
    expect(values.winProbability).toBe(0.412);
    expect(values.reasons).toBe('No buyer reply in 12 days, usually 3\nClose date pushed 3 times');
  });

  it('writes everything the first time', () => {
    const next = toHealthFieldValues(result);
    expect(changedHealthFields(undefined, next)).toEqual(next);
  });

  it('writes nothing when only the scored-at time moved', () => {
    const first = toHealthFieldValues(result);
    const second = toHealthFieldValues({ ...result, asOf: '2026-11-28T02:00:00.000Z', score: 63.2 });
    expect(changedHealthFields(first, second)).toEqual({});
  });

  it('writes only the changed fields plus scoredAt', () => {
    const first = toHealthFieldValues(result);
    const second = toHealthFieldValues({
      ...result,
      asOf: '2026-11-28T02:00:00.000Z',
      score: 30,
      band: 'at_risk',
    });
    expect(changedHealthFields(first, second)).toEqual({
      score: 30,
      band: 'at_risk',
      scoredAt: '2026-11-28T02:00:00.000Z',
    });
  });
});
