import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastIso } from '../../../src/sandbox/generator/fast-iso.ts';

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
