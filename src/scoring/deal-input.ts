// Compiles one deal (with its activities, contacts, account and pipeline) into the compact form the
// scoring engine reads: epoch-ms numbers, small integer codes, typed arrays. ISO strings are parsed
// here, once; scoring then never allocates per activity. Everything is reconstructed "as of" a
// given time, so the same compiler serves live scoring and training (where the cut-off is before
// the close and nothing dated after it may be looked at).

import type { Account, Activity, Contact, Deal, FieldValue, Pipeline } from '../domain/index.ts';
import { DAY_MS, parseAmount, parseDate, parseTime } from './time.ts';

/** Activity type codes (index into ACTIVITY_TYPES). */
export const ACT_EMAIL = 0;
export const ACT_CALL = 1;
export const ACT_MEETING = 2;
export const ACT_NOTE = 3;
export const ACT_TASK = 4;
const TYPE_CODE: Record<Activity['type'], number> = {
  email: ACT_EMAIL,
  call: ACT_CALL,
  meeting: ACT_MEETING,
  note: ACT_NOTE,
  task: ACT_TASK,
};

/** Activity flag bits. */
export const F_INBOUND = 1;
export const F_OUTBOUND = 2;
export const F_REPLY = 4;
/** A call that reached someone (connected, or an unknown outcome with a duration of a minute or more). */
export const F_CONNECTED = 8;
/** A meeting marked completed. */
export const F_HELD = 16;
export const F_NO_SHOW = 32;
export const F_CANCELED = 64;
/** Logged notes of at least NOTES_MIN_CHARS characters. */
export const F_NOTES = 128;
/** Logged notes long enough to count as discovery (DISCOVERY_MIN_CHARS). */
export const F_LONG_NOTES = 256;
/** A task still open (status open or unknown). */
export const F_TASK_OPEN = 512;
/** A meeting not (yet) marked held, no-show or canceled: scheduled, rescheduled or no outcome. */
export const F_PLANNED = 1024;

const NOTES_MIN_CHARS = 50;
/** Stage history entries kept per deal (the latest). */
const MAX_STAGE_ENTRIES = 200;
const DISCOVERY_MIN_CHARS = 200;

/** Per-pipeline stage metadata, compiled once per pipeline and shared by its deals. */
export interface PipelineInfo {
  readonly id: string;
  /** Stage id -> position in the pipeline. */
  readonly order: ReadonlyMap<string, number>;
  readonly label: ReadonlyMap<string, string>;
  readonly closed: ReadonlyMap<string, boolean>;
  readonly won: ReadonlyMap<string, boolean>;
  readonly probability: ReadonlyMap<string, number | null>;
  /** Open (not closed) stage ids in pipeline order. */
  readonly openStages: readonly string[];
}

/** Counts of what compilation dropped or could not read, for confidence and for reports. */
interface CompileDiagnostics {
  /** Activities dated after `asOf` (beyond the allowed horizon for scheduled meetings). */
  future: number;
  /** Same id, or same type + timestamp + direction, as an activity already kept. */
  duplicate: number;
  /** Unparsable timestamps. */
  invalid: number;
  /** Oldest activities dropped to respect `maxActivities`. */
  truncated: number;
  /** Stage history entries naming a stage the pipeline does not have. */
  unknownStages: number;
}

/** The compact, as-of-reconstructed form of one deal. Produced by {@link compileDeal}. */
export interface DealInput {
  readonly id: string;
  /** The time this input was reconstructed for (epoch ms). */
  readonly asOf: number;
  readonly pipelineId: string;
  readonly pipeline: PipelineInfo | null;
  readonly ownerId: string | null;
  readonly accountId: string | null;
  /** Lower-cased, trimmed industry of the account; null when unknown. */
  readonly industry: string | null;
  /** Account profile fields known (industry, size): 0, 1 or 2. */
  readonly accountProfileFields: number;
  readonly createdAt: number;

