import { z } from 'zod';
import { parseIsoMs } from '../generator/fast-iso.ts';
import { validationError } from './hubspot-errors.ts';
import type { HubSpotObjectType } from './hubspot-object-types.ts';
import type { HubSpotPropertyRegistry } from './hubspot-properties.ts';
import type { HubSpotStore, StoredRecord } from './hubspot-store.ts';

/** HubSpot's search limits. */
const SEARCH_LIMITS = {
  maxLimit: 200,
  /** Paging past this many results is a 400: callers must narrow the query (e.g. by time window). */
  maxResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFiltersTotal: 18,
  /** Values in one IN / NOT_IN filter. Not stated in HubSpot's docs: assumed (docs/SANDBOX.md). */
  maxFilterValues: 100,
} as const;

const OPERATORS = [
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
] as const;

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const FilterSchema = z.object({
  propertyName: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).optional(),
});

const SearchRequestSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(FilterSchema) })).default([]),
  sorts: z
    .array(
      z.union([
        z.string(),
        z.object({
          propertyName: z.string(),
          direction: z.enum(['ASCENDING', 'DESCENDING']).default('ASCENDING'),
        }),
      ]),
    )
    .default([]),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().min(0).default(10),
  after: z.union([z.string(), z.number()]).optional(),
  query: z.string().optional(),
});

/** Top-level fields of the documented search body; anything else is refused, never silently ignored. */
const SEARCH_FIELDS = new Set(['filterGroups', 'sorts', 'properties', 'limit', 'after', 'query']);

export type SearchRequest = z.infer<typeof SearchRequestSchema>;
type Filter = z.infer<typeof FilterSchema>;

/** Properties searched by the free-text `query`, per type. */
const QUERY_PROPERTIES: Partial<Record<HubSpotObjectType, string[]>> = {
  deals: ['dealname'],
  contacts: ['firstname', 'lastname', 'email'],
  companies: ['name', 'domain'],
};

/**
 * Run a search: validate the request against HubSpot's limits, filter (OR of AND groups), sort and
 * page. Returns the page of records and the total match count.
 */
