import { describe, expect, it } from 'vitest';
import { localWeekPosition } from '../../../src/domain/iso-week.ts';

// ISO 8601 weeks start on Monday; week 1 is the week with the year's first Thursday, so a week
// belongs to the year of its Thursday (2026 begins on a Thursday: it has 53 weeks).
describe('local ISO week (the digest period)', () => {
  it('numbers weeks across a year boundary by their Thursday', () => {
    expect(localWeekPosition(Date.parse('2026-11-16T09:00:00Z'), 'UTC')).toEqual({
      week: '2026-W47',
      weekday: 1,
      hour: 9,
    });
    expect(localWeekPosition(Date.parse('2027-01-01T12:00:00Z'), 'UTC')).toMatchObject({
      week: '2026-W53',
      weekday: 5,
    });
    expect(localWeekPosition(Date.parse('2027-01-04T00:00:00Z'), 'UTC')).toMatchObject({
      week: '2027-W01',
      weekday: 1,
    });
    expect(localWeekPosition(Date.parse('2025-12-29T00:00:00Z'), 'UTC')).toMatchObject({
      week: '2026-W01',
      weekday: 1,
    });
  });

  it("uses the tenant's local calendar: Sunday 16:30 UTC is already Monday in Tokyo", () => {
    const t = Date.parse('2026-11-15T16:30:00Z');
    expect(localWeekPosition(t, 'UTC')).toEqual({ week: '2026-W46', weekday: 7, hour: 16 });
    expect(localWeekPosition(t, 'Asia/Tokyo')).toEqual({ week: '2026-W47', weekday: 1, hour: 1 });
    expect(localWeekPosition(Date.parse('2026-11-16T03:00:00Z'), 'America/New_York')).toEqual({
      week: '2026-W46',
      weekday: 7,
      hour: 22,
    });
  });
});
