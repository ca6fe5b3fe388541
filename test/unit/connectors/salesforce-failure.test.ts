import { describe, expect, it } from 'vitest';
import {
  classifySalesforceFailure,
  classifySaveError,
  nextUtcMidnight,
  PERMISSION_SET_HINT,
} from '../../../connectors/salesforce/salesforce-failure.ts';
import { decideFailure } from '../../../src/shared/failure-decision.ts';

const now = new Date('2026-03-10T15:30:00.000Z');

function failure(status: number | null, errorCode: string | null, cause: unknown = new Error('x')) {
  return { status, errorCode, message: 'msg', cause, what: 'GET /query' };
}

describe('classifySalesforceFailure', () => {
  it('REQUEST_LIMIT_EXCEEDED fails at once with a reset time, and jobs wait for it', () => {
    const decision = classifySalesforceFailure(failure(403, 'REQUEST_LIMIT_EXCEEDED'), now);
    expect(decision.action).toBe('fail');
    expect(decision.error.code).toBe('CRM_QUOTA_EXHAUSTED');
    expect(decision.error.retryAt).toBe(Date.parse('2026-03-11T00:00:00.000Z'));
    expect(decideFailure(decision.error, now.getTime())).toMatchObject({ action: 'wait_until' });
  });

  it('server errors and timeouts retry; 4xx do not', () => {
    expect(classifySalesforceFailure(failure(503, 'SERVER_UNAVAILABLE'), now)).toMatchObject({
      action: 'retry',
      error: { code: 'CRM_UNAVAILABLE' },
    });
    expect(classifySalesforceFailure(failure(500, 'UNKNOWN_EXCEPTION'), now).action).toBe('retry');
    const timeout = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(classifySalesforceFailure(failure(null, null, timeout), now).action).toBe('retry');
    expect(classifySalesforceFailure(failure(400, 'MALFORMED_QUERY'), now)).toMatchObject({
      action: 'fail',
      error: { code: 'CRM_REJECTED' },
    });
  });

  it('INVALID_FIELD is a permission problem whose message tells the admin what to assign', () => {
    const decision = classifySalesforceFailure(failure(400, 'INVALID_FIELD'), now);
    expect(decision.error.code).toBe('CRM_PERMISSION');
    expect(decision.error.message).toContain(PERMISSION_SET_HINT);
  });

  it('a 401 that survived the refresh is an auth failure', () => {
    expect(classifySalesforceFailure(failure(401, 'INVALID_SESSION_ID'), now).error.code).toBe('CRM_AUTH');
  });
});

describe('classifySaveError', () => {
  it('retries row locks only', () => {
    expect(classifySaveError('UNABLE_TO_LOCK_ROW')).toEqual({ code: 'CRM_UNAVAILABLE', retryable: true });
    expect(classifySaveError('FIELD_CUSTOM_VALIDATION_EXCEPTION')).toEqual({
      code: 'CRM_REJECTED',
      retryable: false,
    });
    expect(classifySaveError('INVALID_FIELD_FOR_INSERT_UPDATE').code).toBe('CRM_PERMISSION');
  });

  it('next UTC midnight is always later the same or next day', () => {
    expect(nextUtcMidnight(new Date('2026-12-31T23:59:59.000Z'))).toBe(
      Date.parse('2027-01-01T00:00:00.000Z'),
    );
  });
});
