// Scoring engine benchmark: scoring 1,000,000 compiled deals with 30 activities each on one core,
// the compile step measured separately, and training on 50,000 closed deals.
// Run: npx node bench/scoring.bench.ts   (BENCH_QUICK=1 for ~20,000 deals / 5,000 closed)
//
// Deals are generated, compiled and scored in chunks and then dropped, so memory stays flat and no
// million deal objects are ever held; only compile and score calls are inside the timers.

import type { Activity, Deal, Pipeline } from '../src/domain/index.ts';
import { calibrate } from '../src/scoring/calibration/calibrate.ts';
import { mulberry32 } from '../src/scoring/calibration/rng.ts';
import { scoreDeal } from '../src/scoring/combine.ts';
import { createScoringContext } from '../src/scoring/context.ts';
import { compileDeal, type DealInput, type DealRecord } from '../src/scoring/deal-input.ts';
import { learnNorms, outcomeOf } from '../src/scoring/norms.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const DEALS = QUICK ? 20_000 : 1_000_000;
const CLOSED = QUICK ? 5_000 : 50_000;
const ACTIVITIES = 30;
const CHUNK = 10_000;
const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T12:00:00.000Z');

const pipeline: Pipeline = {
  id: 'sales',
  label: 'Sales',
  stages: ['qualify', 'discovery', 'proposal', 'negotiation'].map((id, order) => ({
    id,
    label: id,
    order,
    isClosed: false,
    isWon: false,
    probability: 0.1 + order * 0.2,
  })),
};
pipeline.stages.push(
  { id: 'won', label: 'Won', order: 4, isClosed: true, isWon: true, probability: 1 },
  { id: 'lost', label: 'Lost', order: 5, isClosed: true, isWon: false, probability: 0 },
);
const account = { id: 'acc', name: 'Acme', industry: 'Software', employees: 200, annualRevenue: null };
const contacts = ['c1', 'c2', 'c3', 'c4'].map((id, i) => ({
  id,
  name: id,
  email: null,
  title: i === 0 ? 'VP Finance' : 'Engineer',
  accountId: 'acc',
}));
const TYPES: Activity['type'][] = ['email', 'email', 'email', 'call', 'meeting', 'note', 'task'];
const iso = (ms: number) => new Date(ms).toISOString();

/** One deal with `ACTIVITIES` activities over the 90 days before `now`; closed when `outcome` is given. */
function makeRecord(i: number, rand: () => number, now: number, outcome?: 'won' | 'lost'): DealRecord {
  const id = `d${i}`;
  const created = now - (30 + Math.floor(rand() * 120)) * DAY;
  const activities: Activity[] = [];
  for (let k = 0; k < ACTIVITIES; k++) {
    const type = TYPES[Math.floor(rand() * TYPES.length)]!;
    const at = now - Math.floor(rand() * 90 * DAY) + (k === 0 && !outcome ? 10 * DAY : 0);
    activities.push({
      id: `${id}-${k}`,
      type,
      dealIds: [id],
      occurredAt: iso(at),
      direction: type === 'email' || type === 'call' ? (rand() < 0.4 ? 'inbound' : 'outbound') : null,
      ownerId: 'o1',
      contactIds: [contacts[Math.floor(rand() * 4)]!.id],
      isReply: type === 'email' ? rand() < 0.5 : null,
      callOutcome: type === 'call' ? (rand() < 0.5 ? 'connected' : 'no_answer') : null,
      durationSeconds: type === 'call' ? Math.floor(rand() * 1800) : null,
      meetingOutcome:
        type === 'meeting' ? (at > now ? 'scheduled' : rand() < 0.85 ? 'completed' : 'no_show') : null,
      dueAt: type === 'task' ? iso(at + 7 * DAY) : null,
      taskStatus: type === 'task' ? (rand() < 0.5 ? 'open' : 'completed') : null,
      bodyLength: Math.floor(rand() * 600),
    });
  }
  const stage = Math.floor(rand() * 4);
  const history = [{ stageId: 'qualify', enteredAt: iso(created) }];
  for (let s = 1; s <= stage; s++)
    history.push({ stageId: pipeline.stages[s]!.id, enteredAt: iso(created + s * 10 * DAY) });
  if (outcome) history.push({ stageId: outcome, enteredAt: iso(now) });
  const deal: Deal = {
    id,
    name: id,
    pipelineId: 'sales',
    stageId: outcome ?? pipeline.stages[stage]!.id,
    isClosed: outcome != null,
    isWon: outcome === 'won',
    amount: 1000 + Math.floor(rand() * 100_000),
    currency: 'EUR',
    closeDate: iso(now + Math.floor(rand() * 60 - 20) * DAY).slice(0, 10),
    createdAt: iso(created),
    updatedAt: iso(now - DAY),
    closedAt: outcome ? iso(now) : null,
    ownerId: `o${i % 20}`,
    accountId: `a${i % 5000}`,
    nextStep: rand() < 0.7 ? 'Call back' : null,
    nextStepUpdatedAt: iso(now - Math.floor(rand() * 40) * DAY),
    contacts: [{ contactId: 'c1', role: 'Decision Maker', isPrimary: true }],
    stageHistory: history,
    closeDateChanges:
      rand() < 0.3
        ? [{ at: iso(now - 20 * DAY), from: iso(now - 25 * DAY).slice(0, 10), to: iso(now).slice(0, 10) }]
        : [],
    amountChanges: [],
    fields: {},
  };
  return { deal, activities, contacts, account, pipeline };
}

