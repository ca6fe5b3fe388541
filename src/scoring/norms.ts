// Norms learned from a tenant's own history: what is "usual" for its deals. Indicators compare a
// deal against these ("No buyer reply in 12 days, usually 3"). Serialisable as plain JSON; outcome
// series are time-stamped so that a deal scored as of T only sees deals closed before T (no label
// leakage in training).

import { z } from 'zod';
import {
  ACT_CALL,
  ACT_EMAIL,
  ACT_MEETING,
  activityAt,
  activityFlags,
  activityType,
  type DealInput,
  type DealRecord,
  F_CONNECTED,
  F_HELD,
  F_INBOUND,
  F_PLANNED,
  F_REPLY,
  type PipelineInfo,
} from './deal-input.ts';
import { DAY_MS, parseTime } from './time.ts';

/** Values used wherever the tenant's history is too thin (fewer than `minSamples` observations). */
export const DEFAULT_NORMS = {
  /** Median days a deal spends in any one stage. */
  stageDays: 14,
  /** Median days between a buyer's inbound emails/calls on a deal. */
  replyGapDays: 3,
  /** Median two-way touches per 30 days while a deal sits in a stage. */
  twoWayPer30: 4,
  /** Tenant-wide win rate of closed deals. */
  winRate: 0.25,
} as const;

const NormSchema = z.object({ median: z.number().nonnegative(), n: z.number().int().nonnegative() });
type Norm = z.infer<typeof NormSchema>;

/** Closing times (epoch ms, ascending) of won and lost deals. */
const OutcomeSeriesSchema = z.object({ wonAt: z.array(z.number()), lostAt: z.array(z.number()) });
type OutcomeSeries = z.infer<typeof OutcomeSeriesSchema>;

// Lists of entries rather than records keyed by CRM ids: an id such as "__proto__" stays data
// through JSON and zod (a zod record would turn it into a prototype assignment).
const StageNormSchema = NormSchema.extend({ pipelineId: z.string(), stageId: z.string() });
type StageNorm = z.infer<typeof StageNormSchema>;

export const NormsSchema = z.object({
  version: z.literal(1),
  /** Observations needed before a learned norm replaces the default. */
  minSamples: z.number().int().positive(),
  defaults: z.object({
    stageDays: z.number().positive(),
    replyGapDays: z.number().positive(),
    twoWayPer30: z.number().positive(),
    winRate: z.number().gt(0).lt(1),
  }),
  /** Median days in stage per pipeline and stage (completed stays only). */
  stageDays: z.array(StageNormSchema),
  replyGapDays: NormSchema,
  /** Two-way touches per 30 days while in a stage, per pipeline and stage. */
  twoWayPer30: z.array(StageNormSchema),
  twoWayPer30Overall: NormSchema,
  outcomes: z.object({
    all: OutcomeSeriesSchema,
    /** Per owner and lower-case industry ('*' = all industries). */
    byOwner: z.array(OutcomeSeriesSchema.extend({ ownerId: z.string(), industry: z.string() })),
    byAccount: z.array(OutcomeSeriesSchema.extend({ accountId: z.string() })),
  }),
  learnedFrom: z.object({ deals: z.number().int(), closedDeals: z.number().int() }),
});
export type Norms = z.infer<typeof NormsSchema>;

/** A closed deal's outcome, for win rates and account history. */
export interface DealOutcome {
  ownerId: string | null;
  accountId: string | null;
  /** Lower-case industry of the account, or null. */
  industry: string | null;
  closedAt: number;
  won: boolean;
}

/** The outcome of a closed deal record; null for open deals or when the close time is unknown. */
export function outcomeOf(record: DealRecord): DealOutcome | null {
  const { deal } = record;
  if (!deal.isClosed) return null;
  const closedAt = parseTime(deal.closedAt);
  if (Number.isNaN(closedAt)) return null;
  return {
    ownerId: deal.ownerId,
    accountId: deal.accountId,
    industry: record.account?.industry?.trim().toLowerCase() || null,
    closedAt,
    won: deal.isWon,
  };
}

/** True for a touch where the buyer took part: inbound email/call, reply, connected call, held meeting. */
function isTwoWay(type: number, flags: number): boolean {
  if (type === ACT_EMAIL) return (flags & (F_INBOUND | F_REPLY)) !== 0;
  if (type === ACT_CALL) return (flags & (F_INBOUND | F_CONNECTED)) !== 0;
  if (type === ACT_MEETING) return (flags & (F_HELD | F_PLANNED)) !== 0;
  return false;
}

