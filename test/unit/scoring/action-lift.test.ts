// "What would raise this deal" (issue 18). The oracle for each lift is the deal with the action
// actually done, as the CRM would record it (a real activity or a fresh next step on the record),
// compiled and scored from scratch: the lift must equal that rescored deal minus the deal as it is.

import { describe, expect, it } from 'vitest';
import { type Activity, type Contact, REP_ACTION_LABELS } from '../../../src/domain/index.ts';
import { actionLifts } from '../../../src/scoring/action-lift.ts';
import { detectAlerts } from '../../../src/scoring/alert-rules.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext, type ScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal, type DealRecord } from '../../../src/scoring/deal-input.ts';
import type { ScoringModel } from '../../../src/scoring/model.ts';
import { act, daysAgo, ghostedRecord, healthyRecord, NOW } from './fixtures.ts';

const prior = createScoringContext({ asOf: NOW });
const logisticModel: ScoringModel = {
  version: 'fit-lift',
  kind: 'logistic',
  features: ['open_communication', 'access', 'joint_planning', 'next_step', 'trust'],
  intercept: -0.5,
  coefficients: [1.2, 0.8, 1.5, 0.6, 0.9],
  featureTransform: 'confidence-centred-v1',
  trainedOn: { won: 50, lost: 50, leadDays: 14, l2: 1 },
} as ScoringModel;
const fitted = createScoringContext({ asOf: NOW, model: logisticModel });

/** The record with the action done today, the way a rep would log it in the CRM. */
function recordAfter(record: DealRecord, key: string): DealRecord {
  const input = compileDeal(record, { asOf: NOW });
  const withActivity = (a: Activity, extra: Contact[] = []): DealRecord => ({
    ...record,
    activities: [...record.activities, a],
    contacts: [...(record.contacts ?? []), ...extra],
  });
  switch (key) {
    case 'multi_contact_meeting': {
      const ids = input.contactIds.slice(0, 2);
      const extra: Contact[] = [];
      while (ids.length < 2) {
        const id = `new-${ids.length}`;
        ids.push(id);
        extra.push({ id, name: 'New', email: null, title: 'Analyst', accountId: 'acc-1' });
      }
      return withActivity(
        act({ type: 'meeting', occurredAt: NOW, meetingOutcome: 'completed', contactIds: ids }),
        extra,
      );
    }
    case 'senior_contact': {
      const at = input.contactSenior.indexOf(1);
      const extra: Contact[] =
        at >= 0
          ? []
          : [
              {
                id: 'new-senior',
                name: 'Chief',
                email: null,
                title: 'Chief Executive Officer',
                accountId: 'acc-1',
              },
            ];
      const id = at >= 0 ? input.contactIds[at]! : 'new-senior';
      return withActivity(
        act({ type: 'meeting', occurredAt: NOW, meetingOutcome: 'completed', contactIds: [id] }),
        extra,
      );
    }
    case 'buyer_reply': {
      const id = input.contactIds[0] ?? 'new-0';
      const extra: Contact[] =
        input.contactIds.length > 0
          ? []
          : [{ id, name: 'New', email: null, title: 'Analyst', accountId: 'acc-1' }];
      return withActivity(
        act({ type: 'email', occurredAt: NOW, direction: 'inbound', isReply: true, contactIds: [id] }),
        extra,
      );
    }
    case 'fresh_next_step':
      return {
        ...record,
        deal: { ...record.deal, nextStep: 'Agree the pilot scope', nextStepUpdatedAt: NOW },
      };
    default:
      throw new Error(key);
  }
}

function expectedLifts(record: DealRecord, ctx: ScoringContext): Map<string, number> {
  const base = scoreDeal(compileDeal(record, { asOf: NOW }), ctx).score;
  const out = new Map<string, number>();
  for (const key of ['multi_contact_meeting', 'senior_contact', 'buyer_reply', 'fresh_next_step']) {
    const after = scoreDeal(compileDeal(recordAfter(record, key), { asOf: NOW }), ctx).score;
    out.set(key, Math.round((after - base) * 10) / 10);
  }
  return out;
}

