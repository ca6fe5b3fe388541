import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, phasesFor } from '../../../connectors/salesforce/salesforce-cursor.ts';
import { afterPosition, chunkInClause, inList, soqlString } from '../../../connectors/salesforce/soql.ts';

const sfId = fc
  .array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), {
    minLength: 15,
    maxLength: 15,
  })
  .map((chars) => `006${chars.join('')}`);

describe('chunkInClause', () => {
  it('keeps every id once, in order, and each chunk within the URL budget', () => {
    fc.assert(
      fc.property(fc.array(sfId, { maxLength: 800 }), fc.integer({ min: 200, max: 4000 }), (ids, budget) => {
        const fixed = 100;
        const chunks = chunkInClause(ids, fixed, budget);
        expect(chunks.flat()).toEqual([...new Set(ids)]);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          // A single id may exceed a tiny budget; otherwise the encoded list fits.
          if (chunk.length > 1)
            expect(fixed + encodeURIComponent(inList(chunk)).length).toBeLessThanOrEqual(budget);
        }
      }),
    );
  });

  it('packs as many ids as fit: a chunk never closes while the next id would still fit', () => {
    const ids = Array.from({ length: 50 }, (_, i) => `006${String(i).padStart(15, '0')}`);
    const chunks = chunkInClause(ids, 0, 500);
    for (let i = 0; i < chunks.length - 1; i += 1) {
      const withNext = [...(chunks[i] ?? []), chunks[i + 1]?.[0] ?? ''];
      expect(encodeURIComponent(inList(withNext)).length).toBeGreaterThan(500 - 3);
    }
  });
});

describe('soqlString', () => {
  it('escapes quotes and backslashes so a value cannot end the literal', () => {
    expect(soqlString("O'Brien\\")).toBe("'O\\'Brien\\\\'");
  });

  it('keyset condition names both SystemModstamp and Id', () => {
    const text = afterPosition({ modstamp: '2026-01-02T03:04:05.678Z', id: '006000000000001AAA' });
    expect(text).toBe(
      "(SystemModstamp > 2026-01-02T03:04:05Z OR (SystemModstamp = 2026-01-02T03:04:05Z AND Id > '006000000000001AAA'))",
    );
  });
});

describe('sync cursor', () => {
  it('round-trips and rejects what it did not write', () => {
    const cursor = {
      v: 1 as const,
      state: 'running' as const,
      since: '2026-01-01T00:00:00.000Z',
      phase: 'tasks' as const,
      after: { modstamp: '2026-01-02T00:00:00.000Z', id: '00T000000000001AAA' },
      nextSince: '2026-01-03T00:00:00.000Z',
    };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor('not json')).toHaveProperty('error');
    expect(decodeCursor(JSON.stringify({ v: 2, state: 'done' }))).toHaveProperty('error');
  });

  it('runs activities and deletions only on incremental pulls', () => {
    expect(phasesFor(null)).toEqual(['opportunities']);
    expect(phasesFor('2026-01-01T00:00:00.000Z')).toEqual([
      'opportunities',
      'tasks',
      'events',
      'emails',
      'deletions',
    ]);
  });
});
