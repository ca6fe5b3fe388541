import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastIso, parseIsoMs } from '../../../src/sandbox/generator/fast-iso.ts';

describe('fastIso', () => {
  it('matches Date.prototype.toISOString for any millisecond in years 1970-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(fastIso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2000 },
    );
  });

  it('handles day boundaries in both directions', () => {
    const midnight = Date.parse('2026-11-27T00:00:00.000Z');
    for (const ms of [midnight - 1, midnight, midnight + 1, midnight - 1, midnight + 86_399_999]) {
      expect(fastIso(ms)).toBe(new Date(ms).toISOString());
    }
  });
});

describe('parseIsoMs', () => {
  it('inverts fastIso for any millisecond in years 1970-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253_402_300_799_999 }), (ms) => {
        expect(parseIsoMs(fastIso(ms))).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('falls back to Date.parse for other forms', () => {
    for (const text of [
      '2026-11-27',
      '2026-11-27T10:00:00Z',
      '2026-11-27T10:00:00+02:00',
      'garbage',
      '2026-13-01T00:00:00.000Z',
    ]) {
      expect(Number.isNaN(parseIsoMs(text)) ? 'NaN' : parseIsoMs(text)).toBe(
        Number.isNaN(Date.parse(text)) ? 'NaN' : Date.parse(text),
      );
    }
  });
});
