// Synthetic closed deals for calibration tests: the outcome depends on a latent buyer engagement
// that shows in the activity log (engaged buyers keep replying; disengaged ones go quiet).

import type { Activity, Deal } from '../../../src/domain/index.ts';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';
import type { DealRecord } from '../../../src/scoring/deal-input.ts';
import { ACCOUNT, CONTACTS, PIPELINE } from './fixtures.ts';

const DAY = 86_400_000;
const BASE = Date.parse('2025-01-01T09:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

export interface SyntheticOptions {
  seed?: number;
  /** Lead days used for the cut-off the caller will train with (default 14). */
  leadDays?: number;
}

/**
 * `n` closed deals. Engagement e ~ U(0,1); P(won) = 0.1 + 0.8e. Buyers with high e reply every few
 * days right up to the close; low-e buyers stop replying 20-60 days before the close.
 */
export function syntheticClosedDeals(n: number, options: SyntheticOptions = {}): DealRecord[] {
  const rand = mulberry32(options.seed ?? 7);
  const out: DealRecord[] = [];
  for (let i = 0; i < n; i++) {
    const e = rand();
    const won = rand() < 0.1 + 0.8 * e;
    const created = BASE + i * 6 * 3_600_000;
    const length = 60 + Math.floor(rand() * 60);
    const closedAt = created + length * DAY;
    const id = `syn-${i}`;
    const activities: Activity[] = [];
    let k = 0;
    const add = (type: Activity['type'], at: number, extra: Partial<Activity>): void => {
      activities.push({
        id: `${id}-a${k++}`,
        type,
        dealIds: [id],
        occurredAt: iso(at),
        direction: null,
        ownerId: 'owner-1',
        contactIds: ['c1'],
        isReply: null,
        callOutcome: null,
        durationSeconds: null,
        meetingOutcome: null,
        dueAt: null,
        taskStatus: null,
        bodyLength: 100,
        ...extra,
      });
    };
    // The buyer goes quiet this many days before the close (engaged buyers never do).
    const quietFrom = closedAt - (e > 0.5 ? 0 : 20 + Math.floor(rand() * 40)) * DAY;
    const replyEvery = 2 + Math.floor((1 - e) * 8);
    for (let t = created + DAY; t < closedAt; t += 4 * DAY)
      add('email', t, { direction: 'outbound', isReply: false });
    for (let t = created + 2 * DAY + 3_600_000; t < quietFrom; t += replyEvery * DAY)
      add('email', t, { direction: 'inbound', isReply: true, contactIds: e > 0.6 ? ['c1', 'c2'] : ['c1'] });
    if (e > 0.4)
      add('meeting', created + 20 * DAY, {
        meetingOutcome: 'completed',
        contactIds: ['c1', 'c2'],
        bodyLength: 400,
      });
    const deal: Deal = {
      id,
      name: `Synthetic ${i}`,
      pipelineId: 'sales',
      stageId: won ? 'won' : 'lost',
      isClosed: true,
      isWon: won,
      amount: won ? 10_000 + Math.floor(rand() * 40_000) : 0,
      currency: 'EUR',
      closeDate: iso(closedAt).slice(0, 10),
      createdAt: iso(created),
      updatedAt: iso(closedAt + DAY),
      closedAt: iso(closedAt),
      ownerId: i % 2 === 0 ? 'owner-1' : 'owner-2',
      accountId: `acc-${i % 50}`,
      nextStep: 'Follow up',
      nextStepUpdatedAt: iso(closedAt - 40 * DAY),
      contacts: [{ contactId: 'c1', role: 'Decision Maker', isPrimary: true }],
      stageHistory: [
        { stageId: 'qualify', enteredAt: iso(created) },
        { stageId: 'discovery', enteredAt: iso(created + 10 * DAY) },
        { stageId: 'proposal', enteredAt: iso(created + 30 * DAY) },
        { stageId: won ? 'won' : 'lost', enteredAt: iso(closedAt) },
      ],
      closeDateChanges: [],
      amountChanges: won ? [] : [{ at: iso(closedAt), from: '25000', to: '0' }],
      fields: {},
    };
    out.push({
      deal,
      activities,
      contacts: CONTACTS,
      account: { ...ACCOUNT, id: deal.accountId! },
      pipeline: PIPELINE,
    });
  }
  return out;
}

/**
 * The same deals with extra facts dated after each deal's cut-off (closedAt - leadDays): more buyer
 * meetings for won deals, rep emails for lost ones, a stage move, an amount cut and a close-date
 * change. Training must not see any of it.
 */
export function withPostCutoffFacts(records: DealRecord[], leadDays = 14): DealRecord[] {
  return records.map((r) => {
    const closedAt = Date.parse(r.deal.closedAt!);
    const cutoff = closedAt - leadDays * DAY;
    const extra: Activity[] = [];
    for (let d = 1; d < leadDays; d += 2) {
      const at = cutoff + d * DAY;
      extra.push({
        id: `${r.deal.id}-late-${d}`,
        type: r.deal.isWon ? 'meeting' : 'email',
        dealIds: [r.deal.id],
        occurredAt: iso(at),
        direction: r.deal.isWon ? null : 'outbound',
        ownerId: 'owner-1',
        contactIds: ['c1', 'c2', 'c3'],
        isReply: null,
        callOutcome: null,
        durationSeconds: null,
        meetingOutcome: r.deal.isWon ? 'scheduled' : null,
        dueAt: null,
        taskStatus: null,
        bodyLength: 900,
      });
    }
    const stageHistory = [...r.deal.stageHistory];
    stageHistory.splice(stageHistory.length - 1, 0, {
      stageId: 'negotiation',
      enteredAt: iso(cutoff + 3 * DAY),
    });
    // Amount history stays consistent: the extra change starts from the value in place then.
    const a0 = r.deal.isWon ? r.deal.amount! : 25_000;
    const cut = Math.round(a0 * 0.8);
    const amountChanges = r.deal.isWon
      ? [{ at: iso(cutoff + DAY), from: String(a0), to: String(cut) }]
      : [
          { at: iso(cutoff + DAY), from: String(a0), to: String(cut) },
          { at: iso(closedAt), from: String(cut), to: '0' },
        ];
    return {
      ...r,
      deal: {
        ...r.deal,
        amount: r.deal.isWon ? cut : 0,
        stageHistory,
        amountChanges,
        closeDateChanges: [{ at: iso(cutoff + 2 * DAY), from: r.deal.closeDate, to: r.deal.closeDate }],
      },
      activities: [...r.activities, ...extra],
    };
  });
}
