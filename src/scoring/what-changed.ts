// What changed since last week (issue 18 item 3), per owner and for the team: deals whose close
// date left the current quarter, close dates pushed, amounts cut, new at-risk deals and band
// changes with their reason. Pure: the values a week ago come from the deal's CRM change history
// and its stored score a week ago (banded with today's thresholds), never from the clock.

import type { Band, FieldChange } from '../domain/index.ts';
import type { BandThresholds } from './bands.ts';
import { quarterContaining } from './forecast/quarter-period.ts';
import { DAY_MS } from './time.ts';

const WEEK_MS = 7 * DAY_MS;
/** Deals listed per category and group (counts and sums cover all of them). */
const WHAT_CHANGED_LIST_LIMIT = 20;

/** One open deal as the computation needs it. */
export interface ChangeDeal {
  id: string;
  name: string;
  ownerId: string | null;
  createdAt: string;
  amount: number | null;
  closeDate: string | null;
  closeDateChanges: readonly FieldChange[];
  amountChanges: readonly FieldChange[];
  /** Today's result; null when the deal has none (not scored). */
  band: Band | null;
  /** The result's top reason (worst first), or null. */
  reason: string | null;
  /** The stored score about a week before asOf, or null when there is none. */
  scoreWeekAgo: number | null;
}

interface DealRef {
  dealId: string;
  name: string;
  ownerId: string | null;
  amount: number | null;
}

export interface WhatChangedGroup {
  /** null for the team (every open deal). */
  ownerId: string | null;
  name: string;
  movedOut: { count: number; amount: number; deals: (DealRef & { from: string; to: string | null })[] };
  pushed: { count: number; days: number; deals: (DealRef & { from: string; to: string; days: number })[] };
  amountCut: { count: number; amount: number; deals: (DealRef & { from: number; to: number })[] };
  newAtRisk: { count: number; deals: (DealRef & { reason: string | null })[] };
  bandChanges: {
    count: number;
    deals: (DealRef & { from: Band; to: Band; reason: string | null })[];
  };
}

export interface WhatChangedDocument {
  asOf: string;
  /** One week before asOf: changes after it and at or before asOf count. */
  since: string;
  period: { label: string; start: string; end: string };
  /** The team first, then each owner with at least one change, by name. */
  groups: WhatChangedGroup[];
}

export interface WhatChangedOptions {
  asOf: number;
  timezone: string;
  bands: BandThresholds;
  owners: readonly { id: string; name: string }[];
}

function bandOf(score: number, bands: BandThresholds): Band {
  return score >= bands.healthy ? 'healthy' : score >= bands.watch ? 'watch' : 'at_risk';
}

function dayOf(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value.slice(0, 10));
  return Number.isFinite(ms) ? ms : null;
}

