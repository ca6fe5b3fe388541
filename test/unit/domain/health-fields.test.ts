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

describe('the element profile (issue 18 item 2; rule in docs/CONNECTORS.md, "Element profile")', () => {
  const ind = (key: string, subScore: number, confidence = 1) => ({
    key: key as HealthResult['indicators'][number]['key'],
    label: key,
    value: null,
    subScore,
    confidence,
    evidence: '',
  });

  it('levels at the documented cut points: < 0.4 weak, >= 0.6 strong, confidence < 0.3 or absent unknown', () => {
    const values = toHealthFieldValues({
      ...result,
      indicators: [
        ind('open_communication', 0.399),
        ind('access', 0.4),
        ind('knowledge_sharing', 0.599),
        ind('joint_planning', 0.6),
        ind('industry_understanding', 0.95, 0.29),
        ind('satisfaction', 0.1, 0.3),
        // trust absent
        ind('stage_age', 0.0),
      ],
    });
    expect(values).toMatchObject({
      openCommunication: 'weak',
      frequentAccess: 'ok',
      knowledgeSharing: 'ok',
      jointPlanning: 'strong',
      industryUnderstanding: 'unknown',
      satisfaction: 'weak',
      trust: 'unknown',
    });
  });

  it('a sub-score that moves inside its level writes nothing', () => {
    const first = toHealthFieldValues({ ...result, indicators: [ind('joint_planning', 0.45)] });
    const second = toHealthFieldValues({
      ...result,
      asOf: '2026-11-28T02:00:00.000Z',
      indicators: [ind('joint_planning', 0.55)],
    });
    expect(changedHealthFields(first, second)).toEqual({});
  });

  it('a deal written before the element profile existed gets the seven element values once', () => {
    const next = toHealthFieldValues({ ...result, indicators: [ind('trust', 0.9)] });
    const { score, band, winProbability, reasons, trend, scoredAt, modelVersion } = next;
    const before = { score, band, winProbability, reasons, trend, scoredAt, modelVersion };
    expect(changedHealthFields(before, next)).toEqual({
      openCommunication: 'unknown',
      frequentAccess: 'unknown',
      knowledgeSharing: 'unknown',
      jointPlanning: 'unknown',
      industryUnderstanding: 'unknown',
      satisfaction: 'unknown',
      trust: 'strong',
      scoredAt,
    });
  });
});
