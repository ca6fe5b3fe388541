/**
 * Per-CRM page sizes, batch limits and rate limits in one table (STYLE.md #4). Connectors read
 * their numbers from here instead of hard-coding them, so a limit change is a one-line edit.
 */
export interface CrmLimits {
  /** Records per list page (GET collection). */
  pageSize: number;
  /** Inputs per batch read/update/create. */
  batchSize: number;
  /** Inputs per batch read that asks for property history (HubSpot caps these lower). */
  historyBatchSize: number;
  /** Inputs per association batch read. */
  associationBatchSize: number;
  /** Results per search/query page. */
  searchPageSize: number;
  /** Highest offset a search may page to before the CRM refuses (HubSpot 10,000). */
  searchResultCap: number;
  /** Values in one IN / NOT_IN search filter. */
  searchFilterValues: number;
  /** Requests allowed per rolling window (HubSpot: per 10 s, Professional/Enterprise 190). */
  requestsPerWindow: number;
  windowMs: number;
  /** Search requests per second. */
  searchPerSecond: number;
}

export const CRM_LIMITS = {
  hubspot: {
    pageSize: 100,
    batchSize: 100,
    // "The maximum number of inputs supported in a batch request for property histories is 50."
    historyBatchSize: 50,
    associationBatchSize: 1_000,
    searchPageSize: 200,
    searchResultCap: 10_000,
    searchFilterValues: 100,
    requestsPerWindow: 190,
    windowMs: 10_000,
    searchPerSecond: 5,
  },
  salesforce: {
    pageSize: 2_000,
    batchSize: 200,
    historyBatchSize: 200,
    associationBatchSize: 200,
    searchPageSize: 2_000,
    searchResultCap: Number.POSITIVE_INFINITY,
    searchFilterValues: 1_000,
    requestsPerWindow: Number.POSITIVE_INFINITY,
    windowMs: 1_000,
    searchPerSecond: Number.POSITIVE_INFINITY,
  },
} as const satisfies Record<string, CrmLimits>;

/** Split `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
