import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Activity, type Deal, HealthResultSchema } from '../../../src/domain/index.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal, type DealRecord } from '../../../src/scoring/deal-input.ts';
import { learnNorms, NormsSchema, outcomeOf } from '../../../src/scoring/norms.ts';
import { parseTime } from '../../../src/scoring/time.ts';
import { ACCOUNT, CONTACTS, NOW, NOW_MS, PIPELINE } from './fixtures.ts';

const DAY = 86_400_000;

// Timestamps around "now" (mostly past, some future), occasionally unreadable.
const time = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.integer({ min: -400, max: 60 }).map((d) => new Date(NOW_MS + d * DAY).toISOString()),
  },
  { weight: 1, arbitrary: fc.constantFrom('garbage', '', '2026-13-45T99:00:00Z') },
);
const date = fc
  .integer({ min: -400, max: 200 })
  .map((d) => new Date(NOW_MS + d * DAY).toISOString().slice(0, 10));
const stageId = fc.constantFrom(
  'qualify',
  'discovery',
  'proposal',
  'negotiation',
  'won',
  'lost',
  'mystery-stage',
);
const contactId = fc.constantFrom('c1', 'c2', 'c3', 'c4', 'stranger');
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });

const activity: fc.Arbitrary<Activity> = fc.record({
  id: fc
    .constantFrom('a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8')
    .chain((p) => fc.nat(40).map((n) => `${p}-${n}`)),
  type: fc.constantFrom('email', 'call', 'meeting', 'note', 'task'),
  dealIds: fc.constant(['d']),
  occurredAt: time,
  direction: maybe(fc.constantFrom('inbound', 'outbound')),
  ownerId: maybe(fc.constant('owner-1')),
  contactIds: fc.array(contactId, { maxLength: 4 }),
  isReply: maybe(fc.boolean()),
  callOutcome: maybe(
    fc.constantFrom('connected', 'no_answer', 'busy', 'left_voicemail', 'failed', 'unknown'),
  ),
  durationSeconds: maybe(fc.nat(7200)),
  meetingOutcome: maybe(fc.constantFrom('scheduled', 'completed', 'rescheduled', 'no_show', 'canceled')),
  dueAt: maybe(time),
  taskStatus: maybe(fc.constantFrom('open', 'completed')),
  bodyLength: fc.nat(3000),
}) as fc.Arbitrary<Activity>;

const change = (value: fc.Arbitrary<string>) => fc.record({ at: time, from: maybe(value), to: maybe(value) });
const amountText = fc.oneof(
  fc.integer({ min: -1000, max: 500_000 }).map(String),
  fc.constantFrom('', 'abc', '1e400'),
);

const deal: fc.Arbitrary<Deal> = fc.record({
  id: fc.constant('d'),
  name: fc.string(),
  pipelineId: fc.constant('sales'),
  stageId,
  isClosed: fc.boolean(),
  isWon: fc.boolean(),
  amount: maybe(fc.double({ min: -1e6, max: 1e9, noNaN: true })),
  currency: maybe(fc.constant('EUR')),
  closeDate: maybe(date),
  createdAt: time,
  updatedAt: time,
  closedAt: maybe(time),
  ownerId: maybe(fc.constantFrom('owner-1', 'owner-2', '__proto__')),
  accountId: maybe(fc.constantFrom('acc-1', 'constructor')),
  nextStep: maybe(fc.string({ maxLength: 20 })),
  nextStepUpdatedAt: maybe(time),
  contacts: fc.array(
    fc.record({
      contactId,
      role: maybe(fc.constantFrom('Decision Maker', 'Influencer')),
      isPrimary: fc.boolean(),
    }),
    { maxLength: 4 },
  ),
  stageHistory: fc.array(fc.record({ stageId, enteredAt: time }), { maxLength: 12 }),
  closeDateChanges: fc.array(change(fc.oneof(date, fc.constant('nope'))), { maxLength: 6 }),
  amountChanges: fc.array(change(amountText), { maxLength: 6 }),
  fields: fc.constant({}),
}) as fc.Arbitrary<Deal>;

