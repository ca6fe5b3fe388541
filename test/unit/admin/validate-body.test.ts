import { describe, expect, it } from 'vitest';
import { AdminHttpError } from '../../../src/admin/admin-error.ts';
import { ScheduleBodySchema } from '../../../src/admin/admin-schemas.ts';
import { validate } from '../../../src/admin/validate-body.ts';
import { TenantSchema } from '../../../src/domain/index.ts';

function failure(fn: () => unknown): AdminHttpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AdminHttpError) return err;
    throw err;
  }
  throw new Error('expected a validation failure');
}

describe('validate', () => {
  it('lists every bad field in one VALIDATION_FAILED, with paths and no values', () => {
    const err = failure(() =>
      validate(TenantSchema, {
        id: 'Bad Id',
        connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: '' } },
        timezone: 'Mars/Olympus',
        targets: [{ periodStart: '2026-01-01', periodEnd: 'x', amount: -1 }],
      }),
    );
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.statusCode).toBe(400);
    const paths = err.fields?.map((f) => f.path) ?? [];
    expect(paths).toEqual(
      expect.arrayContaining([
        'id',
        'name',
        'connection.auth.accessToken',
        'timezone',
        'targets[0].periodEnd',
        'targets[0].amount',
      ]),
    );
    expect(err.fields?.find((f) => f.path === 'name')?.message).toBe('is required');
  });

  it('rejects unknown keys and missing schedule fields', () => {
    const err = failure(() => validate(ScheduleBodySchema, { nightly: '61 * * * *', extra: true }));
    const byPath = Object.fromEntries((err.fields ?? []).map((f) => [f.path, f.message]));
    expect(byPath.nightly).toMatch(/cron/);
    expect(byPath.timezone).toBe('is required');
    expect(byPath.incrementalEveryMinutes).toBe('is required');
    expect(byPath['(root)']).toMatch(/extra/);
  });

  it('returns the parsed value when valid', () => {
    expect(
      validate(ScheduleBodySchema, { nightly: '0 3 * * *', timezone: 'UTC', incrementalEveryMinutes: 0 }),
    ).toEqual({
      nightly: '0 3 * * *',
      timezone: 'UTC',
      incrementalEveryMinutes: 0,
    });
  });
});
