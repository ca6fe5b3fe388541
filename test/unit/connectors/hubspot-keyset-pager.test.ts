import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type KeysetPagerOptions,
  type KeysetSearchAnswer,
  type KeysetSearchRequest,
  keysetPages,
} from '../../../connectors/hubspot/hubspot-keyset-pager.ts';

const T0 = Date.parse('2026-01-05T00:00:00Z');

/**
 * An in-memory HubSpot CRM search over (id, hs_lastmodifieddate), as documented
 * (https://developers.hubspot.com/docs/api/crm/search): filters in one group are ANDed; at most
 * 200 results per request; at most 100 values in an IN / NOT_IN filter (more is a 400); results
 * are sorted ascending by the sort property, and the docs promise no order among equal values, so
 * ties come back in a new random order on every request. `paging.next` is present when more match.
 */
class SearchModel {
  readonly records = new Map<number, number>();
  requests = 0;
  #seed: number;
  /** Runs before each request is answered: changes "during the pull". */
  beforeEach: (() => void) | null = null;

  readonly maxFilterValues: number;

  constructor(records: readonly { id: number; ts: number }[], seed: number, maxFilterValues: number) {
    this.maxFilterValues = maxFilterValues;
    for (const r of records) this.records.set(r.id, r.ts);
    this.#seed = seed >>> 0 || 1;
  }

  #random(): number {
    // xorshift32: a reproducible tie order for fast-check's shrinking.
    let x = this.#seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#seed = x >>> 0;
    return this.#seed / 2 ** 32;
  }

  search = async (request: KeysetSearchRequest): Promise<KeysetSearchAnswer> => {
    this.requests += 1;
    this.beforeEach?.();
    if (request.limit < 1 || request.limit > 200) throw new Error(`limit ${request.limit} out of 1..200`);
    let rows = [...this.records].map(([id, ts]) => ({ id, ts, tie: this.#random() }));
    for (const f of request.filters) {
      const value = Number(f.value);
      if (f.propertyName === 'hs_lastmodifieddate') {
        if (f.operator === 'LTE') rows = rows.filter((r) => r.ts <= value);
        else if (f.operator === 'GTE') rows = rows.filter((r) => r.ts >= value);
        else if (f.operator === 'EQ') rows = rows.filter((r) => r.ts === value);
        else throw new Error(`unexpected operator ${f.operator}`);
      } else if (f.propertyName === 'hs_object_id') {
        if (f.operator === 'GT') rows = rows.filter((r) => r.id > value);
        else if (f.operator === 'NOT_IN') {
          const values = f.values ?? [];
          if (values.length > this.maxFilterValues) throw new Error(`NOT_IN with ${values.length} values`);
          const excluded = new Set(values.map(Number));
          rows = rows.filter((r) => !excluded.has(r.id));
        } else throw new Error(`unexpected operator ${f.operator}`);
      } else throw new Error(`unexpected filter on ${f.propertyName}`);
    }
    const sort = request.sorts[0];
    if (sort === 'hs_lastmodifieddate') rows.sort((a, b) => a.ts - b.ts || a.tie - b.tie);
    else if (sort === 'hs_object_id') rows.sort((a, b) => a.id - b.id);
    else throw new Error(`unexpected sort ${sort}`);
    return {
      results: rows
        .slice(0, request.limit)
        .map((r) => ({ id: String(r.id), lastModified: new Date(r.ts).toISOString() })),
      more: rows.length > request.limit,
    };
  };

  /** Ids with from <= ts <= until (from null: no lower bound). */
  inWindow(from: number | null, until: number): Set<string> {
    const ids = new Set<string>();
    for (const [id, ts] of this.records)
      if ((from === null || ts >= from) && ts <= until) ids.add(String(id));
    return ids;
  }
}

/** Every id a pull returns, in order (duplicates kept), stopping after `maxSteps` steps. */
async function pull(
  model: SearchModel,
  options: KeysetPagerOptions,
  maxSteps = Number.POSITIVE_INFINITY,
): Promise<{ ids: string[]; last: KeysetPagerOptions['start']; done: boolean }> {
  const ids: string[] = [];
  let last = options.start;
  let steps = 0;
  for await (const step of keysetPages(model.search, options)) {
    ids.push(...step.ids);
    last = step.pos;
    steps += 1;
    if (step.last) return { ids, last, done: true };
    if (steps >= maxSteps) return { ids, last, done: false };
    if (model.requests > 100_000) throw new Error('the pager does not terminate');
  }
  return { ids, last, done: true };
}

/** Records on few timestamps (many ties), optionally with one timestamp holding 101-260 records. */
const worldArb = fc
  .record({
    spread: fc.integer({ min: 1, max: 40 }),
    plain: fc.array(fc.integer({ min: 0, max: 1_000 }), { maxLength: 250 }),
    bigTie: fc.option(
      fc.record({ at: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 101, max: 260 }) }),
    ),
    seed: fc.integer(),
  })
  .map(({ spread, plain, bigTie, seed }) => {
    const ts = plain.map((x) => T0 + (x % spread));
    if (bigTie) for (let i = 0; i < bigTie.size; i += 1) ts.push(T0 + (bigTie.at % spread));
    // Ids are HubSpot's numeric object ids, not in timestamp order.
    const records = ts.map((t, i) => ({ id: 1 + ((i * 7919) % 100_003), ts: t }));
    return { records, spread, seed };
  });

