import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/app-error.ts';
import { ERROR_CODES } from '../../../src/shared/error-codes.ts';
import { decideFailure } from '../../../src/shared/failure-decision.ts';

const NOW = 1_700_000_000_000;

describe('failure classification', () => {
  it('waits until the CRM reset time for rate limits and exhausted quotas', () => {
    const limited = decideFailure(new AppError('CRM_RATE_LIMITED', '429', { retryAt: NOW + 7_000 }), NOW);
    expect(limited).toMatchObject({ action: 'wait_until', until: NOW + 7_000, code: 'CRM_RATE_LIMITED' });
    const quota = decideFailure(
      new AppError('CRM_QUOTA_EXHAUSTED', 'daily', { retryAt: NOW + 3_600_000 * 5 }),
      NOW,
    );
    expect(quota).toMatchObject({ action: 'wait_until', until: NOW + 3_600_000 * 5 });
  });

  it('without a reset time, retries a rate limit but never hammers an exhausted quota', () => {
    expect(decideFailure(new AppError('CRM_RATE_LIMITED'), NOW).action).toBe('retry');
    const quota = decideFailure(new AppError('CRM_QUOTA_EXHAUSTED'), NOW);
    expect(quota.action).toBe('wait_until');
    expect(quota.action === 'wait_until' && quota.until).toBeGreaterThanOrEqual(NOW + 3_600_000);
  });

  it('fails permanently on auth, permission, config and rejected requests', () => {
    for (const code of ['CRM_AUTH', 'CRM_PERMISSION', 'CONFIG_INVALID', 'CRM_REJECTED'] as const) {
      expect(decideFailure(new AppError(code), NOW)).toMatchObject({ action: 'fail', code });
    }
  });

  it('retries CRM outages and bare network errors, including wrapped causes', () => {
    expect(decideFailure(new AppError('CRM_UNAVAILABLE', '503'), NOW).action).toBe('retry');
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(decideFailure(reset, NOW)).toMatchObject({ action: 'retry', code: 'CRM_UNAVAILABLE' });
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(decideFailure(wrapped, NOW).action).toBe('retry');
    const aborted = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(decideFailure(aborted, NOW).action).toBe('retry');
  });

  it('fails unknown errors as INTERNAL rather than retrying a bug', () => {
    expect(decideFailure(new TypeError('x is undefined'), NOW)).toMatchObject({
      action: 'fail',
      code: 'INTERNAL',
    });
    expect(decideFailure('a string', NOW)).toMatchObject({ action: 'fail', code: 'INTERNAL' });
  });

  it('gives every registered code a decision and a description', () => {
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) {
      const decision = decideFailure(new AppError(code), NOW);
      expect(['retry', 'wait_until', 'fail']).toContain(decision.action);
      expect(new AppError(code).message).toBe(ERROR_CODES[code]);
    }
  });
});