export interface LearnNormsOptions {
  /** Default 5. */
  minSamples?: number;
  /** Override the defaults used for thin history. */
  defaults?: Partial<Norms['defaults']>;
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

function toNorm(xs: number[]): Norm {
  const n = xs.length;
  return { median: n > 0 ? Math.round(median(xs) * 100) / 100 : 0, n };
}

function push2(map: Map<string, Map<string, number[]>>, a: string, b: string, v: number): void {
  let inner = map.get(a);
  if (!inner) {
    inner = new Map();
    map.set(a, inner);
  }
  const arr = inner.get(b);
  if (arr) arr.push(v);
  else inner.set(b, [v]);
}

const byKey = <V>(m: Map<string, V>): [string, V][] =>
  [...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));

function nest(map: Map<string, Map<string, number[]>>): StageNorm[] {
  const out: StageNorm[] = [];
  for (const [pipelineId, stages] of byKey(map))
    for (const [stageId, xs] of byKey(stages)) out.push({ pipelineId, stageId, ...toNorm(xs) });
  return out;
}

function addOutcome(series: OutcomeSeries, o: DealOutcome): void {
  (o.won ? series.wonAt : series.lostAt).push(o.closedAt);
}

function sortSeries(s: OutcomeSeries): void {
  s.wonAt.sort((a, b) => a - b);
  s.lostAt.sort((a, b) => a - b);
}

/**
 * Learns norms one deal at a time, so a large tenant's compiled deals and outcomes need not be held
 * together: what is kept is the few numbers each deal adds (stage stays, touch rates, reply gaps,
 * close times). The same deals and outcomes in the same order give the same norms as
 * {@link learnNorms}, whichever way they are interleaved.
 */
export class NormsLearner {
  readonly #stageDur = new Map<string, Map<string, number[]>>();
  readonly #touchRate = new Map<string, Map<string, number[]>>();
  readonly #touchAll: number[] = [];
  readonly #gaps: number[] = [];
  #deals = 0;
  // Maps, not objects, while collecting: CRM ids such as "__proto__" must stay plain keys.
  readonly #all: OutcomeSeries = { wonAt: [], lostAt: [] };
  readonly #owners = new Map<string, Map<string, OutcomeSeries>>();
  readonly #accounts = new Map<string, OutcomeSeries>();
  #closedDeals = 0;