  // --- the snapshot as of `asOf` (reconstructed from history, never read from a later record) ---
  /** Current stage id; null when it cannot be known as of `asOf`. */
  readonly stageId: string | null;
  /** Position of the current stage in the pipeline; -1 when unknown. */
  readonly stageOrder: number;
  /** When the current stage was entered; NaN when unknown. */
  readonly stageEnteredAt: number;
  /** True when the stage entry time is only approximated by the creation date. */
  readonly stageEnteredApprox: boolean;
  readonly isClosed: boolean;
  readonly isWon: boolean;
  /** When the deal closed, if it was closed by `asOf`; NaN otherwise. */
  readonly closedAt: number;
  /** The CRM's stage probability 0..1, or NaN. */
  readonly stageProbability: number;
  /** Amount; NaN when missing. */
  readonly amount: number;
  /** Highest amount seen up to `asOf`; NaN when none. */
  readonly maxAmount: number;
  readonly amountCuts: number;
  /** Close date (midnight UTC); NaN when missing. */
  readonly closeDate: number;
  /** Close date moved later: count and total days. */
  readonly closePushes: number;
  readonly closePushDays: number;
  /** Moves to an earlier open stage. */
  readonly stageRegressions: number;
  /** True when stage or amount history was available to judge regressions. */
  readonly hasChangeHistory: boolean;
  /** Next step state: 1 set, 0 empty, -1 unknown as of `asOf`. */
  readonly nextStepState: number;
  /** When the next step was last updated; NaN when unknown. */
  readonly nextStepUpdatedAt: number;

  // --- stage history up to asOf, oldest first ---
  readonly stageAt: Float64Array;
  readonly stageIds: readonly string[];

  // --- activities up to asOf (plus scheduled meetings within the horizon), oldest first ---
  // Packed into two typed arrays (few objects per deal keeps a compiled deal small); read them with
  // the accessors below (activityAt, activityType, ...).
  readonly actCount: number;
  /** [0, n): when each activity happened; [n, 2n): task due date or meeting end (NaN when none). */
  readonly actTime: Float64Array;
  /**
   * [0, n): type (bits 0-2) | flags (bits 3-13) | buyer contacts, capped at 255 (bits 14-21);
   * [n, 2n]: contact offsets, the contacts of activity i being contactIdx[off(i) .. off(i+1)).
   */
  readonly actCode: Int32Array;
  readonly contactIdx: Uint8Array;

  // --- buyer contacts (deal contacts first, then others seen on activities), capped ---
  readonly contactIds: readonly string[];
  /** 1 when the contact's title or deal role marks a senior / decision-making person. */
  readonly contactSenior: Uint8Array;

  /** Qualification and custom fields, untouched (extension point for `field:<name>` indicators). */
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly diagnostics: CompileDiagnostics;
}

/** When activity `i` happened (epoch ms). */
export function activityAt(input: DealInput, i: number): number {
  return input.actTime[i]!;
}
/** Activity `i`'s task due date or meeting end (epoch ms), NaN when none. */
export function activityDueAt(input: DealInput, i: number): number {
  return input.actTime[input.actCount + i]!;
}
/** Activity `i`'s type code (ACT_EMAIL ... ACT_TASK). */
export function activityType(input: DealInput, i: number): number {
  return input.actCode[i]! & 7;
}
/** Activity `i`'s flag bits (F_INBOUND, ...). */
export function activityFlags(input: DealInput, i: number): number {
  return (input.actCode[i]! >>> 3) & 0x7ff;
}
/** Buyer contacts on activity `i` (capped at 255). */
export function activityBuyers(input: DealInput, i: number): number {
  return (input.actCode[i]! >>> 14) & 0xff;
}
/** Indices (into `contactIds`) of the contacts on activity `i`. */
export function activityContacts(input: DealInput, i: number): Uint8Array {
  return input.contactIdx.subarray(
    input.actCode[input.actCount + i]!,
    input.actCode[input.actCount + i + 1]!,
  );
}

