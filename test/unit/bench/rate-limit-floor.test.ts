import { describe, expect, it } from 'vitest';
import { hubspotLimit, overFloor, rateLimitFloorMs } from '../../../bench/rate-limit-floor.ts';

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
