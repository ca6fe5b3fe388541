// Issue 15 item 6: text values such as "Seller 6" must not be read as numbers (a column of seller
// names became a numeric feature), while amounts with currency symbols or ISO codes still read.

import { describe, expect, it } from 'vitest';
import { parseAmount } from '../../../src/import/value-parsers.ts';
import { readNumber } from '../../../src/scoring/qualification/field-encoding.ts';

describe('numbers versus text that contains a digit', () => {
  it('rejects words around a number', () => {
    for (const v of ['Seller 6', 'Region 12', 'Q3 deal', 'Tier 2 account']) {
      expect(parseAmount(v), v).toBeNull();
      expect(readNumber(v), v).toBeNaN();
    }
  });

  it('still reads currency symbols and ISO 4217 codes', () => {
    expect(parseAmount('EUR 1.250,00')).toBe(1250);
    expect(parseAmount('1,250 USD')).toBe(1250);
    expect(parseAmount('US$1,000')).toBe(1000);
    expect(parseAmount('€ 12.000,50')).toBe(12000.5);
    expect(readNumber('EUR 1.250,00')).toBe(1250);
    expect(readNumber('$1,250')).toBe(1250);
    expect(readNumber('25%')).toBe(25);
  });
});