export function runSearch(
  store: HubSpotStore,
  registry: HubSpotPropertyRegistry,
  type: HubSpotObjectType,
  body: unknown,
  nowMs: number = Date.now(),
): { total: number; results: StoredRecord[]; after: string | null; request: SearchRequest } {
  const unknown = Object.keys((body ?? {}) as object).filter((k) => !SEARCH_FIELDS.has(k));
  if (unknown.length > 0) {
    throw validationError(
      `Invalid input JSON: unrecognized field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; filters go in filterGroups[].filters`,
      { context: { fields: unknown } },
    );
  }
  const parsed = SearchRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    throw validationError(
      `Invalid input JSON: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const request = parsed.data;
  if (request.limit > SEARCH_LIMITS.maxLimit) {
    throw validationError(`limit must be less than or equal to ${SEARCH_LIMITS.maxLimit}`, {
      context: { limit: [String(request.limit)] },
    });
  }
  const groups = request.filterGroups;
  const totalFilters = groups.reduce((sum, g) => sum + g.filters.length, 0);
  if (
    groups.length > SEARCH_LIMITS.maxFilterGroups ||
    groups.some((g) => g.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) ||
    totalFilters > SEARCH_LIMITS.maxFiltersTotal
  ) {
    throw validationError(
      `Search allows at most ${SEARCH_LIMITS.maxFilterGroups} filter groups with ${SEARCH_LIMITS.maxFiltersPerGroup} filters each and ${SEARCH_LIMITS.maxFiltersTotal} filters in total`,
      { subCategory: 'TOO_MANY_FILTERS' },
    );
  }
  const offset = request.after === undefined || request.after === '' ? 0 : Number(request.after);
  if (!Number.isInteger(offset) || offset < 0)
    throw validationError(`Invalid after: ${String(request.after)}`);
  if (offset + Math.max(1, request.limit) > SEARCH_LIMITS.maxResults) {
    throw validationError(
      `Paging beyond ${SEARCH_LIMITS.maxResults} results is not supported; narrow the query instead`,
      { subCategory: 'PAGING_LIMIT_EXCEEDED' },
    );
  }
  for (const g of groups) {
    for (const f of g.filters) checkFilter(f);
  }
  const kindOf = (name: string): string => registry.get(type, name)?.type ?? 'string';
  const query = request.query?.toLowerCase();
  const queryProps = QUERY_PROPERTIES[type] ?? [];
  const compiled = groups.map((g) => g.filters.map((f) => compileFilter(f, kindOf(f.propertyName))));
  const matches: StoredRecord[] = [];
  for (const n of store.ns(type)) {
    const record = store.getForSearch(type, n, nowMs);
    if (!record) continue;
    if (compiled.length > 0 && !compiled.some((g) => g.every((test) => test(record)))) continue;
    if (query && !queryProps.some((p) => record.properties[p]?.toLowerCase().includes(query))) continue;
    matches.push(record);
  }
  const sorts = request.sorts.map((s) =>
    typeof s === 'string'
      ? { propertyName: s.replace(/^-/, ''), descending: s.startsWith('-') }
      : { propertyName: s.propertyName, descending: s.direction === 'DESCENDING' },
  );
  let ordered = matches;
  if (sorts.length > 0) {
    // Sort keys are computed once per match, not once per comparison.
    const keyed = matches.map((record) => ({
      record,
      keys: sorts.map((s) => sortKey(propertyOf(record, s.propertyName), kindOf(s.propertyName))),
    }));
    keyed.sort((a, b) => {
      for (let i = 0; i < sorts.length; i++) {
        const c = compareKeys(a.keys[i]!, b.keys[i]!);
        if (c !== 0) return sorts[i]!.descending ? -c : c;
      }
      return a.record.n - b.record.n;
    });
    ordered = keyed.map((k) => k.record);
  }
  const results = ordered.slice(offset, offset + request.limit);
  const next = offset + request.limit;
  return { total: matches.length, results, after: next < matches.length ? String(next) : null, request };
}

function propertyOf(record: StoredRecord, name: string): string | null {
  return name === 'hs_object_id' ? record.id : (record.properties[name] ?? null);
}

type SortKey = number | string | null;

function sortKey(value: string | null, kind: string): SortKey {
  if (value === null || value === '') return null;
  if (kind === 'number') return Number(value);
  if (kind === 'datetime' || kind === 'date') return toMs(value);
  return value.toLowerCase();
}

/** Nulls first, then numbers or strings in order. */
function compareKeys(a: SortKey, b: SortKey): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** Turn a filter into a predicate, parsing its values once. */
function compileFilter(f: Filter, kind: string): (record: StoredRecord) => boolean {
  const key = (v: unknown): SortKey => sortKey(v === undefined ? null : String(v), kind);
  const value = key(f.value);
  const high = key(f.highValue);
  const values = (f.values ?? []).map(key);
  const get = (record: StoredRecord): SortKey => sortKey(propertyOf(record, f.propertyName), kind);
  const eq = (a: SortKey, b: SortKey) => a !== null && b !== null && compareKeys(a, b) === 0;
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return (r) => get(r) !== null;
    case 'NOT_HAS_PROPERTY':
      return (r) => get(r) === null;
    case 'EQ':
      return (r) => eq(get(r), value);
    case 'NEQ':
      return (r) => !eq(get(r), value);
    case 'LT':
      return (r) => {
        const a = get(r);
        return a !== null && compareKeys(a, value) < 0;
      };
    case 'LTE':
      return (r) => {
        const a = get(r);
        return a !== null && compareKeys(a, value) <= 0;
      };
    case 'GT':
      return (r) => {
        const a = get(r);
        return a !== null && compareKeys(a, value) > 0;
      };
    case 'GTE':
      return (r) => {
        const a = get(r);
        return a !== null && compareKeys(a, value) >= 0;
      };
    case 'BETWEEN':
      return (r) => {
        const a = get(r);
        return a !== null && compareKeys(a, value) >= 0 && compareKeys(a, high) <= 0;
      };
    case 'IN':
      return (r) => {
        const a = get(r);
        return a !== null && values.some((v) => eq(a, v));
      };
    case 'NOT_IN':
      return (r) => {
        const a = get(r);
        return a === null || !values.some((v) => eq(a, v));
      };
    case 'CONTAINS_TOKEN': {
      const matches = tokenMatcher(String(f.value));
      return (r) => {
        const a = propertyOf(r, f.propertyName);
        return a !== null && a !== '' && matches(a);
      };
    }
    case 'NOT_CONTAINS_TOKEN': {
      const matches = tokenMatcher(String(f.value));
      return (r) => {
        const a = propertyOf(r, f.propertyName);
        return a === null || a === '' || !matches(a);
      };
    }
  }
}

function checkFilter(f: Filter): void {
  const needsValue = [
    'EQ',
    'NEQ',
    'LT',
    'LTE',
    'GT',
    'GTE',
    'BETWEEN',
    'CONTAINS_TOKEN',
    'NOT_CONTAINS_TOKEN',
  ];
  if (needsValue.includes(f.operator) && f.value === undefined) {
    throw validationError(`Filter on ${f.propertyName} with operator ${f.operator} requires a value`);
  }
  if (f.operator === 'BETWEEN' && f.highValue === undefined) {
    throw validationError(`BETWEEN filter on ${f.propertyName} requires highValue`);
  }
  if ((f.operator === 'IN' || f.operator === 'NOT_IN') && !f.values) {
    throw validationError(`${f.operator} filter on ${f.propertyName} requires values`);
  }
  if (f.values && f.values.length > SEARCH_LIMITS.maxFilterValues) {
    throw validationError(
      `${f.operator} filter on ${f.propertyName} has ${f.values.length} values; at most ${SEARCH_LIMITS.maxFilterValues} are allowed`,
      { subCategory: 'TOO_MANY_FILTER_VALUES' },
    );
  }
}

/** Token match: whole words, case-insensitive, `*` as a wildcard. */
function tokenMatcher(token: string): (text: string) => boolean {
  const pattern = token
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const whole = new RegExp(`^${pattern}$`, 'u');
  const anywhere = new RegExp(pattern, 'u');
  const wildcard = token.includes('*');
  return (text) => {
    const lower = text.toLowerCase();
    return (
      lower.split(/[^\p{L}\p{N}@._*-]+/u).some((w) => whole.test(w)) || (wildcard && anywhere.test(lower))
    );
  };
}

function toMs(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : parseIsoMs(value);
}
