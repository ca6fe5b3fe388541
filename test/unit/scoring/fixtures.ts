// Hand-made deals for the scoring tests: a small pipeline, builders with sensible defaults, and
// time helpers relative to a fixed "now" (the engine has no clock; neither do its tests).

import type { Account, Activity, Contact, Deal, Pipeline } from '../../../src/domain/index.ts';
import type { DealRecord } from '../../../src/scoring/deal-input.ts';

export const NOW = '2026-06-01T12:00:00.000Z';
export const NOW_MS = Date.parse(NOW);
const DAY = 86_400_000;

/** ISO time `n` days before `from` (negative n: after). */
export function daysAgo(n: number, from: number = NOW_MS): string {
  return new Date(from - n * DAY).toISOString();
}

/** Calendar date `n` days after `from`. */
export function dateIn(n: number, from: number = NOW_MS): string {
  return new Date(from + n * DAY).toISOString().slice(0, 10);
}

export const PIPELINE: Pipeline = {
  id: 'sales',
  label: 'Sales',
  stages: [
    { id: 'qualify', label: 'Qualify', order: 0, isClosed: false, isWon: false, probability: 0.1 },
    { id: 'discovery', label: 'Discovery', order: 1, isClosed: false, isWon: false, probability: 0.2 },
    { id: 'proposal', label: 'Proposal', order: 2, isClosed: false, isWon: false, probability: 0.5 },
    { id: 'negotiation', label: 'Negotiation', order: 3, isClosed: false, isWon: false, probability: 0.8 },
    { id: 'won', label: 'Closed won', order: 4, isClosed: true, isWon: true, probability: 1 },
    { id: 'lost', label: 'Closed lost', order: 5, isClosed: true, isWon: false, probability: 0 },
  ],
};

export const ACCOUNT: Account = {
  id: 'acc-1',
  name: 'Acme',
  industry: 'Software',
  employees: 250,
  annualRevenue: null,
};

export function makeDeal(overrides: Partial<Deal> = {}): Deal {
  return {
    id: 'deal-1',
    name: 'Acme platform',
    pipelineId: 'sales',
    stageId: 'proposal',
    isClosed: false,
    isWon: false,
    amount: 50_000,
    currency: 'EUR',
    closeDate: dateIn(20),
    createdAt: daysAgo(60),
    updatedAt: daysAgo(1),
    closedAt: null,
    ownerId: 'owner-1',
    accountId: 'acc-1',
    nextStep: 'Send revised proposal',
    nextStepUpdatedAt: daysAgo(3),
    contacts: [],
    stageHistory: [
      { stageId: 'qualify', enteredAt: daysAgo(60) },
      { stageId: 'discovery', enteredAt: daysAgo(40) },
      { stageId: 'proposal', enteredAt: daysAgo(7) },
    ],
    closeDateChanges: [],
    amountChanges: [],
    fields: {},
    ...overrides,
  };
}

let seq = 0;
export function act(overrides: Partial<Activity> & Pick<Activity, 'type' | 'occurredAt'>): Activity {
  seq++;
  return {
    id: `act-${seq}`,
    dealIds: ['deal-1'],
    direction: null,
    ownerId: 'owner-1',
    contactIds: [],
    isReply: null,
    callOutcome: null,
    durationSeconds: null,
    meetingOutcome: null,
    dueAt: null,
    taskStatus: null,
    bodyLength: 0,
    ...overrides,
  };
}

export const buyerEmail = (daysBefore: number, contactIds: string[] = ['c1'], from?: number): Activity =>
  act({
    type: 'email',
    occurredAt: daysAgo(daysBefore, from),
    direction: 'inbound',
    isReply: true,
    contactIds,
    bodyLength: 300,
  });
export const repEmail = (daysBefore: number, contactIds: string[] = ['c1'], from?: number): Activity =>
  act({
    type: 'email',
    occurredAt: daysAgo(daysBefore, from),
    direction: 'outbound',
    isReply: false,
    contactIds,
    bodyLength: 400,
  });
export const heldMeeting = (
  daysBefore: number,
  contactIds: string[],
  bodyLength = 500,
  from?: number,
): Activity =>
  act({
    type: 'meeting',
    occurredAt: daysAgo(daysBefore, from),
    meetingOutcome: 'completed',
    contactIds,
    bodyLength,
  });
export const futureMeeting = (daysAhead: number, contactIds: string[], from?: number): Activity =>
  act({ type: 'meeting', occurredAt: daysAgo(-daysAhead, from), meetingOutcome: 'scheduled', contactIds });
export const connectedCall = (daysBefore: number, contactIds: string[], from?: number): Activity =>
  act({
    type: 'call',
    occurredAt: daysAgo(daysBefore, from),
    direction: 'outbound',
    callOutcome: 'connected',
    durationSeconds: 900,
    contactIds,
    bodyLength: 250,
  });

export const CONTACTS: Contact[] = [
  { id: 'c1', name: 'Ann', email: 'ann@acme.test', title: 'VP Engineering', accountId: 'acc-1' },
  { id: 'c2', name: 'Bob', email: 'bob@acme.test', title: 'Senior Engineer', accountId: 'acc-1' },
  { id: 'c3', name: 'Cy', email: 'cy@acme.test', title: 'Procurement Manager', accountId: 'acc-1' },
];

/** A deal with buyer replies, a booked meeting with 2 buyer attendees, 3 engaged contacts incl. a decision maker. */
export function healthyRecord(): DealRecord {
  return {
    deal: makeDeal({
      contacts: [
        { contactId: 'c1', role: 'Decision Maker', isPrimary: true },
        { contactId: 'c2', role: 'Influencer', isPrimary: false },
      ],
    }),
    activities: [
      repEmail(9),
      buyerEmail(8, ['c1']),
      heldMeeting(6, ['c1', 'c2', 'c3']),
      repEmail(5, ['c2']),
      buyerEmail(4, ['c2']),
      connectedCall(3, ['c3']),
      repEmail(2),
      buyerEmail(1, ['c1']),
      futureMeeting(5, ['c1', 'c2']),
      act({ type: 'task', occurredAt: daysAgo(1), taskStatus: 'open', dueAt: daysAgo(-3) }),
    ],
    contacts: CONTACTS,
    account: ACCOUNT,
    pipeline: PIPELINE,
  };
}

/** A ghosted deal: the rep keeps writing, the buyer stopped 40 days ago, close date passed after 3 pushes. */
export function ghostedRecord(): DealRecord {
  return {
    deal: makeDeal({
      id: 'deal-ghost',
      stageHistory: [
        { stageId: 'qualify', enteredAt: daysAgo(120) },
        { stageId: 'discovery', enteredAt: daysAgo(100) },
        { stageId: 'proposal', enteredAt: daysAgo(60) },
      ],
      createdAt: daysAgo(120),
      closeDate: dateIn(-10),
      closeDateChanges: [
        { at: daysAgo(90), from: dateIn(-80), to: dateIn(-50) },
        { at: daysAgo(55), from: dateIn(-50), to: dateIn(-30) },
        { at: daysAgo(35), from: dateIn(-30), to: dateIn(-10) },
      ],
      nextStep: null,
      nextStepUpdatedAt: daysAgo(50),
    }),
    activities: [
      buyerEmail(40, ['c1']),
      repEmail(38),
      repEmail(25),
      repEmail(20),
      repEmail(15),
      repEmail(10),
      repEmail(5),
    ],
    contacts: CONTACTS,
    account: ACCOUNT,
    pipeline: PIPELINE,
  };
}
