/**
 * The least wall time a run of `calls` API calls can take under a rolling-window rate limit.
 * HubSpot's ten-second window lets the first `burst` calls (a full window) through at once; only
 * the rest wait at the steady rate. So the floor is (calls - burst) / rate, not calls / rate
 * (issue 19: the old formula reported 0.90x where the run was at 1.24x of the true floor).
 */
export function rateLimitFloorMs(calls: number, limit: { burst: number; ratePerSecond: number }): number {
  return (Math.max(0, calls - limit.burst) / limit.ratePerSecond) * 1_000;
}

/**
 * The least wall time a strict rolling window allows, to the last call's start: with at most
 * `burst` calls in any `windowMs`, call k can start only once call k - burst is a full window old,
 * so the calls go out in whole windows and the last starts windowMs x ceil((calls - burst) / burst)
 * after the first. It equals {@link rateLimitFloorMs} when the calls fill their last window, and
 * exceeds it by up to one window otherwise (687 calls: 30 s, where the steady-rate floor says 26.2 s).
 */
export function rollingWindowMinimumMs(calls: number, limit: { burst: number; windowMs: number }): number {
  return Math.ceil(Math.max(0, calls - limit.burst) / limit.burst) * limit.windowMs;
}

/** Wall time over the floor, rounded to 0.01; null when the floor is 0 (everything fit in the burst). */
export function overFloor(wallMs: number, floorMs: number): number | null {
  return floorMs > 0 ? Math.round((wallMs / floorMs) * 100) / 100 : null;
}

/** HubSpot's limit as the connector is configured for it: one full window of burst, then the window's rate. */
export function hubspotLimit(limits: { requestsPerWindow: number; windowMs: number }) {
  return {
    burst: limits.requestsPerWindow,
    windowMs: limits.windowMs,
    ratePerSecond: limits.requestsPerWindow / (limits.windowMs / 1_000),
  };
}
