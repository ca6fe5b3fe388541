/** One rolling window of a CRM account's rate limit, e.g. HubSpot's 190 requests per 10 s. */
export interface RateWindow {
  /** Stable name of the window within the account ("burst", "search"). */
  name: string;
  max: number;
  windowMs: number;
}

/**
 * A rate budget shared by every process and every tenant calling one CRM account (a HubSpot
 * portal): the CRM counts the account's requests, whoever sends them. Connectors get one injected
 * (they never import a store); the composition root builds the Redis-backed one.
 */
export interface SharedRateBudget {
  /**
   * Reserve one request start in every window of `account` (atomically: all or none). Resolves
   * `waitMs` 0 when reserved, with `settle` to call when the answer arrived (the CRM counts a request
   * when it arrives, somewhere before that); otherwise the ms to wait before asking again.
   */
  reserve(account: string, windows: readonly RateWindow[]): Promise<{ waitMs: number; settle: () => void }>;
}
