/**
 * The least wall time a run of `calls` API calls can take under a rolling-window rate limit.
 * HubSpot's ten-second window lets the first `burst` calls (a full window) through at once; only
 * the rest wait at the steady rate. So the floor is (calls - burst) / rate, not calls / rate
 * (issue 19: the old formula reported 0.90x where the run was at 1.24x of the true floor).
 */
export function rateLimitFloorMs(calls: number, limit: { burst: number; ratePerSecond: number }): number {
  return (Math.max(0, calls - limit.burst) / limit.ratePerSecond) * 1_000;
}

/** Wall time over the floor, rounded to 0.01; null when the floor is 0 (everything fit in the burst). */
export function overFloor(wallMs: number, floorMs: number): number | null {
  return floorMs > 0 ? Math.round((wallMs / floorMs) * 100) / 100 : null;
}

/** HubSpot's limit as the connector is configured for it: one full window of burst, then the window's rate. */
export function hubspotLimit(limits: { requestsPerWindow: number; windowMs: number }) {
  return {
    burst: limits.requestsPerWindow,
    ratePerSecond: limits.requestsPerWindow / (limits.windowMs / 1_000),
  };
}
