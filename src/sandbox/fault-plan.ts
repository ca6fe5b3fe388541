/**
 * Fault injection shared by both sandbox surfaces. A FaultPlan is per sandbox instance and can be
 * changed at run time (in-process or through the inspection HTTP API). `decideFault` is pure
 * except for the injected random source, so tests can make faults deterministic.
 */

export interface FaultPlan {
  /** Added to every response, in milliseconds. */
  latencyMs: number;
  /** Probability 0..1 per request of answering with the given HTTP status (e.g. { 503: 0.1 }). */
  errorRates: Record<number, number>;
  /** The next N API requests get a 429 (HubSpot TEN_SECONDLY_ROLLING; Salesforce has no 429 for REST, see surface). */
  rateLimitBurst: number;
  /** The next N API requests never get an answer (the socket stays open). */
  hangNext: number;
  /** The next N API requests have their connection destroyed without a response. */
  dropNext: number;
  /**
   * Record ids (as the surface renders them) that fail validation inside batch writes, with the
   * message to return; the rest of the batch succeeds (HubSpot 207, Salesforce per-record errors).
   */
  failRecords: Record<string, string>;
}

export function emptyFaultPlan(): FaultPlan {
  return { latencyMs: 0, errorRates: {}, rateLimitBurst: 0, hangNext: 0, dropNext: 0, failRecords: {} };
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'error'; status: number }
  | { kind: 'rate_limit' }
  | { kind: 'hang' }
  | { kind: 'drop' };

/**
 * Decide what fault (if any) the next request meets, consuming one-shot counters from `plan`.
 * Order: drop, hang, 429 burst, random error.
 */
export function decideFault(plan: FaultPlan, random: () => number = Math.random): FaultDecision {
  if (plan.dropNext > 0) {
    plan.dropNext -= 1;
    return { kind: 'drop' };
  }
  if (plan.hangNext > 0) {
    plan.hangNext -= 1;
    return { kind: 'hang' };
  }
  if (plan.rateLimitBurst > 0) {
    plan.rateLimitBurst -= 1;
    return { kind: 'rate_limit' };
  }
  for (const [status, rate] of Object.entries(plan.errorRates)) {
    if (rate > 0 && random() < rate) return { kind: 'error', status: Number(status) };
  }
  return { kind: 'none' };
}
