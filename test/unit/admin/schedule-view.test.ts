import { describe, expect, it } from 'vitest';
import { describeSchedule, nextRuns } from '../../../src/admin/schedule-view.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';

function tenant(timezone: string, nightly: string, incrementalEveryMinutes: number) {
  return parseTenants({
    tenants: [
      {
        id: 'acme',
        name: 'Acme',
        timezone,
        schedule: { nightly, incrementalEveryMinutes },
        connection: { crm: 'hubspot', auth: { type: 'private_app', accessToken: 'x' } },
      },
    ],
  })[0]!;
}

describe('schedule view', () => {
  it('computes the next five runs in the tenant time zone', () => {
    const from = Date.parse('2026-03-27T12:00:00Z');
    const runs = nextRuns('0 2 * * *', 'Europe/Brussels', from);
    expect(runs).toHaveLength(5);
    // 02:00 Brussels is 01:00Z in winter (CET) and 00:00Z after the 29 March DST change (CEST).
    expect(runs[0]).toBe('2026-03-28T01:00:00.000Z');
    expect(runs[2]).toBe('2026-03-30T00:00:00.000Z');
    for (let i = 1; i < runs.length; i++)
      expect(Date.parse(runs[i]!)).toBeGreaterThan(Date.parse(runs[i - 1]!));
  });

  it('describes the schedule in plain language', () => {
    const view = describeSchedule(
      tenant('America/New_York', '30 3 * * 1-5', 0),
      Date.parse('2026-01-05T00:00:00Z'),
    );
    expect(view.description).toContain('03:30');
    expect(view.description).toMatch(/Monday through Friday/);
    expect(view.description).toContain('America/New_York');
    expect(view.incrementalDescription).toMatch(/off/);
    expect(view.nextRuns[0]).toBe('2026-01-05T08:30:00.000Z');
    expect(describeSchedule(tenant('UTC', '0 2 * * *', 15), 0).incrementalDescription).toContain(
      '15 minutes',
    );
  });
});