function amountOf(value: string | null): number | null {
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * The field's value at `time` from its change history (oldest first) and its current value: the
 * `to` of the last change at or before `time`, else the `from` of the first change after it, else
 * the current value (unchanged since).
 */
function valueAt(changes: readonly FieldChange[], current: string | null, time: number): string | null {
  let before: FieldChange | null = null;
  let after: FieldChange | null = null;
  for (const c of changes) {
    const at = Date.parse(c.at);
    if (at <= time) before = c;
    else if (after === null) after = c;
  }
  if (before !== null) return before.to;
  if (after !== null) return after.from;
  return current;
}

function emptyGroup(ownerId: string | null, name: string): WhatChangedGroup {
  return {
    ownerId,
    name,
    movedOut: { count: 0, amount: 0, deals: [] },
    pushed: { count: 0, days: 0, deals: [] },
    amountCut: { count: 0, amount: 0, deals: [] },
    newAtRisk: { count: 0, deals: [] },
    bandChanges: { count: 0, deals: [] },
  };
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const byAmount = (a: DealRef, b: DealRef) =>
  (b.amount ?? 0) - (a.amount ?? 0) || a.dealId.localeCompare(b.dealId);

/** Keep a category's list to its largest deals (by amount, then id) once it doubles the limit. */
function bounded<T extends DealRef>(list: T[]): void {
  if (list.length < 2 * WHAT_CHANGED_LIST_LIMIT) return;
  list.sort(byAmount);
  list.length = WHAT_CHANGED_LIST_LIMIT;
}

/**
 * What changed, summed deal by deal as they come (a large tenant's open deals are never held at
 * once): counts and sums cover every deal, each list keeps at most twice its limit in between.
 */
export class WhatChangedTally {
  readonly #asOf: number;
  readonly #since: number;
  readonly #bands: BandThresholds;
  readonly #period: ReturnType<typeof quarterContaining>;
  readonly #names: Map<string, string>;
  readonly #team = emptyGroup(null, 'Team');
  readonly #byOwner = new Map<string, WhatChangedGroup>();
  readonly #touched = new Set<WhatChangedGroup>();

  constructor(options: WhatChangedOptions) {
    this.#asOf = options.asOf;
    this.#since = options.asOf - WEEK_MS;
    this.#bands = options.bands;
    this.#period = quarterContaining(options.asOf, options.timezone);
    this.#names = new Map(options.owners.map((o) => [o.id, o.name]));
  }

  #groupsOf(ownerId: string | null): WhatChangedGroup[] {
    if (ownerId === null) return [this.#team];
    let g = this.#byOwner.get(ownerId);
    if (!g) {
      g = emptyGroup(ownerId, this.#names.get(ownerId) ?? ownerId);
      this.#byOwner.set(ownerId, g);
    }
    return [this.#team, g];
  }

  /** One open deal: what changed for it, added to the team and the deal's owner. */
  add(d: ChangeDeal): void {
    const asOf = this.#asOf;
    const since = this.#since;
    const bands = this.#bands;
    const period = this.#period;
    const inPeriod = (day: number | null) => day !== null && day >= period.startDay && day < period.endDay;
    const ref: DealRef = { dealId: d.id, name: d.name, ownerId: d.ownerId, amount: d.amount };
    const closeThen = valueAt(d.closeDateChanges, d.closeDate, since);
    const dayThen = dayOf(closeThen);
    // "Now" is asOf (a change recorded after it belongs to a later run's week).
    const closeNow = valueAt(d.closeDateChanges, d.closeDate, asOf);
    const dayNow = dayOf(closeNow);
    const amountText = d.amount === null ? null : String(d.amount);
    const amountThen = amountOf(valueAt(d.amountChanges, amountText, since));
    const amountNow = amountOf(valueAt(d.amountChanges, amountText, asOf));
    const bandThen = d.scoreWeekAgo === null ? null : bandOf(d.scoreWeekAgo, bands);
    const isNew = Date.parse(d.createdAt) > since;
    const apply = (fn: (g: WhatChangedGroup) => void) => {
      for (const g of this.#groupsOf(d.ownerId)) {
        fn(g);
        this.#touched.add(g);
        bounded(g.movedOut.deals);
        bounded(g.pushed.deals);
        bounded(g.amountCut.deals);
        bounded(g.newAtRisk.deals);
        bounded(g.bandChanges.deals);
      }
    };

    if (inPeriod(dayThen) && !inPeriod(dayNow) && closeThen !== null) {
      apply((g) => {
        g.movedOut.count += 1;
        g.movedOut.amount += d.amount ?? 0;
        g.movedOut.deals.push({ ...ref, from: closeThen.slice(0, 10), to: closeNow?.slice(0, 10) ?? null });
      });
    }
    if (dayThen !== null && dayNow !== null && dayNow > dayThen) {
      const days = Math.round((dayNow - dayThen) / DAY_MS);
      apply((g) => {
        g.pushed.count += 1;
        g.pushed.days += days;
        g.pushed.deals.push({ ...ref, from: isoDay(dayThen), to: isoDay(dayNow), days });
      });
    }
    if (amountThen !== null && amountNow !== null && amountNow < amountThen) {
      const now = amountNow;
      apply((g) => {
        g.amountCut.count += 1;
        g.amountCut.amount += amountThen - now;
        g.amountCut.deals.push({ ...ref, from: amountThen, to: now });
      });
    }
    // New at risk: at risk now and not a week ago, or created this week and at risk already. A deal
    // older than a week with no score then is not counted (nothing says it changed).
    if (d.band === 'at_risk' && (bandThen === null ? isNew : bandThen !== 'at_risk')) {
      apply((g) => {
        g.newAtRisk.count += 1;
        g.newAtRisk.deals.push({ ...ref, reason: d.reason });
      });
    }
    if (d.band !== null && bandThen !== null && bandThen !== d.band) {
      const to = d.band;
      apply((g) => {
        g.bandChanges.count += 1;
        g.bandChanges.deals.push({ ...ref, from: bandThen, to, reason: d.reason });
      });
    }
  }

  document(): WhatChangedDocument {
    const finish = (g: WhatChangedGroup): WhatChangedGroup => {
      for (const list of [g.movedOut, g.pushed, g.amountCut, g.newAtRisk, g.bandChanges]) {
        list.deals.sort(byAmount);
        list.deals.length = Math.min(list.deals.length, WHAT_CHANGED_LIST_LIMIT);
      }
      return g;
    };
    const owners = [...this.#byOwner.values()]
      .filter((g) => this.#touched.has(g))
      .sort((a, b) => a.name.localeCompare(b.name) || (a.ownerId ?? '').localeCompare(b.ownerId ?? ''));
    const period = this.#period;
    return {
      asOf: new Date(this.#asOf).toISOString(),
      since: new Date(this.#since).toISOString(),
      period: { label: period.label, start: period.start, end: period.end },
      groups: [finish(this.#team), ...owners.map(finish)],
    };
  }
}

/** What changed for each deal, added to the team and the deal's owner. */
export function computeWhatChanged(
  deals: Iterable<ChangeDeal>,
  options: WhatChangedOptions,
): WhatChangedDocument {
  const tally = new WhatChangedTally(options);
  for (const d of deals) tally.add(d);
  return tally.document();
}