  /** A compiled deal (already cut at its own `asOf`, so nothing later is seen). */
  addDeal(d: DealInput): void {
    this.#deals++;
    // Stage stays: completed ones give durations; stays of a week or more give touch rates.
    const ns = d.stageAt.length;
    let a = 0;
    for (let s = 0; s < ns; s++) {
      const stageId = d.stageIds[s]!;
      if (d.pipeline?.closed.get(stageId) === true) continue;
      const from = d.stageAt[s]!;
      const to = s + 1 < ns ? d.stageAt[s + 1]! : d.isClosed ? from : d.asOf;
      if (s + 1 < ns) push2(this.#stageDur, d.pipelineId, stageId, (to - from) / DAY_MS);
      const days = (to - from) / DAY_MS;
      if (days >= 7) {
        let touches = 0;
        while (a < d.actCount && activityAt(d, a) < from) a++;
        for (let i = a; i < d.actCount && activityAt(d, i) < to; i++)
          if (isTwoWay(activityType(d, i), activityFlags(d, i))) touches++;
        const rate = (touches / days) * 30;
        push2(this.#touchRate, d.pipelineId, stageId, rate);
        this.#touchAll.push(rate);
      }
    }
    // Gaps between the buyer's successive inbound emails/calls.
    let prevIn = Number.NaN;
    for (let i = 0; i < d.actCount; i++) {
      const at = activityAt(d, i);
      if (at > d.asOf) break;
      const t = activityType(d, i);
      if ((t === ACT_EMAIL || t === ACT_CALL) && (activityFlags(d, i) & F_INBOUND) !== 0) {
        if (prevIn >= 0 && at - prevIn >= 3_600_000) this.#gaps.push(Math.min(90, (at - prevIn) / DAY_MS));
        prevIn = at;
      }
    }
  }

  /** A closed deal's outcome (win rates and account history). */
  addOutcome(o: DealOutcome): void {
    if (!Number.isFinite(o.closedAt)) return;
    this.#closedDeals++;
    addOutcome(this.#all, o);
    if (o.ownerId != null) {
      let owner = this.#owners.get(o.ownerId);
      if (!owner) {
        owner = new Map();
        this.#owners.set(o.ownerId, owner);
      }
      addOutcome(seriesIn(owner, '*'), o);
      if (o.industry != null) addOutcome(seriesIn(owner, o.industry), o);
    }
    if (o.accountId != null) addOutcome(seriesIn(this.#accounts, o.accountId), o);
  }

  /** The norms learned so far (call once: the collected series are sorted in place). */
  norms(options: LearnNormsOptions = {}): Norms {
    sortSeries(this.#all);
    const byOwner: Norms['outcomes']['byOwner'] = [];
    for (const [ownerId, inds] of byKey(this.#owners))
      for (const [industry, series] of byKey(inds)) {
        sortSeries(series);
        byOwner.push({ ownerId, industry, ...series });
      }
    const byAccount: Norms['outcomes']['byAccount'] = [];
    for (const [accountId, series] of byKey(this.#accounts)) {
      sortSeries(series);
      byAccount.push({ accountId, ...series });
    }
    return {
      version: 1,
      minSamples: options.minSamples ?? 5,
      defaults: { ...DEFAULT_NORMS, ...options.defaults },
      stageDays: nest(this.#stageDur),
      replyGapDays: toNorm(this.#gaps),
      twoWayPer30: nest(this.#touchRate),
      twoWayPer30Overall: toNorm(this.#touchAll),
      outcomes: { all: this.#all, byOwner, byAccount },
      learnedFrom: { deals: this.#deals, closedDeals: this.#closedDeals },
    };
  }
}

function seriesIn<K>(m: Map<K, OutcomeSeries>, k: K): OutcomeSeries {
  let s = m.get(k);
  if (!s) {
    s = { wonAt: [], lostAt: [] };
    m.set(k, s);
  }
  return s;
}

/**
 * Learns norms from compiled deals (each already cut at its own `asOf`, so nothing later is seen)
 * and from closed-deal outcomes. Deterministic: the same inputs give the same JSON.
 */
export function learnNorms(
  inputs: Iterable<DealInput>,
  outcomes: Iterable<DealOutcome>,
  options: LearnNormsOptions = {},
): Norms {
  const learner = new NormsLearner();
  for (const d of inputs) learner.addDeal(d);
  for (const o of outcomes) learner.addOutcome(o);
  return learner.norms(options);
}

/** Norms with nothing learned: every comparison uses {@link DEFAULT_NORMS}. */
export function defaultNorms(): Norms {
  return learnNorms([], []);
}

/** A norm value and where it came from. */
interface NormValue {
  value: number;
  /** True when learned from at least `minSamples` observations; false when the default was used. */
  learned: boolean;
  n: number;
}

/** Wins and losses closed strictly before a moment (read-only: results may be shared). */
interface OutcomeCounts {
  readonly won: number;
  readonly lost: number;
  /** First win (epoch ms), NaN when none. */
  readonly firstWonAt: number;
}

/** Number of sorted values strictly below `x`. */
function countBelow(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const EMPTY_COUNTS: OutcomeCounts = Object.freeze({ won: 0, lost: 0, firstWonAt: Number.NaN });

function countSeries(s: OutcomeSeries | undefined, before: number): OutcomeCounts {
  if (!s) return EMPTY_COUNTS;
  const won = countBelow(s.wonAt, before);
  return { won, lost: countBelow(s.lostAt, before), firstWonAt: won > 0 ? s.wonAt[0]! : Number.NaN };
}

/**
 * A series with its counts for the last moment asked. A batch scores every deal as of one moment,
 * so each owner's and account's counts are computed once per batch, not once per deal.
 */
class MemoSeries {
  #at = Number.NaN;
  #counts: OutcomeCounts = EMPTY_COUNTS;
  readonly #series: OutcomeSeries;
  constructor(series: OutcomeSeries) {
    this.#series = series;
  }
  before(asOf: number): OutcomeCounts {
    if (asOf !== this.#at) {
      this.#at = asOf;
      this.#counts = countSeries(this.#series, asOf);
    }
    return this.#counts;
  }
}

/** Norms indexed for fast lookup during scoring. Build once per batch with {@link prepareNorms}. */
export interface PreparedNorms {
  readonly norms: Norms;
  stageDays(pipelineId: string, stageId: string): NormValue;
  replyGapDays(): NormValue;
  /**
   * Days the open stages after position `stageOrder` of `pipeline` usually take in total (the sum
   * of their norms under `pipelineId`). Memoized per pipeline: every deal in a stage asks this.
   */
  laterStagesDays(pipelineId: string, pipeline: PipelineInfo, stageOrder: number): number;
  twoWayPer30(pipelineId: string, stageId: string | null): NormValue;
  /** Tenant-wide closed outcomes before `asOf`. */
  all(asOf: number): OutcomeCounts;
  /** An owner's outcomes before `asOf`, in one industry (or all when industry is null). */
  owner(ownerId: string, industry: string | null, asOf: number): OutcomeCounts;
  account(accountId: string, asOf: number): OutcomeCounts;
}

const prepared = new WeakMap<Norms, PreparedNorms>();

export function prepareNorms(norms: Norms): PreparedNorms {
  const cached = prepared.get(norms);
  if (cached) return cached;
  const min = norms.minSamples;
  const d = norms.defaults;
  // Nested maps of ready NormValue objects: lookups during scoring allocate nothing.
  const nested = (list: readonly StageNorm[], floor: number): Map<string, Map<string, NormValue>> => {
    const m = new Map<string, Map<string, NormValue>>();
    for (const v of list) {
      let inner = m.get(v.pipelineId);
      if (!inner) {
        inner = new Map();
        m.set(v.pipelineId, inner);
      }
      if (v.n >= min) inner.set(v.stageId, { value: Math.max(floor, v.median), learned: true, n: v.n });
      else inner.set(v.stageId, { value: NaN, learned: false, n: v.n });
    }
    return m;
  };
  const stage = nested(norms.stageDays, 1);
  const touch = nested(norms.twoWayPer30, 0.5);
  const owners = new Map<string, Map<string, MemoSeries>>();
  for (const o of norms.outcomes.byOwner) {
    let inner = owners.get(o.ownerId);
    if (!inner) {
      inner = new Map();
      owners.set(o.ownerId, inner);
    }
    inner.set(o.industry, new MemoSeries(o));
  }
  const accounts = new Map(norms.outcomes.byAccount.map((a) => [a.accountId, new MemoSeries(a)]));
  const defaultStage: NormValue = { value: d.stageDays, learned: false, n: 0 };
  const replyGap: NormValue =
    norms.replyGapDays.n >= min
      ? { value: Math.max(0.5, norms.replyGapDays.median), learned: true, n: norms.replyGapDays.n }
      : { value: d.replyGapDays, learned: false, n: norms.replyGapDays.n };
  const overallTouch: NormValue =
    norms.twoWayPer30Overall.n >= min
      ? {
          value: Math.max(0.5, norms.twoWayPer30Overall.median),
          learned: true,
          n: norms.twoWayPer30Overall.n,
        }
      : { value: d.twoWayPer30, learned: false, n: norms.twoWayPer30Overall.n };
  // Thin stage norms fall back (to the default, or the overall touch rate) but keep their count.
  for (const inner of stage.values())
    for (const [k, v] of inner) if (!v.learned) inner.set(k, { value: d.stageDays, learned: false, n: v.n });
  for (const inner of touch.values()) for (const [k, v] of inner) if (!v.learned) inner.set(k, overallTouch);
  const all = new MemoSeries(norms.outcomes.all);
  const later = new WeakMap<PipelineInfo, Map<number, number>>();
  let lastAccountId: string | null = null;
  let lastAccount: MemoSeries | undefined;
  const p: PreparedNorms = {
    norms,
    stageDays: (pipelineId, stageId) => stage.get(pipelineId)?.get(stageId) ?? defaultStage,
    replyGapDays: () => replyGap,
    laterStagesDays(pipelineId, pipeline, stageOrder) {
      const sum = () => {
        let days = 0;
        for (const s of pipeline.openStages)
          if ((pipeline.order.get(s) ?? -1) > stageOrder) days += p.stageDays(pipelineId, s).value;
        return days;
      };
      if (pipelineId !== pipeline.id) return sum(); // a deal filed under another pipeline's id
      let byStage = later.get(pipeline);
      if (!byStage) {
        byStage = new Map();
        later.set(pipeline, byStage);
      }
      let days = byStage.get(stageOrder);
      if (days === undefined) {
        days = sum();
        byStage.set(stageOrder, days);
      }
      return days;
    },
    twoWayPer30: (pipelineId, stageId) =>
      (stageId != null && touch.get(pipelineId)?.get(stageId)) || overallTouch,
    // The counts are shared between callers and treated as read-only by every one of them.
    all: (asOf) => all.before(asOf),
    owner: (ownerId, industry, asOf) =>
      owners
        .get(ownerId)
        ?.get(industry ?? '*')
        ?.before(asOf) ?? EMPTY_COUNTS,
    account(accountId, asOf) {
      // Two indicators ask about the same account in a row: skip the second map lookup.
      if (accountId !== lastAccountId) {
        lastAccountId = accountId;
        lastAccount = accounts.get(accountId);
      }
      return lastAccount?.before(asOf) ?? EMPTY_COUNTS;
    },
  };
  prepared.set(norms, p);
  return p;
}
