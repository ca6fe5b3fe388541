import type { ApiUsage } from '../crm-connector.ts';

/** Counts API calls per endpoint pattern for `CrmConnector.usage()`. */
export class CallCounter {
  #calls = 0;
  #byEndpoint = new Map<string, number>();
  #rateLimited = 0;
  #dailyUsed: number | null = null;
  #dailyMax: number | null = null;

  record(endpoint: string): void {
    this.#calls += 1;
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
  }

  recordRateLimited(): void {
    this.#rateLimited += 1;
  }

  recordDaily(used: number | null, max: number | null): void {
    if (used !== null) this.#dailyUsed = used;
    if (max !== null) this.#dailyMax = max;
  }

  usage(): ApiUsage {
    return {
      calls: this.#calls,
      callsByEndpoint: Object.fromEntries(this.#byEndpoint),
      rateLimited: this.#rateLimited,
      daily: { used: this.#dailyUsed, max: this.#dailyMax },
    };
  }
}

/**
 * The endpoint pattern of a request: method plus path with record ids replaced by `{id}`,
 * e.g. "PATCH /crm/v3/objects/deals/{id}". Query strings are dropped.
 */
export function endpointPattern(method: string, url: string): string {
  const path = new URL(url, 'http://x').pathname.replace(/\/\d+(?=\/|$)/g, '/{id}');
  return `${method.toUpperCase()} ${path}`;
}