function line(label: string, value: string): void {
  console.log(`${label.padEnd(34)} ${value}`);
}

// --- norms from a history sample (not timed: a nightly step, not per deal) ---
const rand = mulberry32(42);
const sample: DealInput[] = [];
const sampleOutcomes = [];
for (let i = 0; i < 5_000; i++) {
  const r = makeRecord(i, rand, NOW - 60 * DAY, i % 3 === 0 ? 'won' : 'lost');
  sample.push(compileDeal(r, { asOf: NOW - 60 * DAY }));
  const o = outcomeOf(r);
  if (o) sampleOutcomes.push(o);
}
const norms = learnNorms(sample, sampleOutcomes);
sample.length = 0;
const ctx = createScoringContext({ asOf: NOW, norms });

// --- compile + score, chunked ---
let compileMs = 0;
let scoreMs = 0;
let checksum = 0;
let bands = { healthy: 0, watch: 0, at_risk: 0 };
const chunkInputs: DealInput[] = new Array(CHUNK);
for (let start = 0; start < DEALS; start += CHUNK) {
  const n = Math.min(CHUNK, DEALS - start);
  const records: DealRecord[] = new Array(n);
  for (let j = 0; j < n; j++) records[j] = makeRecord(start + j, rand, NOW);
  let t = performance.now();
  for (let j = 0; j < n; j++) chunkInputs[j] = compileDeal(records[j]!, { asOf: NOW });
  compileMs += performance.now() - t;
  t = performance.now();
  for (let j = 0; j < n; j++) {
    const r = scoreDeal(chunkInputs[j]!, ctx);
    checksum += r.score;
    bands[r.band]++;
  }
  scoreMs += performance.now() - t;
}
const rssAfterScoring = process.resourceUsage().maxRSS;

// --- training on closed deals (generated lazily, consumed once) ---
function* closedDeals(): Generator<DealRecord> {
  const r2 = mulberry32(7);
  for (let i = 0; i < CLOSED; i++) {
    const won = r2() < 0.35;
    yield makeRecord(i, r2, NOW - Math.floor(r2() * 300) * DAY, won ? 'won' : 'lost');
  }
}
let t = performance.now();
const { report } = calibrate(closedDeals());
const trainMs = performance.now() - t;
t = 0;

const scorePerSec = DEALS / (scoreMs / 1000);
const compilePerSec = DEALS / (compileMs / 1000);
const figures = {
  bench: 'scoring',
  quick: QUICK,
  deals: DEALS,
  activitiesPerDeal: ACTIVITIES,
  scoreSeconds: Math.round(scoreMs) / 1000,
  scoreDealsPerSecond: Math.round(scorePerSec),
  compileSeconds: Math.round(compileMs) / 1000,
  compileDealsPerSecond: Math.round(compilePerSec),
  meanScore: Math.round((checksum / DEALS) * 10) / 10,
  bands,
  peakRssMiBAfterScoring: Math.round(rssAfterScoring / 1024),
  trainingDeals: CLOSED,
  trainingSeconds: Math.round(trainMs) / 1000,
  trainingStatus: report.status,
  trainingHoldoutAuc: report.holdout?.auc ?? null,
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  targetDealsPerSecond: 200_000,
};
bands = figures.bands;
line('deals scored', `${DEALS.toLocaleString('en')} x ${ACTIVITIES} activities`);
line(
  'score (compiled inputs)',
  `${figures.scoreSeconds} s, ${figures.scoreDealsPerSecond.toLocaleString('en')} deals/s (target 200,000)`,
);
line(
  'compile (records -> inputs)',
  `${figures.compileSeconds} s, ${figures.compileDealsPerSecond.toLocaleString('en')} deals/s`,
);
line(
  'bands',
  `healthy ${bands.healthy}, watch ${bands.watch}, at risk ${bands.at_risk}; mean score ${figures.meanScore}`,
);
line('peak RSS after scoring', `${figures.peakRssMiBAfterScoring} MiB`);
line(
  'training',
  `${CLOSED.toLocaleString('en')} closed deals in ${figures.trainingSeconds} s (${report.status}, holdout AUC ${figures.trainingHoldoutAuc})`,
);
line('peak RSS', `${figures.peakRssMiB} MiB`);
console.log(JSON.stringify(figures));