/** Page size and NOT_IN capacity: HubSpot's (100 values, up to 200 per page) or tiny ones to reach every branch. */
const pagingArb = fc.oneof(
  fc.record({ limit: fc.integer({ min: 1, max: 200 }), maxFilterValues: fc.constant(100) }),
  fc.record({ limit: fc.integer({ min: 1, max: 6 }), maxFilterValues: fc.integer({ min: 1, max: 4 }) }),
);

const windowArb = (spread: number) =>
  fc
    .record({
      from: fc.option(fc.integer({ min: 0, max: spread })),
      until: fc.integer({ min: 0, max: spread }),
    })
    .map(({ from, until }) => ({ from: from === null ? null : T0 + from, until: T0 + until }));

describe('HubSpot keyset pager against an in-memory CRM search', () => {
  it('returns every record of the window exactly once, whatever the ties and page sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        worldArb.chain((w) => fc.tuple(fc.constant(w), windowArb(w.spread), pagingArb)),
        async ([world, window, paging]) => {
          const model = new SearchModel(world.records, world.seed, paging.maxFilterValues);
          const { ids } = await pull(model, { baseFilters: [], start: null, ...window, ...paging });
          expect(new Set(ids)).toEqual(model.inWindow(window.from, window.until));
          expect(ids.length).toBe(new Set(ids).size);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a pull resumed from any saved position still returns every record of the window', async () => {
    await fc.assert(
      fc.asyncProperty(
        worldArb.chain((w) => fc.tuple(fc.constant(w), windowArb(w.spread), pagingArb)),
        fc.integer({ min: 1, max: 20 }),
        async ([world, window, paging], stopAfter) => {
          const model = new SearchModel(world.records, world.seed, paging.maxFilterValues);
          const first = await pull(model, { baseFilters: [], start: null, ...window, ...paging }, stopAfter);
          const rest = first.done
            ? { ids: [] }
            : await pull(model, { baseFilters: [], start: first.last, ...window, ...paging });
          expect(new Set([...first.ids, ...rest.ids])).toEqual(model.inWindow(window.from, window.until));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('records modified during the pull: the others come exactly once, the moved ones in the next pull', async () => {
    await fc.assert(
      fc.asyncProperty(
        worldArb.chain((w) => fc.tuple(fc.constant(w), windowArb(w.spread), pagingArb)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
        async ([world, window, paging], touches) => {
          const model = new SearchModel(world.records, world.seed, paging.maxFilterValues);
          const ids = [...model.records.keys()];
          // The window ends at the CRM's clock when the pull started; later edits are later.
          let clock = window.until;
          const modified = new Set<string>();
          const pending = [...touches];
          model.beforeEach = () => {
            const pick = pending.shift();
            if (pick === undefined || ids.length === 0) return;
            const id = ids[pick % ids.length] as number;
            clock += 1 + (pick % 3);
            model.records.set(id, clock);
            modified.add(String(id));
          };
          const before = model.inWindow(window.from, window.until);
          const first = await pull(model, { baseFilters: [], start: null, ...window, ...paging });
          const untouched = [...before].filter((id) => !modified.has(id));
          for (const id of untouched) expect(first.ids.filter((x) => x === id)).toHaveLength(1);
          // The next pull starts at this one's end (minus any lookback) and ends at the CRM's clock now.
          model.beforeEach = null;
          const next = await pull(model, {
            baseFilters: [],
            start: null,
            from: window.until,
            until: clock,
            ...paging,
          });
          const seen = new Set([...first.ids, ...next.ids]);
          for (const id of modified) if (before.has(id)) expect(seen.has(id)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('records moved forward inside the window during the pull do not hide the others', async () => {
    await fc.assert(
      fc.asyncProperty(
        worldArb.chain((w) => fc.tuple(fc.constant(w), windowArb(w.spread), pagingArb)),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 60 }),
        async ([world, window, paging], touches) => {
          const model = new SearchModel(world.records, world.seed, paging.maxFilterValues);
          const ids = [...model.records.keys()];
          const modified = new Set<string>();
          const pending = [...touches];
          // A CRM clock behind the window end: edits land inside the window, never backwards.
          model.beforeEach = () => {
            const touch = pending.shift();
            if (touch === undefined || ids.length === 0) return;
            const id = ids[touch[0] % ids.length] as number;
            const ts = model.records.get(id) as number;
            model.records.set(id, Math.max(ts, Math.min(window.until, ts + (touch[1] % 5))));
            modified.add(String(id));
          };
          const before = model.inWindow(window.from, window.until);
          const { ids: got } = await pull(model, { baseFilters: [], start: null, ...window, ...paging });
          const seen = new Set(got);
          for (const id of before) if (!modified.has(id)) expect(seen.has(id)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('pages a 250-record tie at HubSpot sizes without a NOT_IN over 100 values or an offset', async () => {
    const records = Array.from({ length: 250 }, (_, i) => ({ id: 1_000 + i * 3, ts: T0 + 5 }));
    records.push({ id: 7, ts: T0 + 1 }, { id: 8, ts: T0 + 9 });
    const model = new SearchModel(records, 42, 100);
    const requests: KeysetSearchRequest[] = [];
    const search = model.search;
    model.search = async (request) => {
      requests.push(request);
      return search(request);
    };
    const { ids } = await pull(model, {
      baseFilters: [],
      start: null,
      from: null,
      until: T0 + 10,
      limit: 100,
    });
    expect(new Set(ids)).toEqual(model.inWindow(null, T0 + 10));
    expect(ids).toHaveLength(252);
    // The tie was paged by id inside its timestamp.
    expect(requests.some((r) => r.sorts[0] === 'hs_object_id')).toBe(true);
  });
});