describe('actionLifts', () => {
  for (const [name, ctx] of [
    ['prior weights', prior],
    ['a fitted logistic model', fitted],
  ] as const) {
    it(`on ${name}, each lift equals the deal rescored with the action logged in the CRM`, () => {
      const record = ghostedRecord();
      const input = compileDeal(record, { asOf: NOW });
      const result = scoreDeal(input, ctx);
      const lifts = actionLifts(input, ctx, result);
      const expected = expectedLifts(record, ctx);
      const suggested = [...expected].filter(([, lift]) => lift >= 0.5).sort((a, b) => b[1] - a[1]);
      expect(lifts.map((a) => [a.key, a.lift])).toEqual(suggested.slice(0, 3));
      // The ghosted deal has a silent buyer and no next step: both actions must help it.
      expect(lifts.length).toBeGreaterThan(0);
      expect(expected.get('buyer_reply')).toBeGreaterThan(0);
      expect(expected.get('fresh_next_step')).toBeGreaterThan(0);
    });
  }

  it('on a fitted model the lift is in points of calibrated win probability', () => {
    const record = ghostedRecord();
    const input = compileDeal(record, { asOf: NOW });
    const result = scoreDeal(input, fitted);
    const [top] = actionLifts(input, fitted, result);
    expect(top).toBeDefined();
    const after = scoreDeal(compileDeal(recordAfter(record, top!.key), { asOf: NOW }), fitted);
    expect(top!.lift).toBeCloseTo(100 * (after.winProbability! - result.winProbability!), 0);
  });

  it('does not suggest what the deal already has: a next step set today', () => {
    const record = recordAfter(healthyRecord(), 'fresh_next_step');
    const input = compileDeal(record, { asOf: NOW });
    const lifts = actionLifts(input, prior, scoreDeal(input, prior));
    expect(lifts.map((a) => a.key)).not.toContain('fresh_next_step');
    for (const a of lifts) expect(a.lift).toBeGreaterThanOrEqual(0.5);
  });

  it('suggests nothing for a closed deal', () => {
    const record = ghostedRecord();
    const closedAt = daysAgo(1);
    const closed = {
      ...record,
      deal: {
        ...record.deal,
        isClosed: true,
        stageId: 'lost',
        closedAt,
        stageHistory: [...record.deal.stageHistory, { stageId: 'lost', enteredAt: closedAt }],
      },
    };
    const input = compileDeal(closed, { asOf: NOW });
    expect(actionLifts(input, prior, scoreDeal(input, prior))).toEqual([]);
  });
});

describe('alert tasks suggest the action with the largest lift that answers the alert', () => {
  it('a band alert names the top action and its lift; a silent-buyer alert the best of reply or meeting', () => {
    const input = compileDeal(ghostedRecord(), { asOf: NOW });
    const scored = scoreDeal(input, fitted);
    const actions = actionLifts(input, fitted, scored);
    const result = { ...scored, actions };
    const alerts = detectAlerts(result, input, fitted, 'healthy');
    const band = alerts.find((a) => a.kind === 'band_worsened')!;
    expect(band.suggestedAction).toContain(
      `${REP_ACTION_LABELS[actions[0]!.key]} (estimated +${actions[0]!.lift} points of win probability)`,
    );
    const silent = alerts.find((a) => a.kind === 'buyer_silent')!;
    const answering = actions.find((a) => a.key === 'buyer_reply' || a.key === 'multi_contact_meeting')!;
    expect(silent.suggestedAction.startsWith(REP_ACTION_LABELS[answering.key])).toBe(true);
    // Without estimated actions the rule's own advice stands alone.
    const plain = detectAlerts(scored, input, fitted, 'healthy').find((a) => a.kind === 'buyer_silent')!;
    expect(plain.suggestedAction).not.toContain('estimated');
  });
});
