import type { SandboxWorld, WorldActivity, WorldDeal } from '../../../src/sandbox/world.ts';

/** Options for {@link salesforceTestWorld}. */
export interface TestWorldOptions {
  /** Deals, each with five activities (email, call, meeting, note, task). Default 6. */
  deals?: number;
  /** Extra open tasks on deal 1 with subject "Bulk task <i>", for paging tests. Default 0. */
  bulkTasks?: number;
}

export const TEST_NOW = '2026-11-20T12:00:00.000Z';
const DAY = 86_400_000;
const at = (daysAgo: number) => new Date(Date.parse(TEST_NOW) - daysAgo * DAY).toISOString();

const STAGES = [
  { key: 'prospecting', label: 'Prospecting', order: 0, isClosed: false, isWon: false, probability: 0.1 },
  { key: 'qualification', label: 'Qualification', order: 1, isClosed: false, isWon: false, probability: 0.2 },
  {
    key: 'proposal',
    label: 'Proposal/Price Quote',
    order: 2,
    isClosed: false,
    isWon: false,
    probability: 0.6,
  },
  {
    key: 'negotiation',
    label: 'Negotiation/Review',
    order: 3,
    isClosed: false,
    isWon: false,
    probability: 0.8,
  },
  { key: 'won', label: 'Closed Won', order: 4, isClosed: true, isWon: true, probability: 1 },
  { key: 'lost', label: 'Closed Lost', order: 5, isClosed: true, isWon: false, probability: 0 },
];

/**
 * A small hand-made world with known values, so tests can state what each query must return.
 * Deal n: amount n*1000 (deal 3 has none), stage STAGES[(n-1) % 6], owner 1 + (n % 3), company 1 + (n % 4).
 */
export function salesforceTestWorld(options: TestWorldOptions = {}): SandboxWorld {
  const dealCount = options.deals ?? 6;
  const deals: WorldDeal[] = [];
  const activities: WorldActivity[] = [];
  let activityN = 1;
  const activity = (partial: Partial<WorldActivity> & Pick<WorldActivity, 'type' | 'dealN'>): void => {
    activities.push({
      n: activityN++,
      contactNs: [1],
      ownerN: 1,
      occurredAt: at(5),
      direction: null,
      isReply: null,
      subject: 'Subject',
      body: '',
      callStatus: null,
      durationSeconds: null,
      meetingOutcome: null,
      meetingEndAt: null,
      taskStatus: null,
      taskDueAt: null,
      messy: null,
      ...partial,
    });
  };
  for (let n = 1; n <= dealCount; n += 1) {
    const stage = STAGES[(n - 1) % STAGES.length] ?? STAGES[0];
    const contactN = 1 + (n % 6);
    deals.push({
      n,
      name: `Deal ${n}`,
      pipelineKey: 'default',
      stageKey: stage?.key ?? 'prospecting',
      amount: n === 3 ? null : n * 1000,
      closeDate: new Date(Date.parse(TEST_NOW) + n * 10 * DAY).toISOString().slice(0, 10),
      createdAt: at(100 + n),
      updatedAt: at(n),
      closedAt: stage?.isClosed ? at(1) : null,
      ownerN: 1 + (n % 3),
      companyN: 1 + (n % 4),
      nextStep: n % 2 === 0 ? `Next step ${n}` : null,
      nextStepUpdatedAt: n % 2 === 0 ? at(2) : null,
      stageHistory: [
        { stageKey: 'prospecting', enteredAt: at(100 + n) },
        ...(stage?.key === 'prospecting'
          ? []
          : [{ stageKey: stage?.key ?? 'prospecting', enteredAt: at(10) }]),
      ],
      closeDateHistory: [
        { at: at(100 + n), value: new Date(Date.parse(TEST_NOW) + n * 10 * DAY).toISOString().slice(0, 10) },
      ],
      amountHistory: [
        { at: at(100 + n), value: n * 500 },
        { at: at(20), value: n === 3 ? null : n * 1000 },
      ],
      contacts: [
        { contactN, role: 'Decision Maker', isPrimary: true },
        { contactN: 1 + ((n + 1) % 6), role: null, isPrimary: false },
      ],
      qualification: { budget_allocated: n % 2 === 0, decision_process: n % 3 === 0 ? 'Documented' : null },
      messy: null,
    });
    activity({
      type: 'email',
      dealN: n,
      contactNs: [contactN],
      direction: 'inbound',
      isReply: true,
      subject: `Pricing ${n}`,
      body: 'Looks good',
      occurredAt: at(3),
    });
    activity({
      type: 'call',
      dealN: n,
      contactNs: [contactN],
      direction: 'outbound',
      callStatus: 'COMPLETED',
      durationSeconds: 300,
      subject: `Call ${n}`,
      occurredAt: at(4),
    });
    activity({
      type: 'meeting',
      dealN: n,
      contactNs: [contactN, 1 + ((n + 1) % 6)],
      subject: `Demo ${n}`,
      meetingOutcome: 'COMPLETED',
      occurredAt: at(6),
      meetingEndAt: new Date(Date.parse(at(6)) + 45 * 60_000).toISOString(),
    });
    activity({
      type: 'note',
      dealN: n,
      subject: `Note ${n}`,
      body: 'Buyer shared the org chart',
      occurredAt: at(7),
    });
    activity({
      type: 'task',
      dealN: n,
      subject: `Follow up ${n}`,
      taskStatus: 'NOT_STARTED',
      taskDueAt: at(-2),
      occurredAt: at(8),
    });
  }
  for (let i = 0; i < (options.bulkTasks ?? 0); i += 1) {
    activity({
      type: 'task',
      dealN: 1,
      subject: `Bulk task ${i}`,
      taskStatus: 'COMPLETED',
      occurredAt: at(30),
      taskDueAt: at(30),
    });
  }
  return {
    seed: 1,
    now: TEST_NOW,
    owners: [1, 2, 3].map((n) => ({
      n,
      firstName: `Rep${n}`,
      lastName: 'Seller',
      email: `rep${n}@seller.example`,
      team: n === 1 ? 'East' : 'West',
    })),
    pipelines: [{ key: 'default', label: 'Sales', stages: STAGES }],
    companies: [1, 2, 3, 4].map((n) => ({
      n,
      name: `Company ${n}`,
      domain: `company${n}.example`,
      industry: n === 4 ? null : (['Software', 'Banking', 'Retail'][n - 1] ?? null),
      employees: n * 100,
      annualRevenue: n * 1_000_000,
    })),
    contacts: [1, 2, 3, 4, 5, 6].map((n) => ({
      n,
      firstName: `Buyer${n}`,
      lastName: 'Person',
      email: `buyer${n}@company.example`,
      title: n === 6 ? null : `Title ${n}`,
      companyN: 1 + (n % 4),
    })),
    deals,
    activities,
    targets: [
      { ownerN: 1, periodStart: '2026-10-01', periodEnd: '2026-12-31', amount: 250_000 },
      { ownerN: null, periodStart: '2026-10-01', periodEnd: '2026-12-31', amount: 900_000 },
    ],
  };
}
