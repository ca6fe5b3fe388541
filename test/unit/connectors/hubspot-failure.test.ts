import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyHubSpotFailure, dailyResetAt } from '../../../connectors/hubspot/hubspot-failure.ts';
import { backoffDelay } from '../../../connectors/shared/backoff.ts';
import { endpointPattern } from '../../../connectors/shared/call-counter.ts';

const NOW = Date.UTC(2026, 10, 27, 15, 30);

function apiError(code: number, body: unknown = {}, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`HTTP-Code: ${code}`), { code, body, headers });
}

describe('classifyHubSpotFailure', () => {
  // "The daily limits reset at midnight based on the time zone setting of the HubSpot account"
  // (https://developers.hubspot.com/apisbytier).
  it('fails a DAILY 429 with the account midnight and never retries it', () => {
    const daily = apiError(429, { policyName: 'DAILY', errorType: 'RATE_LIMIT' });
    const d = classifyHubSpotFailure(daily, Date.UTC(2026, 11, 8, 0, 30), 'America/New_York');
    expect(d).toMatchObject({
      action: 'fail',
      code: 'CRM_QUOTA_EXHAUSTED',
      retryAt: Date.UTC(2026, 11, 8, 5),
    });
    // Zone unknown: a full day, never UTC midnight (hours early for every portal west of UTC).
    expect(classifyHubSpotFailure(daily, NOW)).toMatchObject({ retryAt: NOW + 86_400_000 });
  });

  it('waits on a ten-secondly 429: Retry-After first, then the advertised interval, then 10 s', () => {
    const body = { policyName: 'TEN_SECONDLY_ROLLING' };
    expect(classifyHubSpotFailure(apiError(429, body, { 'retry-after': '3' }), NOW)).toMatchObject({
      action: 'wait',
      waitMs: 3_000,
    });
    expect(
      classifyHubSpotFailure(
        apiError(429, body, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' }),
        NOW,
      ),
    ).toMatchObject({ action: 'wait', waitMs: 10_000, code: 'CRM_RATE_LIMITED' });
    expect(classifyHubSpotFailure(apiError(429, { policyName: 'SECONDLY' }), NOW)).toMatchObject({
      waitMs: 1_000,
    });
  });

  it('waits 2 s on 423, re-authenticates on 401, fails 403 as a permission problem', () => {
    expect(classifyHubSpotFailure(apiError(423), NOW)).toMatchObject({ action: 'wait', waitMs: 2_000 });
    expect(classifyHubSpotFailure(apiError(401), NOW)).toMatchObject({ action: 'reauth', code: 'CRM_AUTH' });
    expect(classifyHubSpotFailure(apiError(403), NOW)).toMatchObject({
      action: 'fail',
      code: 'CRM_PERMISSION',
    });
  });

  it('retries every 5xx and network failure, fails other 4xx as rejected', () => {
    fc.assert(
      fc.property(fc.integer({ min: 500, max: 599 }), (status) => {
        expect(classifyHubSpotFailure(apiError(status), NOW).action).toBe('retry');
      }),
    );
    for (const status of [400, 404, 409, 422]) {
      expect(classifyHubSpotFailure(apiError(status, { message: 'bad' }), NOW)).toMatchObject({
        action: 'fail',
        code: 'CRM_REJECTED',
      });
    }
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyHubSpotFailure(reset, NOW)).toMatchObject({ action: 'retry', code: 'CRM_UNAVAILABLE' });
    const timeout = Object.assign(new Error('no response'), { code: 'ETIMEDOUT' });
    expect(classifyHubSpotFailure(timeout, NOW).action).toBe('retry');
    expect(classifyHubSpotFailure(new TypeError('x is undefined'), NOW)).toMatchObject({
      action: 'fail',
      code: 'INTERNAL',
    });
  });

  it('keeps HubSpot own message in the reason and tolerates bodies with no fields', () => {
    expect(
      classifyHubSpotFailure(
        apiError(400, { message: 'Property "x" does not exist', category: 'VALIDATION_ERROR' }),
        NOW,
      ).reason,
    ).toContain('Property "x" does not exist');
    expect(classifyHubSpotFailure(apiError(502, null), NOW).reason).toContain('502');
  });

  it('dailyResetAt is always after now and within a day and an hour (DST), in any zone or none', () => {
    const zones = [
      null,
      'UTC',
      'America/New_York',
      'Asia/Kolkata',
      'Pacific/Kiritimati',
      'Pacific/Pago_Pago',
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.constantFrom(...zones), (now, zone) => {
        const m = dailyResetAt(now, zone);
        expect(m).toBeGreaterThan(now);
        expect(m - now).toBeLessThanOrEqual(25 * 3_600_000);
      }),
    );
  });
});

describe('backoffDelay', () => {
  it('stays within [0, min(max, base * 2^attempt)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 30 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (attempt, r) => {
          const d = backoffDelay(attempt, { baseMs: 100, maxMs: 5_000, random: () => r });
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(Math.min(5_000, 100 * 2 ** attempt));
        },
      ),
    );
    expect(backoffDelay(3, { baseMs: 100, random: () => 0.5 })).toBe(400);
  });
});

describe('endpointPattern', () => {
  it('replaces record ids and drops the query', () => {
    expect(endpointPattern('patch', 'http://h/crm/v3/objects/deals/30000000001?archived=false')).toBe(
      'PATCH /crm/v3/objects/deals/{id}',
    );
    expect(endpointPattern('POST', 'http://h/crm/v4/associations/deals/contacts/batch/read')).toBe(
      'POST /crm/v4/associations/deals/contacts/batch/read',
    );
  });
});
