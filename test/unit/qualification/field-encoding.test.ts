import { describe, expect, it } from 'vitest';
import {
  learnFieldEncoding,
  levelOf,
  readNumber,
} from '../../../src/scoring/qualification/field-encoding.ts';

const sample = (
  v: string | number | boolean | null,
  outcome: { closedAt: number; won: boolean } | null = null,
) => ({
  fields: { f: v },
  outcome,
});

describe('field encoding', () => {
  it('reads booleans in their common spellings; unreadable values go to "other", empty to "missing"', () => {
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'boolean' }, []);
    const level = (v: string | number | boolean | null | undefined) => enc.levels[levelOf(enc, v)];
    for (const v of [true, 'true', 'Yes', ' YES ', 1, 'x', 'checked']) expect(level(v)).toBe('yes');
    for (const v of [false, 'false', 'No', 'n', 0, 'unchecked']) expect(level(v)).toBe('no');
    expect(level('maybe')).toBe('other');
    expect(level(7)).toBe('other');
    for (const v of [null, undefined, '', '   ']) expect(level(v)).toBe('missing');
  });

  it('bins numbers at quantiles learned from history, text numbers included', () => {
    const samples = Array.from({ length: 100 }, (_, i) => sample(i + 1));
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'number' }, samples, { numberBins: 4 });
    expect(enc.edges).toEqual([26, 51, 76]);
    expect(enc.levels).toHaveLength(6); // 4 bins + other + missing
    expect(levelOf(enc, 3)).toBe(0);
    expect(levelOf(enc, '60')).toBe(2);
    expect(levelOf(enc, 1_000)).toBe(3);
    expect(enc.levels[levelOf(enc, 'n/a')]).toBe('other');
    expect(enc.levels[levelOf(enc, null)]).toBe('missing');
  });

  it('collapses equal quantiles so a dominant value stays in one bin', () => {
    const samples = [
      ...Array.from({ length: 90 }, () => sample(0)),
      ...Array.from({ length: 10 }, (_, i) => sample(i + 1)),
    ];
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'number' }, samples);
    expect(new Set(enc.edges).size).toBe(enc.edges.length);
    expect(levelOf(enc, 0)).toBe(0);
  });

  it('reads amounts written with currency symbols and separators', () => {
    expect(readNumber('$1,250')).toBe(1250);
    expect(readNumber('€ 12.000,50')).toBe(12000.5);
    expect(readNumber('12,5')).toBe(12.5);
    expect(readNumber('1,234,567.89')).toBe(1234567.89);
    expect(readNumber('-3')).toBe(-3);
    expect(readNumber('none')).toBeNaN();
    expect(readNumber(null)).toBeNaN();
  });

  it('keeps frequent categories case- and space-insensitively, pools rare and unseen ones into "other"', () => {
    const samples = [
      ...Array.from({ length: 6 }, () => sample('Present')),
      ...Array.from({ length: 3 }, () => sample(' present ')),
      ...Array.from({ length: 5 }, () => sample('None')),
      ...Array.from({ length: 2 }, () => sample('Unknown')),
    ];
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'category' }, samples, {
      minLevelCount: 5,
    });
    expect(enc.levels).toEqual(['present', 'none', 'other', 'missing']);
    expect(enc.display[0]).toBe('Present');
    expect(enc.levels[levelOf(enc, 'PRESENT')]).toBe('present');
    expect(enc.levels[levelOf(enc, 'Unknown')]).toBe('other');
    expect(enc.levels[levelOf(enc, 'never seen')]).toBe('other');
    expect(enc.levels[levelOf(enc, 'missing')]).toBe('other');
    expect(enc.levels[levelOf(enc, null)]).toBe('missing');
  });

  it('caps the number of categories, keeping the most frequent', () => {
    const samples = Array.from({ length: 30 }, (_, i) =>
      Array.from({ length: 30 - i }, () => sample(`v${i}`)),
    ).flat();
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'category' }, samples, {
      maxCategories: 3,
      minLevelCount: 1,
    });
    expect(enc.levels).toEqual(['v0', 'v1', 'v2', 'other', 'missing']);
  });

  it('files each closed outcome under its level, sorted by close time', () => {
    const enc = learnFieldEncoding({ field: 'f', label: 'F', kind: 'boolean' }, [
      sample('yes', { closedAt: 30, won: true }),
      sample('yes', { closedAt: 10, won: true }),
      sample('no', { closedAt: 20, won: false }),
      sample('yes', null),
    ]);
    expect([...enc.won[0]!]).toEqual([10, 30]);
    expect([...enc.lost[1]!]).toEqual([20]);
    expect(enc.allWon.length + enc.allLost.length).toBe(3);
  });
});
