import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRow, detectDelimiter, readCsv } from '../../../src/import/csv-reader.ts';

async function all(chunks: Iterable<string>, delimiter?: ',' | ';' | '\t'): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const r of readCsv(chunks, delimiter ? { delimiter } : {})) out.push(r);
  return out;
}

describe('csv reader', () => {
  it('detects the delimiter from the header line, ignoring quoted ones', () => {
    expect(detectDelimiter('a,b,c\n1;2;3;4;5')).toBe(',');
    expect(detectDelimiter('\uFEFF"x,y";b;c\n')).toBe(';');
    expect(detectDelimiter('a\tb\tc\r\n')).toBe('\t');
    expect(detectDelimiter('single\n')).toBe(',');
  });

  it('reads BOM, CRLF, embedded newlines and doubled quotes with exact start lines', async () => {
    const text = '\uFEFFName;Note\r\n"Acme";"two\r\nlines"\r\n\r\nBeta;"say ""hi"""\r\nGamma;x';
    const rows = await all([text]);
    expect(rows).toEqual([
      { line: 1, fields: ['Name', 'Note'] },
      { line: 2, fields: ['Acme', 'two\nlines'] },
      { line: 5, fields: ['Beta', 'say "hi"'] },
      { line: 6, fields: ['Gamma', 'x'] },
    ]);
  });

  it('handles a CRLF split across chunks and lone CR line ends', async () => {
    const rows = await all(['a,b\r', '\n1,2\r3,4\r']);
    expect(rows.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
      [3, ['3', '4']],
    ]);
  });

  it('property: any table, quoted at random with any line ends and chunking, reads back the same', async () => {
    // Cells full of the characters that matter: delimiters, quotes, line breaks, spaces, non-ASCII.
    const cell = fc.string({
      unit: fc.constantFrom('a', 'B', '1', ',', ';', '\t', '"', '\n', ' ', 'é', '€'),
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<',' | ';' | '\t'>(',', ';', '\t'),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.integer({ min: 1, max: 7 }),
        async (delimiter, width, table, quoteFlags, eol, bom, chunkSize) => {
          // A header of plain names, then rows (a lone empty cell is written quoted: not an empty line).
          const rows = [
            Array.from({ length: width }, (_, i) => `h${i}`),
            ...table.map((r) => r.slice(0, width)),
          ];
          let q = 0;
          const encode = (v: string) => {
            const must =
              v.includes(delimiter) || v.includes('"') || v.includes('\n') || (v === '' && width === 1);
            const quote = must || quoteFlags[q++ % quoteFlags.length];
            return quote ? `"${v.replace(/"/g, '""')}"` : v;
          };
          const text = (bom ? '\uFEFF' : '') + rows.map((r) => r.map(encode).join(delimiter)).join(eol) + eol;
          const chunks: string[] = [];
          for (let i = 0; i < text.length; i += chunkSize) chunks.push(text.slice(i, i + chunkSize));
          const read = await all(chunks, delimiter);
          expect(read.map((r) => r.fields)).toEqual(rows);
          // Start lines: 1 + line breaks in all earlier rows.
          let line = 1;
          rows.forEach((r, i) => {
            expect(read[i]!.line).toBe(line);
            line += 1 + r.reduce((s, v) => s + (v.match(/\n/g)?.length ?? 0), 0);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