/** Everything known about one deal, as the store or a connector hands it over. */
export interface DealRecord {
  deal: Deal;
  activities: readonly Activity[];
  /** Buyer contacts (with titles) linked to the deal or seen on its activities. */
  contacts?: readonly Contact[] | undefined;
  account?: Account | null | undefined;
  pipeline?: Pipeline | null | undefined;
}

export interface CompileOptions {
  /** The moment to reconstruct the deal for (ISO string or epoch ms). Required: there is no clock. */
  asOf: string | number;
  /** Keep at most this many activities per deal, the latest ones. Default 500. */
  maxActivities?: number;
  /**
   * Keep meetings scheduled up to this many days after `asOf` (joint-planning signal); other
   * activities dated after `asOf` are dropped. Default 60. Training sets 0: nothing after the
   * cut-off may be looked at.
   */
  futureHorizonDays?: number;
  /** Keep at most this many distinct buyer contacts per deal. Default 255. */
  maxContacts?: number;
}

const SENIOR_TITLE =
  /\b(chief|ceo|cfo|cto|coo|cio|ciso|cmo|cro|vp|svp|evp|vice[- ]president|president|head of|director|founder|co-founder|owner|partner|general manager|managing director|gm)\b/i;
const SENIOR_ROLE = /(decision|economic|executive|signer|approver|budget)/i;

/** True when a job title or deal role names a senior or decision-making person. */
export function isSeniorContact(title: string | null | undefined, role: string | null | undefined): boolean {
  return (title != null && SENIOR_TITLE.test(title)) || (role != null && SENIOR_ROLE.test(role));
}

const pipelineCache = new WeakMap<Pipeline, PipelineInfo>();

/** Compiles a pipeline's stage metadata (cached per Pipeline object). */
function compilePipeline(pipeline: Pipeline): PipelineInfo {
  const cached = pipelineCache.get(pipeline);
  if (cached) return cached;
  const order = new Map<string, number>();
  const label = new Map<string, string>();
  const closed = new Map<string, boolean>();
  const won = new Map<string, boolean>();
  const probability = new Map<string, number | null>();
  const sorted = [...pipeline.stages].sort((a, b) => a.order - b.order);
  for (const s of sorted) {
    order.set(s.id, s.order);
    label.set(s.id, s.label);
    closed.set(s.id, s.isClosed);
    won.set(s.id, s.isWon);
    probability.set(s.id, s.probability);
  }
  const info: PipelineInfo = {
    id: pipeline.id,
    order,
    label,
    closed,
    won,
    probability,
    openStages: sorted.filter((s) => !s.isClosed).map((s) => s.id),
  };
  pipelineCache.set(pipeline, info);
  return info;
}

/** Normalises an ISO time or epoch ms to epoch ms; throws on garbage (a programming error). */
export function toEpochMs(t: string | number): number {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isFinite(ms)) throw new RangeError(`invalid asOf: ${String(t)}`);
  return ms;
}

interface ActRow {
  at: number;
  type: number;
  flags: number;
  dueAt: number;
  contacts: readonly string[];
}

function flagsOf(a: Activity): number {
  let f = 0;
  if (a.direction === 'inbound') f |= F_INBOUND;
  else if (a.direction === 'outbound') f |= F_OUTBOUND;
  if (a.isReply === true) f |= F_REPLY;
  if (a.type === 'call') {
    if (a.callOutcome === 'connected') f |= F_CONNECTED;
    else if ((a.callOutcome == null || a.callOutcome === 'unknown') && (a.durationSeconds ?? 0) >= 60)
      f |= F_CONNECTED;
  } else if (a.type === 'meeting') {
    const o = a.meetingOutcome;
    if (o === 'completed') f |= F_HELD;
    else if (o === 'no_show') f |= F_NO_SHOW;
    else if (o === 'canceled') f |= F_CANCELED;
    else f |= F_PLANNED;
  } else if (a.type === 'task') {
    if (a.taskStatus !== 'completed') f |= F_TASK_OPEN;
  }
  if (a.bodyLength >= NOTES_MIN_CHARS) f |= F_NOTES;
  if (a.bodyLength >= DISCOVERY_MIN_CHARS) f |= F_LONG_NOTES;
  return f;
}

