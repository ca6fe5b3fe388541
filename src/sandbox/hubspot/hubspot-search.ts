import { z } from 'zod';
import { validationError } from './hubspot-errors.ts';
import type { HubSpotObjectType } from './hubspot-object-types.ts';
import type { HubSpotPropertyRegistry } from './hubspot-properties.ts';
import type { HubSpotStore, StoredRecord } from './hubspot-store.ts';

/** HubSpot's search limits. */
export const SEARCH_LIMITS = {
  maxLimit: 200,
  /** Paging past this many results is a 400: callers must narrow the query (e.g. by time window). */
  maxResults: 10_000,
  maxFilterGroups: 5,
  maxFiltersPerGroup: 6,
  maxFiltersTotal: 18,
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

export const SearchRequestSchema = z.object({
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
): { total: number; results: StoredRecord[]; after: string | null; request: SearchRequest } {
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
  const matches: StoredRecord[] = [];
  for (const n of store.ns(type)) {
    const record = store.get(type, n);
    if (!record) continue;
    if (
      groups.length > 0 &&
      !groups.some((g) => g.filters.every((f) => matchFilter(record, f, kindOf(f.propertyName))))
    )
      continue;
    if (query && !queryProps.some((p) => record.properties[p]?.toLowerCase().includes(query))) continue;
    matches.push(record);
  }
  const sorts = request.sorts.map((s) =>
    typeof s === 'string'
      ? { propertyName: s.replace(/^-/, ''), descending: s.startsWith('-') }
      : { propertyName: s.propertyName, descending: s.direction === 'DESCENDING' },
  );
  matches.sort((a, b) => {
    for (const s of sorts) {
      const c = compareValues(
        a.properties[s.propertyName] ?? null,
        b.properties[s.propertyName] ?? null,
        kindOf(s.propertyName),
      );
      if (c !== 0) return s.descending ? -c : c;
    }
    return a.n - b.n;
  });
  const results = matches.slice(offset, offset + request.limit);
  const next = offset + request.limit;
  return { total: matches.length, results, after: next < matches.length ? String(next) : null, request };
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
}

function matchFilter(record: StoredRecord, f: Filter, kind: string): boolean {
  const actual = f.propertyName === 'hs_object_id' ? record.id : (record.properties[f.propertyName] ?? null);
  const has = actual !== null && actual !== '';
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && compareValues(actual, String(f.value), kind) === 0;
    case 'NEQ':
      return !has || compareValues(actual, String(f.value), kind) !== 0;
    case 'LT':
      return has && compareValues(actual, String(f.value), kind) < 0;
    case 'LTE':
      return has && compareValues(actual, String(f.value), kind) <= 0;
    case 'GT':
      return has && compareValues(actual, String(f.value), kind) > 0;
    case 'GTE':
      return has && compareValues(actual, String(f.value), kind) >= 0;
    case 'BETWEEN':
      return (
        has &&
        compareValues(actual, String(f.value), kind) >= 0 &&
        compareValues(actual, String(f.highValue), kind) <= 0
      );
    case 'IN':
      return has && (f.values ?? []).some((v) => compareValues(actual, String(v), kind) === 0);
    case 'NOT_IN':
      return !has || !(f.values ?? []).some((v) => compareValues(actual, String(v), kind) === 0);
    case 'CONTAINS_TOKEN':
      return has && containsToken(actual, String(f.value));
    case 'NOT_CONTAINS_TOKEN':
      return !has || !containsToken(actual, String(f.value));
  }
}

/** Token match: whole words, case-insensitive, `*` as a wildcard. */
function containsToken(text: string, token: string): boolean {
  const pattern = token
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const words = text.toLowerCase().split(/[^\p{L}\p{N}@._*-]+/u);
  const re = new RegExp(`^${pattern}$`, 'u');
  return (
    words.some((w) => re.test(w)) ||
    (token.includes('*') && new RegExp(pattern, 'u').test(text.toLowerCase()))
  );
}

/** Compare as the property's type: numbers and datetimes (ISO or epoch ms) numerically, strings case-insensitively. */
export function compareValues(a: string | null, b: string | null, kind: string): number {
  if (a === null || a === '') return b === null || b === '' ? 0 : -1;
  if (b === null || b === '') return 1;
  if (kind === 'number') return Number(a) - Number(b);
  if (kind === 'datetime' || kind === 'date') return toMs(a) - toMs(b);
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function toMs(value: string): number {
  return /^\d+$/.test(value) ? Number(value) : Date.parse(value);
}
