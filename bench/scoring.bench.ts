// Scoring engine benchmark: scoring 1,000,000 compiled deals with 30 activities each on one core,
// the compile step measured separately, and training on 50,000 closed deals.
// Run: npx node bench/scoring.bench.ts   (BENCH_QUICK=1 for ~20,000 deals / 5,000 closed)
//
// Deals are generated and compiled in chunks and then dropped, so no million deal objects are ever
// held; only compile calls are inside the compile timer. Scoring then runs 1,000,000 times over a
// pool of the first 100,000 distinct compiled inputs.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Activity, Deal, Pipeline } from '../src/domain/index.ts';
import { calibrate } from '../src/scoring/calibration/calibrate.ts';
import { mulberry32 } from '../src/scoring/calibration/rng.ts';
import { scoreDeal } from '../src/scoring/combine.ts';
import { createScoringContext } from '../src/scoring/context.ts';
import { compileDeal, type DealInput, type DealRecord } from '../src/scoring/deal-input.ts';
import { learnNorms, outcomeOf } from '../src/scoring/norms.ts';

// A full collection before each timed phase, so that the generator's garbage (a million dropped
// records) is not collected, and charged, inside the scoring or training figures.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const QUICK = process.env.BENCH_QUICK === '1';
const DEALS = QUICK ? 20_000 : 1_000_000;
const CLOSED = QUICK ? 5_000 : 50_000;
const ACTIVITIES = 30;
const CHUNK = 10_000;
/** Distinct compiled inputs kept for the scoring phase. */
const POOL = QUICK ? 20_000 : 100_000;
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

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return d.user + d.system;
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

// --- compile, chunked: generate 10,000 records, compile them (timed), drop them ---
let compileMs = 0;
let scoreMs = 0;
// CPU time as well as wall time: on a shared machine wall time includes waiting for a core.
let compileCpuUs = 0;
let scoreCpuUs = 0;
let checksum = 0;
const bands = { healthy: 0, watch: 0, at_risk: 0 };
// The first POOL compiled inputs are kept (about 2 KiB each) for the scoring phase.
const pool: DealInput[] = [];
for (let start = 0; start < DEALS; start += CHUNK) {
  const n = Math.min(CHUNK, DEALS - start);
  const records: DealRecord[] = new Array(n);
  for (let j = 0; j < n; j++) records[j] = makeRecord(start + j, rand, NOW);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let j = 0; j < n; j++) {
    const input = compileDeal(records[j]!, { asOf: NOW });
    if (pool.length < POOL) pool.push(input);
  }
  compileMs += performance.now() - t0;
  compileCpuUs += cpuSince(c0);
}

// --- score DEALS compiled inputs, cycling through the pool of distinct ones (far larger than any
// CPU cache), so the generator's garbage does not land in the scoring figures. Three passes of
// DEALS each: on a shared VM one pass varies by +-25%, so the median and the best are reported. ---
const PASSES = 3;
const passCpuUs: number[] = [];
const passWallMs: number[] = [];
for (let pass = 0; pass < PASSES; pass++) {
  collectGarbage();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let k = 0; k < DEALS; k++) {
    const r = scoreDeal(pool[k % pool.length]!, ctx);
    checksum += r.score;
    if (pass === 0) bands[r.band]++;
  }
  passWallMs.push(performance.now() - t0);
  passCpuUs.push(cpuSince(c0));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
scoreMs = median(passWallMs);
scoreCpuUs = median(passCpuUs);
const bestCpuUs = Math.min(...passCpuUs);
const rssAfterScoring = process.resourceUsage().maxRSS;

// --- training on closed deals (generated lazily, consumed once). Outcomes here are random, so the
// holdout AUC is about 0.5: this measures time, not model quality (the unit tests cover that). ---
function* closedDeals(): Generator<DealRecord> {
  const r2 = mulberry32(7);
  for (let i = 0; i < CLOSED; i++) {
    const won = r2() < 0.35;
    yield makeRecord(i, r2, NOW - Math.floor(r2() * 300) * DAY, won ? 'won' : 'lost');
  }
}
collectGarbage();
const t = performance.now();
const tc = process.cpuUsage();
const { report } = calibrate(closedDeals());
const trainMs = performance.now() - t;
const trainCpuUs = cpuSince(tc);

const scorePerSec = DEALS / (scoreMs / 1000);
const compilePerSec = DEALS / (compileMs / 1000);
const figures = {
  bench: 'scoring',
  quick: QUICK,
  deals: DEALS,
  scoringPool: POOL,
  activitiesPerDeal: ACTIVITIES,
  scoreSeconds: Math.round(scoreMs) / 1000,
  scoreDealsPerSecond: Math.round(scorePerSec),
  scoreCpuSeconds: Math.round(scoreCpuUs / 1000) / 1000,
  scoreDealsPerCpuSecond: Math.round(DEALS / (scoreCpuUs / 1e6)),
  scoreDealsPerCpuSecondBest: Math.round(DEALS / (bestCpuUs / 1e6)),
  scorePassesDealsPerCpuSecond: passCpuUs.map((us) => Math.round(DEALS / (us / 1e6))),
  scorePasses: PASSES,
  compileSeconds: Math.round(compileMs) / 1000,
  compileDealsPerSecond: Math.round(compilePerSec),
  compileCpuSeconds: Math.round(compileCpuUs / 1000) / 1000,
  compileDealsPerCpuSecond: Math.round(DEALS / (compileCpuUs / 1e6)),
  meanScore: Math.round((checksum / (PASSES * DEALS)) * 10) / 10,
  bands,
  peakRssMiBAfterScoring: Math.round(rssAfterScoring / 1024),
  trainingDeals: CLOSED,
  trainingSeconds: Math.round(trainMs) / 1000,
  trainingCpuSeconds: Math.round(trainCpuUs / 1000) / 1000,
  trainingStatus: report.status,
  trainingCvAuc: report.validation?.auc.mean ?? null,
  peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  targetDealsPerSecond: 200_000,
};
const fmt = (x: number) => x.toLocaleString('en');
line('deals scored', `${fmt(DEALS)} x ${ACTIVITIES} activities`);
line(
  'score (compiled inputs)',
  `median of ${PASSES} passes ${fmt(figures.scoreDealsPerCpuSecond)} deals per CPU second (${figures.scoreCpuSeconds} s CPU), best ${fmt(figures.scoreDealsPerCpuSecondBest)}; wall ${figures.scoreSeconds} s, ${fmt(figures.scoreDealsPerSecond)} deals/s; target 200,000`,
);
line(
  'compile (records -> inputs)',
  `${fmt(figures.compileDealsPerCpuSecond)} deals per CPU second (${figures.compileCpuSeconds} s CPU); wall ${figures.compileSeconds} s, ${fmt(figures.compileDealsPerSecond)} deals/s`,
);
line(
  'bands',
  `healthy ${bands.healthy}, watch ${bands.watch}, at risk ${bands.at_risk}; mean score ${figures.meanScore}`,
);
line('peak RSS after scoring', `${figures.peakRssMiBAfterScoring} MiB`);
line(
  'training',
  `${fmt(CLOSED)} closed deals: wall ${figures.trainingSeconds} s, CPU ${figures.trainingCpuSeconds} s (${report.status}, cross-validated AUC ${figures.trainingCvAuc})`,
);
line('peak RSS', `${figures.peakRssMiB} MiB`);
console.log(JSON.stringify(figures));
