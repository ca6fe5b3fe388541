// The seven survey elements across a team (issue 18 item 2): for each owner, the share of their open
// deals that are weak on each element, so a manager sees "joint planning is weak across most of
// this owner's deals" instead of reading deal by deal.

import { ELEMENT_THRESHOLDS, type IndicatorResult, SURVEY_ELEMENTS } from '../domain/index.ts';

// The element list and the weak / not-enough-data cut points live in the domain, shared with the
// per-deal element profile written to the CRM (domain/element-levels.ts).
export { SURVEY_ELEMENTS };
type ElementKey = (typeof SURVEY_ELEMENTS)[number]['key'];

export interface TeamElementOptions {
  /** An element is weak on a deal below this sub-score (0..1). Default 0.4, the at-risk side of neutral. */
  weakBelow?: number;
  /** Indicators judged on less evidence than this confidence count as "not enough data", not weak. Default 0.3. */
  minConfidence?: number;
  /** "Weak across most deals" from this share of an owner's open deals. Default 0.5. */
  mostShare?: number;
}

/** One open deal's element indicators and its owner (null: no owner). */
export interface ElementDeal {
  ownerId: string | null;
  indicators: readonly Pick<IndicatorResult, 'key' | 'subScore' | 'confidence'>[];
}

/** Per element: open deals weak on it, deals with enough evidence to judge it, and weak / open deals. */
interface ElementCounts {
  weak: number;
  judged: number;
  weakShare: number;
}

export interface ElementRow {
  /** Owner id; null for deals without an owner; "team" row has `team: true`. */
  ownerId: string | null;
  team: boolean;
  openDeals: number;
  elements: Record<ElementKey, ElementCounts>;
  /** Plain sentences for elements weak across most of these deals, worst first. */
  notes: string[];
}

export interface TeamElementView {
  elements: { key: ElementKey; label: string }[];
  weakBelow: number;
  minConfidence: number;
  mostShare: number;
  owners: ElementRow[];
  team: ElementRow;
}

function emptyRow(ownerId: string | null, team: boolean): ElementRow {
  const elements = Object.fromEntries(
    SURVEY_ELEMENTS.map((e) => [e.key, { weak: 0, judged: 0, weakShare: 0 }]),
  ) as Record<ElementKey, ElementCounts>;
  return { ownerId, team, openDeals: 0, elements, notes: [] };
}

function finish(row: ElementRow, mostShare: number): ElementRow {
  const notes: { share: number; text: string }[] = [];
  for (const e of SURVEY_ELEMENTS) {
    const c = row.elements[e.key];
    c.weakShare = row.openDeals === 0 ? 0 : c.weak / row.openDeals;
    // One weak deal out of one is not a pattern.
    if (row.openDeals >= 2 && c.weakShare >= mostShare) {
      const who = row.team
        ? 'the team'
        : row.ownerId === null
          ? 'deals without an owner'
          : "this owner's deals";
      notes.push({
        share: c.weakShare,
        text: `${e.label[0]!.toUpperCase()}${e.label.slice(1)} is weak across most of ${who} (${c.weak} of ${row.openDeals})`,
      });
    }
  }
  row.notes = notes.sort((a, b) => b.share - a.share).map((n) => n.text);
  return row;
}

/**
 * Counts elements x owners one open deal at a time (a score step streams deals in chunks: nothing
 * per deal is kept), then gives the view.
 */
export class TeamElementTally {
  readonly #weakBelow: number;
  readonly #minConfidence: number;
  readonly #mostShare: number;
  readonly #byOwner = new Map<string | null, ElementRow>();
  readonly #team = emptyRow(null, true);

  constructor(options: TeamElementOptions = {}) {
    this.#weakBelow = options.weakBelow ?? ELEMENT_THRESHOLDS.weakBelow;
    this.#minConfidence = options.minConfidence ?? ELEMENT_THRESHOLDS.minConfidence;
    this.#mostShare = options.mostShare ?? 0.5;
  }

  add(deal: ElementDeal): void {
    let row = this.#byOwner.get(deal.ownerId);
    if (row === undefined) {
      row = emptyRow(deal.ownerId, false);
      this.#byOwner.set(deal.ownerId, row);
    }
    row.openDeals += 1;
    this.#team.openDeals += 1;
    const byKey = new Map(deal.indicators.map((i) => [i.key, i]));
    for (const e of SURVEY_ELEMENTS) {
      const ind = byKey.get(e.key);
      if (ind === undefined || ind.confidence < this.#minConfidence) continue;
      const weak = ind.subScore < this.#weakBelow ? 1 : 0;
      for (const r of [row, this.#team]) {
        r.elements[e.key].judged += 1;
        r.elements[e.key].weak += weak;
      }
    }
  }

  view(): TeamElementView {
    const owners = [...this.#byOwner.values()]
      .map((r) => finish(structuredClone(r), this.#mostShare))
      .sort((a, b) => (a.ownerId ?? '\uffff').localeCompare(b.ownerId ?? '\uffff'));
    return {
      elements: SURVEY_ELEMENTS.map((e) => ({ key: e.key, label: e.label })),
      weakBelow: this.#weakBelow,
      minConfidence: this.#minConfidence,
      mostShare: this.#mostShare,
      owners,
      team: finish(structuredClone(this.#team), this.#mostShare),
    };
  }
}

/** Elements x owners over the given open deals, plus the whole team. */
export function teamElementView(
  deals: Iterable<ElementDeal>,
  options: TeamElementOptions = {},
): TeamElementView {
  const tally = new TeamElementTally(options);
  for (const deal of deals) tally.add(deal);
  return tally.view();
}