/**
 * Reconstructs a tracked field's value as of `asOf` from its change history: the last change at or
 * before `asOf` gives its `to`; failing that, the first later change gives its `from` (the value
 * that was in place); with no history the snapshot value stands.
 */
function valueAsOf(
  changes: readonly { at: string; from: string | null; to: string | null }[],
  asOf: number,
  snapshot: number,
  parse: (v: string | null) => number,
): number {
  let before: string | null | undefined;
  let beforeAt = Number.NEGATIVE_INFINITY;
  let after: string | null | undefined;
  let afterAt = Number.POSITIVE_INFINITY;
  for (const c of changes) {
    const at = parseTime(c.at);
    if (Number.isNaN(at)) continue;
    if (at <= asOf) {
      if (at >= beforeAt) {
        beforeAt = at;
        before = c.to;
      }
    } else if (at < afterAt) {
      afterAt = at;
      after = c.from;
    }
  }
  if (before !== undefined) return parse(before);
  if (after !== undefined) return parse(after);
  return snapshot;
}

// One shared string object per distinct id for the ids scoring looks up in maps (owner, account,
// pipeline, stage, industry). Deals parsed from JSON each carry their own copy of the same id; with
// one copy, a lookup compares pointers and reads a string already in the CPU cache instead of a
// cold copy per deal. Bounded: cleared when full.
const INTERN_MAX = 100_000;
const interned = new Map<string, string>();

function internKey<T extends string | null>(s: T): T {
  if (s === null) return s;
  const known = interned.get(s);
  if (known !== undefined) return known as T;
  if (interned.size >= INTERN_MAX) interned.clear();
  interned.set(s, s);
  return s;
}

/**
 * Compiles a deal into a {@link DealInput} as of `options.asOf`. Never throws on messy data:
 * bad timestamps, duplicates, future-dated activities and unknown stages are dropped or marked and
 * counted in `diagnostics`.
 */
