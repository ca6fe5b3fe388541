import { describe, expect, it } from 'vitest';
import {
  hubspotLimit,
  overFloor,
  rateLimitFloorMs,
  rollingWindowMinimumMs,
} from '../../../bench/rate-limit-floor.ts';

// HubSpot's rolling ten-second window (developers.hubspot.com, API usage guidelines: 190 requests
// per 10 seconds for Professional/Enterprise private apps) lets a full window through at once.
const hubspot = hubspotLimit({ requestsPerWindow: 190, windowMs: 10_000 });

describe('the rate-limit floor', () => {
  it('lets the first window of calls through at once: (calls - burst) / rate', () => {
    expect(rateLimitFloorMs(190, hubspot)).toBe(0);
    expect(rateLimitFloorMs(380, hubspot)).toBe(10_000);
    expect(rateLimitFloorMs(2_090, hubspot)).toBe(100_000);
  });

  it('reports no ratio when everything fits in the burst', () => {
    expect(overFloor(1_000, 0)).toBeNull();
    expect(overFloor(12_400, 10_000)).toBe(1.24);
  });
});

describe('the rolling-window minimum', () => {
  /**
   * Oracle without our formula: place calls one by one at the earliest moment the rule "at most
   * 190 starts in any 10 s" (a start leaves the window 10 s later) allows, and take the last start.
   */
  function earliestLastStart(calls: number): number {
    const starts: number[] = [];
    for (let k = 0; k < calls; k += 1) starts.push(k < 190 ? 0 : starts[k - 190]! + 10_000);
    return starts.at(-1) ?? 0;
  }

  it('sends whole windows: the last call of 687 cannot start before 30 s', () => {
    for (const calls of [1, 190, 191, 380, 381, 687, 760, 2_090, 18_160]) {
      expect(rollingWindowMinimumMs(calls, hubspot)).toBe(earliestLastStart(calls));
    }
    expect(rollingWindowMinimumMs(687, hubspot)).toBe(30_000);
  });

  it('is never below the steady-rate floor and at most one window above it', () => {
    for (let calls = 0; calls <= 5_000; calls += 7) {
      const steady = rateLimitFloorMs(calls, hubspot);
      const windows = rollingWindowMinimumMs(calls, hubspot);
      expect(windows).toBeGreaterThanOrEqual(steady - 1e-6);
      expect(windows - steady).toBeLessThan(10_000);
    }
  });
});