const record: fc.Arbitrary<DealRecord> = fc.record({
  deal,
  activities: fc.array(activity, { maxLength: 60 }),
  contacts: fc.constant(CONTACTS),
  account: fc.constantFrom(ACCOUNT, null, { ...ACCOUNT, industry: null, employees: null }),
  pipeline: fc.constantFrom(PIPELINE, null),
});

function assertBounded(r: ReturnType<typeof scoreDeal>): void {
  HealthResultSchema.parse(r); // 0..100 score, 0..1 sub-scores and confidences, at most 3 reasons
  expect(r.score).toBeGreaterThanOrEqual(0);
  expect(r.score).toBeLessThanOrEqual(100);
  expect(r.reasons.length).toBeLessThanOrEqual(3);
  expect(r.indicators).toHaveLength(11);
  for (const i of r.indicators) {
    expect(i.subScore).toBeGreaterThanOrEqual(0);
    expect(i.subScore).toBeLessThanOrEqual(1);
    expect(i.evidence.length).toBeGreaterThan(0);
    expect(i.value === null || Number.isFinite(i.value)).toBe(true);
  }
}

describe('scoreDeal on arbitrary messy input', () => {
  it('never throws and always returns bounded results', () => {
    const ctx = createScoringContext({ asOf: NOW });
    fc.assert(
      fc.property(record, (r) => {
        const input = compileDeal(r, { asOf: NOW });
        assertBounded(scoreDeal(input, ctx, { score: 50 }));
      }),
      { numRuns: 300 },
    );
  });

  it('stays bounded with norms learned from arbitrary history, scored at arbitrary moments', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: -300, max: 30 }),
        (rs, shift) => {
          const asOf = NOW_MS + shift * DAY;
          const inputs = rs.map((r) => compileDeal(r, { asOf }));
          const outcomes = rs.map(outcomeOf).filter((o) => o != null);
          // Norms survive a JSON round trip and validate.
          const norms = NormsSchema.parse(
            JSON.parse(JSON.stringify(learnNorms(inputs, outcomes, { minSamples: 1 }))),
          );
          const ctx = createScoringContext({ asOf, norms });
          for (const input of inputs) assertBounded(scoreDeal(input, ctx));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('bounds very long histories, including duplicates', () => {
    fc.assert(
      fc.property(
        record,
        fc.array(activity, { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 20, max: 60 }),
        (r, acts, copies) => {
          // The same activities many times over, each copy shifted a little in time.
          const long: Activity[] = [];
          for (let c = 0; c < copies; c++)
            for (const a of acts) {
              const t = Date.parse(a.occurredAt);
              long.push({
                ...a,
                id: `${a.id}-${c}`,
                occurredAt: Number.isNaN(t) ? a.occurredAt : new Date(t - c * 3_600_000).toISOString(),
              });
            }
          long.push(...acts); // exact duplicates
          const input = compileDeal({ ...r, activities: long }, { asOf: NOW, maxActivities: 500 });
          expect(input.actCount).toBeLessThanOrEqual(500);
          assertBounded(scoreDeal(input, createScoringContext({ asOf: NOW })));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('parseTime', () => {
  it('agrees with Date.parse on the UTC forms it fast-paths, and on anything else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.boolean(),
        (ms, withMillis) => {
          const iso = new Date(ms).toISOString();
          const text = withMillis ? iso : `${iso.slice(0, 19)}Z`;
          expect(parseTime(text)).toBe(Date.parse(text));
        },
      ),
    );
    for (const s of [
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-01-01T00:00:00+02:00',
      '2026-1-01T00:00:00Z',
      'xxxx-01-01T00:00:00Z',
    ])
      expect(Number.isNaN(parseTime(s)) ? Number.NaN : parseTime(s)).toEqual(
        Number.isNaN(Date.parse(s)) ? Number.NaN : Date.parse(s),
      );
    expect(parseTime(null)).toBeNaN();
  });
});