export function compileDeal(record: DealRecord, options: CompileOptions): DealInput {
  const asOf = toEpochMs(options.asOf);
  const maxActivities = Math.max(0, options.maxActivities ?? 500);
  const horizon = asOf + Math.max(0, options.futureHorizonDays ?? 60) * DAY_MS;
  const maxContacts = Math.min(255, Math.max(0, options.maxContacts ?? 255));
  const { deal } = record;
  const pipeline = record.pipeline ? compilePipeline(record.pipeline) : null;
  const diagnostics: CompileDiagnostics = {
    future: 0,
    duplicate: 0,
    invalid: 0,
    truncated: 0,
    unknownStages: 0,
  };
  const createdAt = parseTime(deal.createdAt);
  const updatedAt = parseTime(deal.updatedAt);
  // The deal's own snapshot describes the present only when it was last changed by `asOf`.
  const snapshotIsCurrent = !(updatedAt > asOf);

  // --- stage history up to asOf ---
  const hist: { at: number; id: string; order: number }[] = [];
  for (const h of deal.stageHistory) {
    const at = parseTime(h.enteredAt);
    if (Number.isNaN(at)) {
      diagnostics.invalid++;
      continue;
    }
    if (at > asOf) continue;
    const order = pipeline?.order.get(h.stageId);
    if (order === undefined) diagnostics.unknownStages++;
    hist.push({ at, id: h.stageId, order: order ?? -1 });
  }
  hist.sort((a, b) => a.at - b.at);
  // Bound pathological histories; only recent stays matter for age and regressions.
  if (hist.length > MAX_STAGE_ENTRIES) hist.splice(0, hist.length - MAX_STAGE_ENTRIES);
  let stageId: string | null = null;
  let stageEnteredAt = Number.NaN;
  let stageEnteredApprox = false;
  const lastHist = hist[hist.length - 1];
  if (lastHist) {
    stageId = lastHist.id;
    stageEnteredAt = lastHist.at;
  } else if (snapshotIsCurrent) {
    stageId = deal.stageId;
    stageEnteredAt = createdAt;
    stageEnteredApprox = true;
  }
  const stageOrder = stageId != null ? (pipeline?.order.get(stageId) ?? -1) : -1;
  if (stageId != null && stageOrder < 0 && !lastHist) diagnostics.unknownStages++;
  const isClosed = stageId != null && pipeline?.closed.get(stageId) === true;
  const isWon = isClosed && pipeline?.won.get(stageId as string) === true;
  const recordedClose = parseTime(deal.closedAt);
  const closedAt = !isClosed ? Number.NaN : recordedClose <= asOf ? recordedClose : stageEnteredAt;
  const prob = stageId != null ? pipeline?.probability.get(stageId) : undefined;
  let stageRegressions = 0;
  for (let i = 1; i < hist.length; i++) {
    const prev = hist[i - 1]!;
    const cur = hist[i]!;
    // Reopening a closed deal is not a regression in the sales process sense.
    if (prev.order >= 0 && cur.order >= 0 && cur.order < prev.order && pipeline?.closed.get(prev.id) !== true)
      stageRegressions++;
  }

  // --- amount and close date as of asOf ---
  const amount = valueAsOf(deal.amountChanges, asOf, deal.amount ?? Number.NaN, parseAmount);
  let maxAmount = Number.isFinite(amount) ? amount : Number.NaN;
  let amountCuts = 0;
  for (const c of deal.amountChanges) {
    const at = parseTime(c.at);
    if (!(at <= asOf)) continue;
    const from = parseAmount(c.from);
    const to = parseAmount(c.to);
    if (from > 0 && to < from) amountCuts++;
    if (Number.isFinite(from) && !(from <= maxAmount)) maxAmount = from;
    if (Number.isFinite(to) && !(to <= maxAmount)) maxAmount = to;
  }
  const closeDate = valueAsOf(deal.closeDateChanges, asOf, parseDate(deal.closeDate), parseDate);
  let closePushes = 0;
  let closePushDays = 0;
  for (const c of deal.closeDateChanges) {
    const at = parseTime(c.at);
    if (!(at <= asOf)) continue;
    const from = parseDate(c.from);
    const to = parseDate(c.to);
    if (to > from) {
      closePushes++;
      closePushDays += Math.round((to - from) / DAY_MS);
    }
  }
  let amountChangesByAsOf = 0;
  for (const c of deal.amountChanges) if (parseTime(c.at) <= asOf) amountChangesByAsOf++;
  const hasChangeHistory = hist.length > 1 || amountChangesByAsOf > 0;

  // --- next step: only known as of asOf when it was last updated by then ---
  const nsAt = parseTime(deal.nextStepUpdatedAt);
  const hasText = deal.nextStep != null && deal.nextStep.trim() !== '';
  let nextStepState = -1;
  let nextStepUpdatedAt = Number.NaN;
  if (nsAt <= asOf || (Number.isNaN(nsAt) && snapshotIsCurrent)) {
    nextStepState = hasText ? 1 : 0;
    nextStepUpdatedAt = nsAt;
  }

  // --- contacts ---
  const contactIndex = new Map<string, number>();
  const contactIds: string[] = [];
  const senior: number[] = [];
  const titleById = new Map<string, string | null>();
  for (const c of record.contacts ?? []) titleById.set(c.id, c.title);
  const addContact = (id: string, role: string | null): number => {
    const known = contactIndex.get(id);
    if (known !== undefined) {
      if (role != null && isSeniorContact(null, role)) senior[known] = 1;
      return known;
    }
    if (contactIds.length >= maxContacts) return -1;
    const idx = contactIds.length;
    contactIndex.set(id, idx);
    contactIds.push(id);
    senior.push(isSeniorContact(titleById.get(id), role) ? 1 : 0);
    return idx;
  };
  for (const dc of deal.contacts) addContact(dc.contactId, dc.role);

  // --- activities: validate dates, drop future and duplicates, keep the latest N ---
  const seenIds = new Set<string>();
  const seenKeys = new Set<number>();
  const rows: ActRow[] = [];
  for (const a of record.activities) {
    const at = parseTime(a.occurredAt);
    if (Number.isNaN(at)) {
      diagnostics.invalid++;
      continue;
    }
    const flags = flagsOf(a);
    if (at > asOf) {
      const scheduledMeeting = a.type === 'meeting' && (flags & F_PLANNED) !== 0 && at <= horizon;
      if (!scheduledMeeting) {
        diagnostics.future++;
        continue;
      }
    }
    if (seenIds.has(a.id)) {
      diagnostics.duplicate++;
      continue;
    }
    // type + timestamp + direction as one number (exact: ms timestamps stay far below 2^53 / 16).
    const key =
      at * 16 +
      (TYPE_CODE[a.type] ?? 7) * 2 +
      (a.direction === 'inbound' ? 1 : 0) +
      (a.direction === 'outbound' ? 0.5 : 0);
    if (seenKeys.has(key)) {
      diagnostics.duplicate++;
      continue;
    }
    seenIds.add(a.id);
    seenKeys.add(key);
    rows.push({
      at,
      type: TYPE_CODE[a.type] ?? ACT_NOTE,
      flags,
      dueAt: parseTime(a.dueAt),
      contacts: a.contactIds,
    });
  }
  rows.sort((a, b) => a.at - b.at);
  let start = 0;
  if (rows.length > maxActivities) {
    start = rows.length - maxActivities;
    diagnostics.truncated = start;
  }
  const n = rows.length - start;
  const actTime = new Float64Array(2 * n);
  const actCode = new Int32Array(2 * n + 1);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rows[start + i]!;
    actTime[i] = r.at;
    actTime[n + i] = r.dueAt;
    actCode[n + i] = idx.length;
    let buyers = 0;
    for (const cid of r.contacts) {
      buyers++;
      const ci = addContact(cid, null);
      if (ci >= 0) idx.push(ci);
    }
    actCode[i] = r.type | (r.flags << 3) | (Math.min(255, buyers) << 14);
  }
  actCode[2 * n] = idx.length;

  const account = record.account ?? null;
  const industry = internKey(account?.industry?.trim().toLowerCase() || null);
  return {
    id: deal.id,
    asOf,
    pipelineId: internKey(deal.pipelineId),
    pipeline,
    ownerId: internKey(deal.ownerId),
    accountId: internKey(deal.accountId),
    industry,
    accountProfileFields: account ? (industry ? 1 : 0) + (account.employees != null ? 1 : 0) : 0,
    createdAt,
    stageId: internKey(stageId),
    stageOrder,
    stageEnteredAt,
    stageEnteredApprox,
    isClosed,
    isWon,
    closedAt,
    stageProbability: prob ?? Number.NaN,
    amount,
    maxAmount,
    amountCuts,
    closeDate,
    closePushes,
    closePushDays,
    stageRegressions,
    hasChangeHistory,
    nextStepState,
    nextStepUpdatedAt,
    stageAt: Float64Array.from(hist, (h) => h.at),
    stageIds: hist.map((h) => h.id),
    actCount: n,
    actTime,
    actCode,
    contactIdx: Uint8Array.from(idx),
    contactIds,
    contactSenior: Uint8Array.from(senior),
    fields: deal.fields,
    diagnostics,
  };
}
