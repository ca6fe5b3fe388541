import { CRM_LIMITS } from '../shared/crm-limits.ts';
import type { KeysetPosition } from './hubspot-cursor.ts';

/** One filter of a CRM search request (HubSpot's `filterGroups[].filters[]`). */
export interface SearchFilter {
  propertyName: string;
  operator: string;
  value?: string;
  values?: string[];
}

/** The part of a HubSpot CRM search request the pager decides. */
export interface KeysetSearchRequest {
  filters: SearchFilter[];
  sorts: string[];
  limit: number;
}

/** One search answer: ids with their raw `hs_lastmodifieddate`, and whether more results match. */
export interface KeysetSearchAnswer {
  results: { id: string; lastModified: string | null | undefined }[];
  /** HubSpot's `paging.next.after` is present. */
  more: boolean;
}

export type KeysetSearch = (request: KeysetSearchRequest) => Promise<KeysetSearchAnswer>;

/** One step of a keyset pull: the ids found, the position to resume from, and whether it was the last. */
export interface KeysetStep {
  ids: string[];
  pos: KeysetPosition | null;
  last: boolean;
}

export interface KeysetPagerOptions {
  /** Filters every query carries (e.g. the pipelines). */
  baseFilters: readonly SearchFilter[];
  /** Lower bound (inclusive, epoch ms) of the window; null: from the beginning. */
  from: number | null;
  /** Upper bound (inclusive, epoch ms) of the window: where this pull's "now" is, decided by the caller. */
  until: number;
  /** Where a previous pull of this window stopped; null: from the start. */
  start: KeysetPosition | null;
  /** Results per search (at most HubSpot's 200). */
  limit: number;
  /** Values a NOT_IN filter may hold; default HubSpot's 100. */
  maxFilterValues?: number;
}

/**
 * Keyset paging over `hs_lastmodifieddate` ascending within [from, until]. Every query starts
 * from the last position (GTE the last timestamp, NOT_IN the ids already seen at it) instead of
 * paging with `after`, so no query ever pages toward HubSpot's 10,000-result cap, however many
 * records the window holds, and records modified during the pull cannot shift offsets. A tie
 * larger than a NOT_IN filter can hold is paged by id inside its timestamp. Pure: the search is
 * injected, so the paging can be checked against an in-memory model.
 */
export async function* keysetPages(
  search: KeysetSearch,
  options: KeysetPagerOptions,
): AsyncGenerator<KeysetStep> {
  const maxFilterValues = options.maxFilterValues ?? CRM_LIMITS.hubspot.searchFilterValues;
  let pos = options.start;
  const lower = options.from;
  let seenInTie = new Set<string>();
  for (let guard = 0; guard < 1_000_000; guard += 1) {
    const filters: SearchFilter[] = [
      ...options.baseFilters,
      { propertyName: 'hs_lastmodifieddate', operator: 'LTE', value: String(options.until) },
    ];
    let sorts = ['hs_lastmodifieddate'];
    if (pos !== null && pos.tieId !== null) {
      // More records share one timestamp than a NOT_IN filter can hold: page by id inside it.
      filters.push({ propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(pos.ts) });
      filters.push({ propertyName: 'hs_object_id', operator: 'GT', value: pos.tieId });
      sorts = ['hs_object_id'];
    } else if (pos !== null) {
      filters.push({ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(pos.ts) });
      if (pos.ids.length > 0)
        filters.push({ propertyName: 'hs_object_id', operator: 'NOT_IN', values: pos.ids });
    } else if (lower !== null) {
      filters.push({ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(lower) });
    }
    const res = await search({ filters, sorts, limit: options.limit });
    const ids: string[] = [];
    let next: KeysetPosition | null = pos;
    for (const r of res.results) {
      const ts = Date.parse(r.lastModified ?? '');
      if (!seenInTie.has(r.id)) ids.push(r.id);
      if (!Number.isFinite(ts)) continue;
      if (next !== null && next.tieId !== null) {
        next = { ts: next.ts, ids: next.ids, tieId: r.id };
      } else if (next !== null && ts === next.ts) {
        next = { ts, ids: [...next.ids, r.id], tieId: null };
      } else {
        next = { ts, ids: [r.id], tieId: null };
      }
    }
    const more = res.more;
    if (next !== null && next.tieId !== null && !more) {
      // The tie is exhausted: continue after its timestamp (epoch ms are integers).
      pos = { ts: next.ts + 1, ids: [], tieId: null };
      seenInTie = new Set();
      yield { ids, pos, last: false };
      continue;
    }
    if (more && next !== null && next.tieId === null && next.ids.length > maxFilterValues) {
      // Page the whole tie again by id from the start (HubSpot does not promise an order inside
      // a tie), skipping the ids this pull already returned.
      seenInTie = new Set(next.ids);
      next = { ts: next.ts, ids: [], tieId: '0' };
    }
    if (next !== null && next.tieId === null) seenInTie = new Set();
    pos = next;
    yield { ids, pos, last: !more };
    if (!more) return;
  }
}
