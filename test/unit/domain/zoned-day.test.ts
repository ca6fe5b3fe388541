// Day boundaries in the account's zone: HubSpot "daily limits reset at midnight based on the time
// zone setting of the HubSpot account" (https://developers.hubspot.com/apisbytier). The expected
// instants below are worked out by hand from each zone's published offset, not from our code.
import { describe, expect, it } from 'vitest';
import { formatUtcOffset, nextLocalMidnight, utcOffsetMs } from '../../../src/domain/index.ts';

const at = (iso: string) => Date.parse(iso);

describe('nextLocalMidnight', () => {
  it('a US portal at 00:30 UTC (19:30 the day before in New York) resets at 05:00 UTC, not 00:00 UTC', () => {
    expect(nextLocalMidnight(at('2026-12-08T00:30:00Z'), 'America/New_York')).toBe(
      at('2026-12-08T05:00:00Z'),
    );
  });
  it('uses the summer offset in summer (EDT, UTC-4)', () => {
    expect(nextLocalMidnight(at('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(
      at('2026-07-02T04:00:00Z'),
    );
  });
  it('crosses a DST change between now and midnight (New York, 2026-03-08 spring forward)', () => {
    expect(nextLocalMidnight(at('2026-03-08T06:00:00Z'), 'America/New_York')).toBe(
      at('2026-03-09T04:00:00Z'),
    );
  });
  it('zones east of UTC and half-hour offsets', () => {
    expect(nextLocalMidnight(at('2026-12-08T14:00:00Z'), 'Asia/Tokyo')).toBe(at('2026-12-08T15:00:00Z'));
    expect(nextLocalMidnight(at('2026-12-08T20:00:00Z'), 'Asia/Kolkata')).toBe(at('2026-12-09T18:30:00Z'));
    expect(nextLocalMidnight(at('2026-12-08T09:00:00Z'), 'Pacific/Kiritimati')).toBe(
      at('2026-12-08T10:00:00Z'),
    );
  });
  it('exactly at local midnight the next reset is a day later; UTC behaves as UTC', () => {
    expect(nextLocalMidnight(at('2026-12-08T05:00:00Z'), 'America/New_York')).toBe(
      at('2026-12-09T05:00:00Z'),
    );
    expect(nextLocalMidnight(at('2026-12-31T23:59:59Z'), 'UTC')).toBe(at('2027-01-01T00:00:00Z'));
  });
  it('is always after now and at most a day and an hour later', () => {
    for (const tz of ['America/New_York', 'Europe/Brussels', 'Australia/Lord_Howe', 'America/Santiago']) {
      for (
        let t = at('2026-01-01T00:00:00Z');
        t < at('2027-01-01T00:00:00Z');
        t += 7 * 3_600_000 + 13 * 60_000
      ) {
        const m = nextLocalMidnight(t, tz);
        expect(m).toBeGreaterThan(t);
        expect(m - t).toBeLessThanOrEqual(25 * 3_600_000);
      }
    }
  });
});

describe('utcOffsetMs / formatUtcOffset', () => {
  it('gives the offset in force at that instant', () => {
    expect(utcOffsetMs(at('2026-12-08T00:30:00Z'), 'America/Los_Angeles')).toBe(-8 * 3_600_000);
    expect(formatUtcOffset(utcOffsetMs(at('2026-12-08T00:30:00Z'), 'Asia/Kolkata'))).toBe('+05:30');
    expect(formatUtcOffset(0)).toBe('+00:00');
  });
});
